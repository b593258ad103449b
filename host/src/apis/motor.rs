//! rdk:component:motor, `viam.component.motor.v1.MotorService`. GoFor and
//! GoTo are motions the host waits for (`Resources::run_motion`); SetPower
//! and SetRPM start one that runs until stopped (`Resources::start_motion`).

use serde_json::json;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{CaptureMethod, tab, tabular, unexpected as unexpected_sample};
use crate::apis::convert::finite_in;
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::exports::armature::module::motor::{PowerState, Properties};
use crate::core::bindings::{Answer, Module, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::motor::v1 as pb;
use crate::core::proto::viam::component::motor::v1::motor_service_server::MotorService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Motor;

/// A motor's own methods (Stop and IsMoving are every actuator's).
#[derive(Debug, Clone)]
pub enum Call {
    SetPower { power_pct: f64, extra: Value },
    GoFor { rpm: f64, revolutions: f64, extra: Value },
    GoTo { rpm: f64, position: f64, extra: Value },
    SetRpm { rpm: f64, extra: Value },
    ResetZeroPosition { offset: f64, extra: Value },
    GetPosition(Value),
    GetProperties(Value),
    IsPowered(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    Position(f64),
    Properties(Properties),
    Power(PowerState),
}

impl Call {
    /// Whether it starts a motion, superseding the one in progress.
    pub fn starts_motion(&self) -> bool {
        matches!(
            self,
            Call::SetPower { .. } | Call::GoFor { .. } | Call::GoTo { .. } | Call::SetRpm { .. }
        )
    }

    pub fn method(&self) -> &'static str {
        match self {
            Call::SetPower { .. } => "SetPower",
            Call::GoFor { .. } => "GoFor",
            Call::GoTo { .. } => "GoTo",
            Call::SetRpm { .. } => "SetRPM",
            Call::ResetZeroPosition { .. } => "ResetZeroPosition",
            Call::GetPosition(_) => "GetPosition",
            Call::GetProperties(_) => "GetProperties",
            Call::IsPowered(_) => "IsPowered",
        }
    }
}

/// Enters the guest's `motor` interface.
pub async fn enter<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let m = &g.motor;
    let unit = |()| Reply::Unit;
    Ok(match call {
        Call::SetPower { power_pct, extra } => m.call_set_power(s, r, power_pct, &extra).await?.map(unit),
        Call::GoFor {
            rpm,
            revolutions,
            extra,
        } => m.call_go_for(s, r, rpm, revolutions, &extra).await?.map(unit),
        Call::GoTo { rpm, position, extra } => m.call_go_to(s, r, rpm, position, &extra).await?.map(unit),
        Call::SetRpm { rpm, extra } => m.call_set_rpm(s, r, rpm, &extra).await?.map(unit),
        Call::ResetZeroPosition { offset, extra } => m.call_reset_zero_position(s, r, offset, &extra).await?.map(unit),
        Call::GetPosition(x) => m.call_get_position(s, r, &x).await?.map(Reply::Position),
        Call::GetProperties(x) => m.call_get_properties(s, r, &x).await?.map(Reply::Properties),
        Call::IsPowered(x) => m.call_is_powered(s, r, &x).await?.map(Reply::Power),
    })
}

pub async fn stop<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<()> {
    g.motor.call_stop(s, r, extra).await
}

pub async fn is_moving<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny) -> Answer<bool> {
    g.motor.call_is_moving(s, r).await
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[
    tabular(
        "Position",
        |_, x| Call::GetPosition(x),
        |r, _| match r {
            Reply::Position(p) => tab(json!({"position": p})),
            other => Err(unexpected_sample(other)),
        },
    ),
    tabular(
        "IsPowered",
        |_, x| Call::IsPowered(x),
        |r, _| match r {
            Reply::Power(p) => tab(json!({"is_on": p.is_on, "power_pct": p.power_pct})),
            other => Err(unexpected_sample(other)),
        },
    ),
];

pub struct MotorApi<R>(pub R);

fn nonzero(name: &str, what: &str, v: f64, why: &str) -> Result<f64, Status> {
    if v == 0.0 {
        return Err(Status::invalid_argument(format!(
            "motor {name:?}: {what} must not be 0{why}"
        )));
    }
    Ok(v)
}

#[tonic::async_trait]
impl<R: Resources> MotorService for MotorApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn set_power(&self, request: Request<pb::SetPowerRequest>) -> Result<Response<pb::SetPowerResponse>, Status> {
        let r = request.get_ref();
        if !(-1.0..=1.0).contains(&r.power_pct) {
            return Err(Status::invalid_argument(format!(
                "motor {:?}: power_pct must be within [-1, 1], got {}",
                r.name, r.power_pct
            )));
        }
        let call = Call::SetPower {
            power_pct: r.power_pct,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .start_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::SetPowerResponse {}))
    }

    async fn go_for(&self, request: Request<pb::GoForRequest>) -> Result<Response<pb::GoForResponse>, Status> {
        let r = request.get_ref();
        let rpm = finite_in(KIND, &r.name, "GoFor", "rpm", r.rpm)?;
        let revolutions = finite_in(KIND, &r.name, "GoFor", "revolutions", r.revolutions)?;
        nonzero(&r.name, "rpm", rpm, " for GoFor")?;
        nonzero(
            &r.name,
            "revolutions",
            revolutions,
            " (use SetRPM to turn indefinitely)",
        )?;
        let call = Call::GoFor {
            rpm,
            revolutions,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::GoForResponse {}))
    }

    async fn go_to(&self, request: Request<pb::GoToRequest>) -> Result<Response<pb::GoToResponse>, Status> {
        let r = request.get_ref();
        let rpm = finite_in(KIND, &r.name, "GoTo", "rpm", r.rpm)?;
        let position = finite_in(KIND, &r.name, "GoTo", "position_revolutions", r.position_revolutions)?;
        nonzero(&r.name, "rpm", rpm, " for GoTo")?;
        let call = Call::GoTo {
            rpm,
            position,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::GoToResponse {}))
    }

    async fn set_rpm(&self, request: Request<pb::SetRpmRequest>) -> Result<Response<pb::SetRpmResponse>, Status> {
        let r = request.get_ref();
        let rpm = finite_in(KIND, &r.name, "SetRPM", "rpm", r.rpm)?;
        let call = Call::SetRpm {
            rpm,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .start_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::SetRpmResponse {}))
    }

    async fn reset_zero_position(
        &self,
        request: Request<pb::ResetZeroPositionRequest>,
    ) -> Result<Response<pb::ResetZeroPositionResponse>, Status> {
        let r = request.into_inner();
        let offset = finite_in(KIND, &r.name, "ResetZeroPosition", "offset", r.offset)?;
        let call = Call::ResetZeroPosition {
            offset,
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.name, call).await? {
            Reply::Unit => Ok(Response::new(pb::ResetZeroPositionResponse {})),
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

    async fn get_properties(
        &self,
        request: Request<pb::GetPropertiesRequest>,
    ) -> Result<Response<pb::GetPropertiesResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetProperties(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Properties(p) => Ok(Response::new(pb::GetPropertiesResponse {
                position_reporting: p.position_reporting,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn stop(&self, request: Request<pb::StopRequest>) -> Result<Response<pb::StopResponse>, Status> {
        let r = request.into_inner();
        self.0.stop(KIND, &r.name, extra(r.extra.as_ref())).await?;
        Ok(Response::new(pb::StopResponse {}))
    }

    async fn is_powered(
        &self,
        request: Request<pb::IsPoweredRequest>,
    ) -> Result<Response<pb::IsPoweredResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::IsPowered(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Power(p) => Ok(Response::new(pb::IsPoweredResponse {
                is_on: p.is_on,
                power_pct: p.power_pct,
            })),
            other => Err(unexpected(KIND, other)),
        }
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

impl From<dep::MotorMethod> for Call {
    fn from(m: dep::MotorMethod) -> Self {
        use dep::MotorMethod as M;
        match m {
            M::SetPower((power_pct, extra)) => Call::SetPower { power_pct, extra },
            M::GoFor((rpm, revolutions, extra)) => Call::GoFor {
                rpm,
                revolutions,
                extra,
            },
            M::GoTo((rpm, position, extra)) => Call::GoTo { rpm, position, extra },
            M::SetRpm((rpm, extra)) => Call::SetRpm { rpm, extra },
            M::ResetZeroPosition((offset, extra)) => Call::ResetZeroPosition { offset, extra },
            M::GetPosition(x) => Call::GetPosition(x),
            M::GetProperties(x) => Call::GetProperties(x),
            M::IsPowered(x) => Call::IsPowered(x),
        }
    }
}

impl From<Reply> for dep::MotorAnswer {
    fn from(r: Reply) -> Self {
        use dep::MotorAnswer as A;
        match r {
            Reply::Unit => A::Unit,
            Reply::Position(p) => A::Position(p),
            Reply::Properties(p) => A::Properties(dep::MotorProperties {
                position_reporting: p.position_reporting,
            }),
            Reply::Power(p) => A::Power(dep::PowerState {
                is_on: p.is_on,
                power_pct: p.power_pct,
            }),
        }
    }
}

/// The call on a motor another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::SetPower { power_pct, extra } => {
            let request = pb::SetPowerRequest {
                name,
                power_pct,
                extra: wire(extra)?,
            };
            let _: pb::SetPowerResponse = u.unary("SetPower", request).await?;
            Reply::Unit
        }
        Call::GoFor {
            rpm,
            revolutions,
            extra,
        } => {
            let request = pb::GoForRequest {
                name,
                rpm,
                revolutions,
                extra: wire(extra)?,
            };
            let _: pb::GoForResponse = u.unary("GoFor", request).await?;
            Reply::Unit
        }
        Call::GoTo { rpm, position, extra } => {
            let request = pb::GoToRequest {
                name,
                rpm,
                position_revolutions: position,
                extra: wire(extra)?,
            };
            let _: pb::GoToResponse = u.unary("GoTo", request).await?;
            Reply::Unit
        }
        Call::SetRpm { rpm, extra } => {
            let request = pb::SetRpmRequest {
                name,
                rpm,
                extra: wire(extra)?,
            };
            let _: pb::SetRpmResponse = u.unary("SetRPM", request).await?;
            Reply::Unit
        }
        Call::ResetZeroPosition { offset, extra } => {
            let request = pb::ResetZeroPositionRequest {
                name,
                offset,
                extra: wire(extra)?,
            };
            let _: pb::ResetZeroPositionResponse = u.unary("ResetZeroPosition", request).await?;
            Reply::Unit
        }
        Call::GetPosition(x) => {
            let request = pb::GetPositionRequest { name, extra: wire(x)? };
            let r: pb::GetPositionResponse = u.unary("GetPosition", request).await?;
            Reply::Position(r.position)
        }
        Call::GetProperties(x) => {
            let request = pb::GetPropertiesRequest { name, extra: wire(x)? };
            let r: pb::GetPropertiesResponse = u.unary("GetProperties", request).await?;
            Reply::Properties(Properties {
                position_reporting: r.position_reporting,
            })
        }
        Call::IsPowered(x) => {
            let request = pb::IsPoweredRequest { name, extra: wire(x)? };
            let r: pb::IsPoweredResponse = u.unary("IsPowered", request).await?;
            Reply::Power(PowerState {
                is_on: r.is_on,
                power_pct: r.power_pct,
            })
        }
    })
}
