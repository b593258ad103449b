//! The machine as every API's gRPC service reaches it
//! ([`Resources`](crate::apis::resources::Resources)), implemented once
//! for [`Host`]: lookup, error mapping, sessions and the waiting of
//! motions, and the methods every API shares (DoCommand, GetGeometries,
//! GetReadings).

use tonic::Status;
use tonic::metadata::MetadataMap;

use crate::apis::call::{Call, Reply};
use crate::apis::convert::geometry_to_proto;
use crate::apis::resources::Resources;
use crate::core::api::ApiKind;
use crate::core::bindings::Value;

use crate::core::proto::viam::common::v1 as common;
use crate::core::values;
use crate::grpc::host::Host;
use crate::grpc::motion;
use crate::grpc::status::{from_tree_error, mismatch};

impl Resources for Host {
    type Call = Call;
    type Reply = Reply;

    async fn call(&self, api: ApiKind, name: &str, call: Call) -> Result<Reply, Status> {
        Host::call(self, api, name, call).await
    }

    async fn start_motion(&self, api: ApiKind, metadata: &MetadataMap, name: &str, call: Call) -> Result<(), Status> {
        motion::start(self, api, metadata, name, call).await
    }

    async fn run_motion(&self, api: ApiKind, metadata: &MetadataMap, name: &str, call: Call) -> Result<(), Status> {
        motion::run_to_completion(self, api, metadata, name, call).await
    }

    async fn stop(&self, api: ApiKind, name: &str, extra: Value) -> Result<(), Status> {
        motion::stop(&self.slot(api, name)?, extra).await
    }

    async fn is_moving(&self, api: ApiKind, name: &str) -> Result<bool, Status> {
        Host::call(self, api, name, Call::IsMoving)
            .await?
            .into_bool()
            .map_err(mismatch)
    }

    async fn do_command(&self, api: ApiKind, r: common::DoCommandRequest) -> Result<common::DoCommandResponse, Status> {
        let call = Call::DoCommand(values::struct_to_nodes(r.command.as_ref()));
        let nodes = Host::call(self, api, &r.name, call)
            .await?
            .into_value()
            .map_err(mismatch)?;
        let result = values::nodes_to_struct(nodes).map_err(|e| from_tree_error(&r.name, e))?;
        Ok(common::DoCommandResponse { result: Some(result) })
    }

    async fn get_geometries(
        &self,
        api: ApiKind,
        r: common::GetGeometriesRequest,
    ) -> Result<common::GetGeometriesResponse, Status> {
        let call = Call::GetGeometries(values::struct_to_nodes(r.extra.as_ref()));
        let geometries = Host::call(self, api, &r.name, call)
            .await?
            .into_geometries()
            .map_err(mismatch)?;
        Ok(common::GetGeometriesResponse {
            geometries: geometries.into_iter().map(geometry_to_proto).collect(),
        })
    }

    async fn get_readings(
        &self,
        api: ApiKind,
        r: common::GetReadingsRequest,
    ) -> Result<common::GetReadingsResponse, Status> {
        let call = Call::GetReadings(values::struct_to_nodes(r.extra.as_ref()));
        let nodes = Host::call(self, api, &r.name, call)
            .await?
            .into_value()
            .map_err(mismatch)?;
        let readings = values::nodes_to_fields(nodes).map_err(|e| from_tree_error(&r.name, e))?;
        Ok(common::GetReadingsResponse { readings })
    }
}
