//! A dependency that the parent serves (a viam-server component, or one of
//! another module): the guest's `dependency` handle calls the parent's
//! resource service by the resource's short name, as Viam modules do.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use prost::bytes::Bytes;
use tonic::Status;

use crate::apis::call::{Call, Reply};
use crate::apis::remote;
use crate::apis::wire::Unary;
use crate::capabilities::target::CallTarget;
use crate::config::ResourceName;
use crate::core::error::{CallError, Code};
use crate::module_protocol::parent::{Parent, ParentLink};

/// How long a call on the parent may take: the default call deadline of a
/// guest, so that a local and a remote dependency fail alike.
pub const REMOTE_CALL_TIMEOUT: Duration = Duration::from_secs(2);

pub struct ParentResource {
    pub name: ResourceName,
    /// The gRPC service of the resource's API, if known.
    pub service: Option<String>,
    pub parent: Arc<ParentLink>,
}

impl CallTarget for ParentResource {
    fn name(&self) -> &ResourceName {
        &self.name
    }

    fn call(self: Arc<Self>, call: Call) -> BoxFuture<'static, Result<Reply, CallError>> {
        let name = self.name.clone();
        let service = self.service.clone();
        let parent = self.parent.get();
        Box::pin(async move {
            let Some(service) = service else {
                return Err(CallError::unimplemented(format!(
                    "{name}: viam-server did not say which gRPC service serves {}",
                    name.api
                )));
            };
            let Some(parent) = parent else {
                return Err(CallError::unavailable(format!("{name}: not connected to viam-server")));
            };
            let service = OnParent { parent, service };
            remote::call(&service, &name.name, call)
                .await
                .map_err(|s| from_status(&name, s))
        })
    }
}

/// The resource's service on viam-server, for the APIs' requests.
struct OnParent {
    parent: Parent,
    service: String,
}

impl Unary for OnParent {
    async fn unary_encoded(&self, method: &'static str, request: Bytes) -> Result<Bytes, Status> {
        self.parent
            .unary_encoded(&self.service, method, request, REMOTE_CALL_TIMEOUT)
            .await
    }
}

/// The parent's answer as the error a guest sees, naming the resource.
fn from_status(name: &ResourceName, s: Status) -> CallError {
    use tonic::Code as G;
    let code = match s.code() {
        G::InvalidArgument => Code::InvalidArgument,
        G::NotFound => Code::NotFound,
        G::FailedPrecondition => Code::FailedPrecondition,
        G::OutOfRange => Code::OutOfRange,
        G::Unimplemented => Code::Unimplemented,
        G::Unavailable | G::Cancelled => Code::Unavailable,
        G::PermissionDenied | G::Unauthenticated => Code::PermissionDenied,
        G::DeadlineExceeded => Code::DeadlineExceeded,
        G::ResourceExhausted => Code::ResourceExhausted,
        G::Aborted => Code::Aborted,
        G::Ok | G::Unknown | G::Internal | G::AlreadyExists | G::DataLoss => Code::Internal,
    };
    CallError::new(code, format!("{name} (served by viam-server): {}", s.message()))
}
