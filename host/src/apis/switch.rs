//! rdk:component:switch, `viam.component.switch.v1.SwitchService`.
//! Positions count from 0; one beyond the switch's own count is refused
//! before it reaches the guest. No GetGeometries on the wire.

use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::CaptureMethod;
use crate::apis::convert::invalid;
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::SwitchPositions;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::{Added, Answer, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::switch::v1 as pb;
use crate::core::proto::viam::component::switch::v1::switch_service_server::SwitchService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Switch;

#[derive(Debug, Clone)]
pub enum Call {
    SetPosition { position: u32, extra: Value },
    GetPosition(Value),
    GetNumberOfPositions(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    Position(u32),
    Positions(SwitchPositions),
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::SetPosition { .. } => "SetPosition",
            Call::GetPosition(_) => "GetPosition",
            Call::GetNumberOfPositions(_) => "GetNumberOfPositions",
        }
    }
}

/// Enters the guest's `switch` interface.
pub async fn enter<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let switch = &g.switch;
    Ok(match call {
        Call::SetPosition { position, extra } => switch
            .call_set_position(s, r, position, &extra)
            .await?
            .map(|()| Reply::Unit),
        Call::GetPosition(x) => switch.call_get_position(s, r, &x).await?.map(Reply::Position),
        Call::GetNumberOfPositions(x) => switch
            .call_get_number_of_positions(s, r, &x)
            .await?
            .map(Reply::Positions),
    })
}

/// Viam captures nothing of a switch but DoCommand.
pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[];

pub struct SwitchApi<R>(pub R);

impl<R: Resources> SwitchApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn positions(&self, name: &str, extra: Value) -> Result<SwitchPositions, Status> {
        match self.0.ask(KIND, name, Call::GetNumberOfPositions(extra)).await? {
            Reply::Positions(p) => Ok(p),
            other => Err(unexpected(KIND, other)),
        }
    }
}

#[tonic::async_trait]
impl<R: Resources> SwitchService for SwitchApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn set_position(
        &self,
        request: Request<pb::SetPositionRequest>,
    ) -> Result<Response<pb::SetPositionResponse>, Status> {
        let r = request.into_inner();
        let count = self.positions(&r.name, Vec::new()).await?.number_of_positions;
        if r.position >= count {
            return Err(invalid(
                KIND,
                &r.name,
                "SetPosition",
                "position",
                format!(
                    "{} is out of range: the switch has positions 0 to {}",
                    r.position,
                    count.saturating_sub(1)
                ),
            ));
        }
        let call = Call::SetPosition {
            position: r.position,
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.name, call).await? {
            Reply::Unit => Ok(Response::new(pb::SetPositionResponse {})),
            other => Err(unexpected(KIND, other)),
        }
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
            Reply::Position(position) => Ok(Response::new(pb::GetPositionResponse { position })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_number_of_positions(
        &self,
        request: Request<pb::GetNumberOfPositionsRequest>,
    ) -> Result<Response<pb::GetNumberOfPositionsResponse>, Status> {
        let r = request.into_inner();
        let p = self.positions(&r.name, extra(r.extra.as_ref())).await?;
        Ok(Response::new(pb::GetNumberOfPositionsResponse {
            number_of_positions: p.number_of_positions,
            labels: p.labels,
        }))
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        self.0.do_command(KIND, request.into_inner()).await.map(Response::new)
    }
}

// A dependent guest's calls (`calls` import), in the same shapes.

impl From<dep::SwitchMethod> for Call {
    fn from(m: dep::SwitchMethod) -> Self {
        match m {
            dep::SwitchMethod::SetPosition((position, extra)) => Call::SetPosition { position, extra },
            dep::SwitchMethod::GetPosition(x) => Call::GetPosition(x),
            dep::SwitchMethod::GetNumberOfPositions(x) => Call::GetNumberOfPositions(x),
        }
    }
}

impl From<Reply> for dep::SwitchAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Unit => dep::SwitchAnswer::Unit,
            Reply::Position(p) => dep::SwitchAnswer::Position(p),
            Reply::Positions(p) => dep::SwitchAnswer::Positions(p),
        }
    }
}

/// The call on a switch another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::SetPosition { position, extra } => {
            let request = pb::SetPositionRequest {
                name,
                position,
                extra: wire(extra)?,
            };
            let _: pb::SetPositionResponse = u.unary("SetPosition", request).await?;
            Reply::Unit
        }
        Call::GetPosition(x) => {
            let request = pb::GetPositionRequest { name, extra: wire(x)? };
            let r: pb::GetPositionResponse = u.unary("GetPosition", request).await?;
            Reply::Position(r.position)
        }
        Call::GetNumberOfPositions(x) => {
            let request = pb::GetNumberOfPositionsRequest { name, extra: wire(x)? };
            let r: pb::GetNumberOfPositionsResponse = u.unary("GetNumberOfPositions", request).await?;
            Reply::Positions(SwitchPositions {
                number_of_positions: r.number_of_positions,
                labels: r.labels,
            })
        }
    })
}
