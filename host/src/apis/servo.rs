//! rdk:component:servo, `viam.component.servo.v1.ServoService`. Move is a
//! motion: the guest starts it, the host waits for it (`Resources::run_motion`).

use serde_json::json;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{CaptureMethod, tab, tabular, unexpected as unexpected_sample};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::{Answer, Module, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::servo::v1 as pb;
use crate::core::proto::viam::component::servo::v1::servo_service_server::ServoService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Servo;

/// A servo's own methods (Stop and IsMoving are every actuator's).
#[derive(Debug, Clone)]
pub enum Call {
    Move { angle_deg: u32, extra: Value },
    GetPosition(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    Position(u32),
}

impl Call {
    /// Whether it starts a motion, superseding the one in progress.
    pub fn starts_motion(&self) -> bool {
        matches!(self, Call::Move { .. })
    }

    pub fn method(&self) -> &'static str {
        match self {
            Call::Move { .. } => "Move",
            Call::GetPosition(_) => "GetPosition",
        }
    }
}

/// Enters the guest's `servo` interface.
pub async fn enter<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let servo = &g.servo;
    Ok(match call {
        Call::Move { angle_deg, extra } => servo.call_move_to(s, r, angle_deg, &extra).await?.map(|()| Reply::Unit),
        Call::GetPosition(x) => servo.call_get_position(s, r, &x).await?.map(Reply::Position),
    })
}

pub async fn stop<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<()> {
    g.servo.call_stop(s, r, extra).await
}

pub async fn is_moving<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny) -> Answer<bool> {
    g.servo.call_is_moving(s, r).await
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[tabular(
    "Position",
    |_, x| Call::GetPosition(x),
    |r, _| match r {
        Reply::Position(deg) => tab(json!({"position_deg": deg})),
        other => Err(unexpected_sample(other)),
    },
)];

pub struct ServoApi<R>(pub R);

#[tonic::async_trait]
impl<R: Resources> ServoService for ServoApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn r#move(&self, request: Request<pb::MoveRequest>) -> Result<Response<pb::MoveResponse>, Status> {
        let r = request.get_ref();
        let call = Call::Move {
            angle_deg: r.angle_deg,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::MoveResponse {}))
    }

    async fn get_position(
        &self,
        request: Request<pb::GetPositionRequest>,
    ) -> Result<Response<pb::GetPositionResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetPosition(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Position(position_deg) => Ok(Response::new(pb::GetPositionResponse { position_deg })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn stop(&self, request: Request<pb::StopRequest>) -> Result<Response<pb::StopResponse>, Status> {
        let r = request.into_inner();
        self.0.stop(KIND, &r.name, extra(r.extra.as_ref())).await?;
        Ok(Response::new(pb::StopResponse {}))
    }

    async fn is_moving(&self, request: Request<pb::IsMovingRequest>) -> Result<Response<pb::IsMovingResponse>, Status> {
        let is_moving = self.0.is_moving(KIND, &request.into_inner().name).await?;
        Ok(Response::new(pb::IsMovingResponse { is_moving }))
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        self.0.do_command(KIND, request.into_inner()).await.map(Response::new)
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        self.0
            .get_geometries(KIND, request.into_inner())
            .await
            .map(Response::new)
    }
}

// A dependent guest's calls (`calls` import), in the same shapes.

impl From<dep::ServoMethod> for Call {
    fn from(m: dep::ServoMethod) -> Self {
        match m {
            dep::ServoMethod::MoveTo((angle_deg, extra)) => Call::Move { angle_deg, extra },
            dep::ServoMethod::GetPosition(x) => Call::GetPosition(x),
        }
    }
}

impl From<Reply> for dep::ServoAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Unit => dep::ServoAnswer::Unit,
            Reply::Position(p) => dep::ServoAnswer::Position(p),
        }
    }
}

/// The call on a servo another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::Move { angle_deg, extra } => {
            let request = pb::MoveRequest {
                name,
                angle_deg,
                extra: wire(extra)?,
            };
            let _: pb::MoveResponse = u.unary("Move", request).await?;
            Reply::Unit
        }
        Call::GetPosition(x) => {
            let request = pb::GetPositionRequest { name, extra: wire(x)? };
            let r: pb::GetPositionResponse = u.unary("GetPosition", request).await?;
            Reply::Position(r.position_deg)
        }
    })
}
