//! rdk:component:base, `viam.component.base.v1.BaseService`. MoveStraight
//! and Spin are motions the host waits for (`Resources::run_motion`);
//! SetPower and SetVelocity start one that runs until stopped
//! (`Resources::start_motion`).

use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::CaptureMethod;
use crate::apis::convert::{finite_in, invalid, vector_finite, vector_from_proto};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::BaseProperties;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::armature::module::types::Vector3;
use crate::core::bindings::{Added, Answer, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::base::v1 as pb;
use crate::core::proto::viam::component::base::v1::base_service_server::BaseService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Base;

/// A base's own methods (Stop and IsMoving are every actuator's).
#[derive(Debug, Clone)]
pub enum Call {
    MoveStraight {
        distance_mm: i64,
        mm_per_sec: f64,
        extra: Value,
    },
    Spin {
        angle_deg: f64,
        degs_per_sec: f64,
        extra: Value,
    },
    SetPower {
        linear: Vector3,
        angular: Vector3,
        extra: Value,
    },
    SetVelocity {
        linear: Vector3,
        angular: Vector3,
        extra: Value,
    },
    GetProperties(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    Properties(BaseProperties),
}

impl Call {
    /// Whether it starts a motion, superseding the one in progress.
    pub fn starts_motion(&self) -> bool {
        matches!(
            self,
            Call::MoveStraight { .. } | Call::Spin { .. } | Call::SetPower { .. } | Call::SetVelocity { .. }
        )
    }

    pub fn method(&self) -> &'static str {
        match self {
            Call::MoveStraight { .. } => "MoveStraight",
            Call::Spin { .. } => "Spin",
            Call::SetPower { .. } => "SetPower",
            Call::SetVelocity { .. } => "SetVelocity",
            Call::GetProperties(_) => "GetProperties",
        }
    }
}

/// Enters the guest's `base` interface.
pub async fn enter<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let base = &g.base;
    let unit = |()| Reply::Unit;
    Ok(match call {
        Call::MoveStraight {
            distance_mm,
            mm_per_sec,
            extra,
        } => base
            .call_move_straight(s, r, distance_mm, mm_per_sec, &extra)
            .await?
            .map(unit),
        Call::Spin {
            angle_deg,
            degs_per_sec,
            extra,
        } => base.call_spin(s, r, angle_deg, degs_per_sec, &extra).await?.map(unit),
        Call::SetPower { linear, angular, extra } => {
            base.call_set_power(s, r, linear, angular, &extra).await?.map(unit)
        }
        Call::SetVelocity { linear, angular, extra } => {
            base.call_set_velocity(s, r, linear, angular, &extra).await?.map(unit)
        }
        Call::GetProperties(x) => base.call_get_properties(s, r, &x).await?.map(Reply::Properties),
    })
}

pub async fn stop<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<()> {
    g.base.call_stop(s, r, extra).await
}

pub async fn is_moving<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny) -> Answer<bool> {
    g.base.call_is_moving(s, r).await
}

/// Viam captures nothing of a base but DoCommand.
pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[];

pub struct BaseApi<R>(pub R);

/// A power fraction in [-1, 1] on every axis.
fn power(name: &str, field: &str, v: &Vector3) -> Result<(), Status> {
    vector_finite(KIND, name, "SetPower", field, v)?;
    for (axis, x) in [("x", v.x), ("y", v.y), ("z", v.z)] {
        if !(-1.0..=1.0).contains(&x) {
            return Err(invalid(
                KIND,
                name,
                "SetPower",
                &format!("{field}.{axis}"),
                format!("must be within [-1, 1], got {x}"),
            ));
        }
    }
    Ok(())
}

#[tonic::async_trait]
impl<R: Resources> BaseService for BaseApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn move_straight(
        &self,
        request: Request<pb::MoveStraightRequest>,
    ) -> Result<Response<pb::MoveStraightResponse>, Status> {
        let r = request.get_ref();
        let call = Call::MoveStraight {
            distance_mm: r.distance_mm,
            mm_per_sec: finite_in(KIND, &r.name, "MoveStraight", "mm_per_sec", r.mm_per_sec)?,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::MoveStraightResponse {}))
    }

    async fn spin(&self, request: Request<pb::SpinRequest>) -> Result<Response<pb::SpinResponse>, Status> {
        let r = request.get_ref();
        let call = Call::Spin {
            angle_deg: finite_in(KIND, &r.name, "Spin", "angle_deg", r.angle_deg)?,
            degs_per_sec: finite_in(KIND, &r.name, "Spin", "degs_per_sec", r.degs_per_sec)?,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::SpinResponse {}))
    }

    async fn set_power(&self, request: Request<pb::SetPowerRequest>) -> Result<Response<pb::SetPowerResponse>, Status> {
        let r = request.get_ref();
        let linear = vector_from_proto(r.linear.as_ref());
        let angular = vector_from_proto(r.angular.as_ref());
        power(&r.name, "linear", &linear)?;
        power(&r.name, "angular", &angular)?;
        let call = Call::SetPower {
            linear,
            angular,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .start_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::SetPowerResponse {}))
    }

    async fn set_velocity(
        &self,
        request: Request<pb::SetVelocityRequest>,
    ) -> Result<Response<pb::SetVelocityResponse>, Status> {
        let r = request.get_ref();
        let linear = vector_from_proto(r.linear.as_ref());
        let angular = vector_from_proto(r.angular.as_ref());
        vector_finite(KIND, &r.name, "SetVelocity", "linear", &linear)?;
        vector_finite(KIND, &r.name, "SetVelocity", "angular", &angular)?;
        let call = Call::SetVelocity {
            linear,
            angular,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .start_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::SetVelocityResponse {}))
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
                width_meters: p.width_meters,
                turning_radius_meters: p.turning_radius_meters,
                wheel_circumference_meters: p.wheel_circumference_meters,
            })),
            other => Err(unexpected(KIND, other)),
        }
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

impl From<dep::BaseMethod> for Call {
    fn from(m: dep::BaseMethod) -> Self {
        use dep::BaseMethod as M;
        match m {
            M::MoveStraight((distance_mm, mm_per_sec, extra)) => Call::MoveStraight {
                distance_mm,
                mm_per_sec,
                extra,
            },
            M::Spin((angle_deg, degs_per_sec, extra)) => Call::Spin {
                angle_deg,
                degs_per_sec,
                extra,
            },
            M::SetPower((linear, angular, extra)) => Call::SetPower { linear, angular, extra },
            M::SetVelocity((linear, angular, extra)) => Call::SetVelocity { linear, angular, extra },
            M::GetProperties(x) => Call::GetProperties(x),
        }
    }
}

impl From<Reply> for dep::BaseAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Unit => dep::BaseAnswer::Unit,
            Reply::Properties(p) => dep::BaseAnswer::Properties(p),
        }
    }
}

/// The call on a base another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    let vector = |v: Vector3| Some(common::Vector3 { x: v.x, y: v.y, z: v.z });
    Ok(match call {
        Call::MoveStraight {
            distance_mm,
            mm_per_sec,
            extra,
        } => {
            let request = pb::MoveStraightRequest {
                name,
                distance_mm,
                mm_per_sec,
                extra: wire(extra)?,
            };
            let _: pb::MoveStraightResponse = u.unary("MoveStraight", request).await?;
            Reply::Unit
        }
        Call::Spin {
            angle_deg,
            degs_per_sec,
            extra,
        } => {
            let request = pb::SpinRequest {
                name,
                angle_deg,
                degs_per_sec,
                extra: wire(extra)?,
            };
            let _: pb::SpinResponse = u.unary("Spin", request).await?;
            Reply::Unit
        }
        Call::SetPower { linear, angular, extra } => {
            let request = pb::SetPowerRequest {
                name,
                linear: vector(linear),
                angular: vector(angular),
                extra: wire(extra)?,
            };
            let _: pb::SetPowerResponse = u.unary("SetPower", request).await?;
            Reply::Unit
        }
        Call::SetVelocity { linear, angular, extra } => {
            let request = pb::SetVelocityRequest {
                name,
                linear: vector(linear),
                angular: vector(angular),
                extra: wire(extra)?,
            };
            let _: pb::SetVelocityResponse = u.unary("SetVelocity", request).await?;
            Reply::Unit
        }
        Call::GetProperties(x) => {
            let request = pb::GetPropertiesRequest { name, extra: wire(x)? };
            let r: pb::GetPropertiesResponse = u.unary("GetProperties", request).await?;
            Reply::Properties(BaseProperties {
                width_meters: r.width_meters,
                turning_radius_meters: r.turning_radius_meters,
                wheel_circumference_meters: r.wheel_circumference_meters,
            })
        }
    })
}
