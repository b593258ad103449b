//! The wire of a resource another server serves: one unary gRPC call
//! ([`Unary`], which the caller implements on its connection) and the
//! conversions every API's requests share. Each API's `remote()` is
//! written against this; `remote.rs` dispatches to them.

use prost::bytes::Bytes;
use prost_types::Struct;
use tonic::Status;

use crate::core::bindings::Value;
use crate::core::values;

/// One unary call on the resource's gRPC service (the caller knows which).
pub trait Unary: Send + Sync {
    /// The call with its messages encoded: the connection's code is then
    /// compiled once, not once per message type.
    fn unary_encoded(&self, method: &'static str, request: Bytes)
    -> impl Future<Output = Result<Bytes, Status>> + Send;

    /// The call with typed messages.
    fn unary<Req, Resp>(&self, method: &'static str, request: Req) -> impl Future<Output = Result<Resp, Status>> + Send
    where
        Req: prost::Message,
        Resp: prost::Message + Default,
    {
        let answer = self.unary_encoded(method, request.encode_to_vec().into());
        async move {
            Resp::decode(answer.await?)
                .map_err(|e| Status::internal(format!("the answer to {method} does not decode: {e}")))
        }
    }
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
