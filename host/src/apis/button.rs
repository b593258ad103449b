//! rdk:component:button, `viam.component.button.v1.ButtonService`: Push.
//! No GetGeometries on the wire.

use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::CaptureMethod;
use crate::apis::resources::Resources;
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::{Added, Answer, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::button::v1 as pb;
use crate::core::proto::viam::component::button::v1::button_service_server::ButtonService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Button;

#[derive(Debug, Clone)]
pub enum Call {
    Push(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::Push(_) => "Push",
        }
    }
}

/// Enters the guest's `button` interface.
pub async fn enter<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    Ok(match call {
        Call::Push(x) => g.button.call_push(s, r, &x).await?.map(|()| Reply::Unit),
    })
}

/// Viam captures nothing of a button but DoCommand.
pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[];

pub struct ButtonApi<R>(pub R);

#[tonic::async_trait]
impl<R: Resources> ButtonService for ButtonApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn push(&self, request: Request<pb::PushRequest>) -> Result<Response<pb::PushResponse>, Status> {
        let r = request.into_inner();
        match self.0.ask(KIND, &r.name, Call::Push(extra(r.extra.as_ref()))).await? {
            Reply::Unit => Ok(Response::new(pb::PushResponse {})),
        }
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        self.0.do_command(KIND, request.into_inner()).await.map(Response::new)
    }
}

// A dependent guest's calls (`calls` import), in the same shapes.

impl From<dep::ButtonMethod> for Call {
    fn from(m: dep::ButtonMethod) -> Self {
        match m {
            dep::ButtonMethod::Push(x) => Call::Push(x),
        }
    }
}

impl From<Reply> for dep::ButtonAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Unit => dep::ButtonAnswer::Unit,
        }
    }
}

/// The call on a button another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::Push(x) => {
            let _: pb::PushResponse = u.unary("Push", pb::PushRequest { name, extra: wire(x)? }).await?;
            Reply::Unit
        }
    })
}
