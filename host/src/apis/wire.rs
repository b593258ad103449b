//! The wire of a resource another server serves: one unary gRPC call
//! ([`Unary`], which the caller implements on its connection) and the
//! conversions every API's requests share. Each API's `remote()` is
//! written against this; `remote.rs` dispatches to them.

use prost_types::Struct;
use tonic::Status;

use crate::core::bindings::Value;
use crate::core::values;

/// One unary call on the resource's gRPC service (the caller knows which).
pub trait Unary: Send + Sync {
    fn unary<Req, Resp>(&self, method: &'static str, request: Req) -> impl Future<Output = Result<Resp, Status>> + Send
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + 'static;
}

/// `extra` on the wire: `None` for no extra.
pub fn extra(v: Value) -> Result<Option<Struct>, Status> {
    if v.is_empty() {
        return Ok(None);
    }
    values::nodes_to_struct(v)
        .map(Some)
        .map_err(|e| Status::invalid_argument(format!("extra: {e}")))
}

/// A map answered on the wire, as a value.
pub fn value(s: Option<Struct>) -> Value {
    values::struct_to_nodes(s.as_ref())
}
