//! How an API's gRPC service reaches the machine: the one narrow trait every
//! `apis/<api>.rs` service is written against. The server implements it
//! once (`grpc/host.rs`) — lookup, sessions, the waiting of motions and the
//! mapping of errors live there — so an API file only translates its
//! messages, and knows nothing of slots or sandboxes.

use std::time::Duration;

use tonic::Status;
use tonic::metadata::MetadataMap;

use crate::core::api::ApiKind;
use crate::core::bindings::Value;
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;

/// How often a waiting motion asks whether it is done, and how often a
/// stream polls (board ticks).
pub const CONTROL_PERIOD: Duration = Duration::from_millis(50);

/// The machine, as an API's gRPC service sees it. `Call` and `Reply` are
/// the machine's (`apis::Call`, `apis::Reply`); an API file builds its own
/// calls and reads its own replies through `From`/`TryFrom`, so it never
/// names another API's.
///
/// The methods return their futures unboxed (`impl Future + Send`): a call
/// through here is on every gRPC call's path, and the service's own future
/// (tonic's `async_trait`) is already the one allocation it needs.
pub trait Resources: Clone + Send + Sync + 'static {
    type Call: Send + 'static;
    type Reply: Send + 'static;

    /// Calls resource `name` of `api`.
    fn call(
        &self,
        api: ApiKind,
        name: &str,
        call: Self::Call,
    ) -> impl Future<Output = Result<Self::Reply, Status>> + Send;

    /// Starts a motion that does not end by itself (SetPower, SetRPM): it
    /// supersedes any motion in progress and returns at once. The resource
    /// is recorded against the caller's session (`metadata`).
    fn start_motion(
        &self,
        api: ApiKind,
        metadata: &MetadataMap,
        name: &str,
        call: Self::Call,
    ) -> impl Future<Output = Result<(), Status>> + Send;

    /// Starts a motion and waits until it ends, is stopped, or another
    /// command supersedes it (GoFor, Move).
    fn run_motion(
        &self,
        api: ApiKind,
        metadata: &MetadataMap,
        name: &str,
        call: Self::Call,
    ) -> impl Future<Output = Result<(), Status>> + Send;

    /// Stops an actuator; a motion waiting on it returns.
    fn stop(&self, api: ApiKind, name: &str, extra: Value) -> impl Future<Output = Result<(), Status>> + Send;

    /// Whether an actuator is moving.
    fn is_moving(&self, api: ApiKind, name: &str) -> impl Future<Output = Result<bool, Status>> + Send;

    /// DoCommand, the same for every API.
    fn do_command(
        &self,
        api: ApiKind,
        r: common::DoCommandRequest,
    ) -> impl Future<Output = Result<common::DoCommandResponse, Status>> + Send;

    /// GetGeometries, the same for every API that has it.
    fn get_geometries(
        &self,
        api: ApiKind,
        r: common::GetGeometriesRequest,
    ) -> impl Future<Output = Result<common::GetGeometriesResponse, Status>> + Send;

    /// GetReadings, the same for every API that has it.
    fn get_readings(
        &self,
        api: ApiKind,
        r: common::GetReadingsRequest,
    ) -> impl Future<Output = Result<common::GetReadingsResponse, Status>> + Send;

    /// Calls resource `name` of `api` with one of the API's own calls and
    /// takes the API's own reply. A reply of another API is a host bug:
    /// INTERNAL.
    fn ask<C, R>(&self, api: ApiKind, name: &str, call: C) -> impl Future<Output = Result<R, Status>> + Send
    where
        C: Into<Self::Call> + Send + 'static,
        Self::Reply: TryInto<R, Error = CallError>,
        R: Send,
    {
        async move {
            let reply = self.call(api, name, call.into()).await?;
            reply.try_into().map_err(|e| Status::internal(e.message))
        }
    }
}

/// The reply of another shape than the method's: a host bug, INTERNAL.
pub fn unexpected(api: ApiKind, reply: impl std::fmt::Debug) -> Status {
    Status::internal(format!("a {} answered {reply:?}", api.info().subtype))
}
