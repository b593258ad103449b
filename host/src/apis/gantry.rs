//! rdk:component:gantry, `viam.component.gantry.v1.GantryService`.
//! MoveToPosition and Home are motions the host waits for
//! (`Resources::run_motion`). A move is checked against the gantry's own
//! axes first: one position and one speed per axis, each position within
//! its axis' length.

use serde_json::json;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{CaptureMethod, tab, tabular, unexpected as unexpected_sample};
use crate::apis::convert::kinematics_from_proto;
use crate::apis::convert::{all_finite, invalid, kinematics_to_proto};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::Kinematics;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::{Added, Answer, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::gantry::v1 as pb;
use crate::core::proto::viam::component::gantry::v1::gantry_service_server::GantryService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Gantry;

/// A gantry's own methods (Stop and IsMoving are every actuator's).
#[derive(Debug, Clone)]
pub enum Call {
    GetPosition(Value),
    MoveToPosition {
        positions_mm: Vec<f64>,
        speeds_mm_per_sec: Vec<f64>,
        extra: Value,
    },
    Home(Value),
    GetLengths(Value),
    GetKinematics(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    /// Positions or lengths, one per axis, mm.
    Axes(Vec<f64>),
    Kinematics(Kinematics),
}

impl Call {
    /// Whether it starts a motion, superseding the one in progress.
    pub fn starts_motion(&self) -> bool {
        matches!(self, Call::MoveToPosition { .. } | Call::Home(_))
    }

    pub fn method(&self) -> &'static str {
        match self {
            Call::GetPosition(_) => "GetPosition",
            Call::MoveToPosition { .. } => "MoveToPosition",
            Call::Home(_) => "Home",
            Call::GetLengths(_) => "GetLengths",
            Call::GetKinematics(_) => "GetKinematics",
        }
    }
}

/// Enters the guest's `gantry` interface.
pub async fn enter<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let gantry = &g.gantry;
    let unit = |()| Reply::Unit;
    Ok(match call {
        Call::GetPosition(x) => gantry.call_get_position(s, r, &x).await?.map(Reply::Axes),
        Call::MoveToPosition {
            positions_mm,
            speeds_mm_per_sec,
            extra,
        } => gantry
            .call_move_to_position(s, r, &positions_mm, &speeds_mm_per_sec, &extra)
            .await?
            .map(unit),
        Call::Home(x) => gantry.call_home(s, r, &x).await?.map(unit),
        Call::GetLengths(x) => gantry.call_get_lengths(s, r, &x).await?.map(Reply::Axes),
        Call::GetKinematics(x) => gantry.call_get_kinematics(s, r, &x).await?.map(Reply::Kinematics),
    })
}

pub async fn stop<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<()> {
    g.gantry.call_stop(s, r, extra).await
}

pub async fn is_moving<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny) -> Answer<bool> {
    g.gantry.call_is_moving(s, r).await
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[
    tabular(
        "Position",
        |_, x| Call::GetPosition(x),
        |r, _| match r {
            Reply::Axes(mm) => tab(json!({"positions_mm": mm})),
            other => Err(unexpected_sample(other)),
        },
    ),
    tabular(
        "Lengths",
        |_, x| Call::GetLengths(x),
        |r, _| match r {
            Reply::Axes(mm) => tab(json!({"lengths_mm": mm})),
            other => Err(unexpected_sample(other)),
        },
    ),
];

pub struct GantryApi<R>(pub R);

impl<R: Resources> GantryApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn axes(&self, name: &str, call: Call) -> Result<Vec<f64>, Status> {
        match self.0.ask(KIND, name, call).await? {
            Reply::Axes(mm) => Ok(mm),
            other => Err(unexpected(KIND, other)),
        }
    }

    /// One position and one speed per axis, finite, each position within
    /// [0, its axis' length].
    async fn check_move(&self, name: &str, positions: &[f64], speeds: &[f64]) -> Result<(), Status> {
        const METHOD: &str = "MoveToPosition";
        let lengths = self.axes(name, Call::GetLengths(Vec::new())).await?;
        for (field, given) in [("positions_mm", positions), ("speeds_mm_per_sec", speeds)] {
            if given.len() != lengths.len() {
                return Err(invalid(
                    KIND,
                    name,
                    METHOD,
                    field,
                    format!(
                        "{} values given, but the gantry has {} axes",
                        given.len(),
                        lengths.len()
                    ),
                ));
            }
            all_finite(KIND, name, METHOD, field, given)?;
        }
        for (i, (p, length)) in positions.iter().zip(&lengths).enumerate() {
            if !(0.0..=*length).contains(p) {
                return Err(invalid(
                    KIND,
                    name,
                    METHOD,
                    &format!("positions_mm[{i}]"),
                    format!("{p} mm is beyond the axis' length of {length} mm"),
                ));
            }
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl<R: Resources> GantryService for GantryApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn get_position(
        &self,
        request: Request<pb::GetPositionRequest>,
    ) -> Result<Response<pb::GetPositionResponse>, Status> {
        let r = request.into_inner();
        let positions_mm = self.axes(&r.name, Call::GetPosition(extra(r.extra.as_ref()))).await?;
        Ok(Response::new(pb::GetPositionResponse { positions_mm }))
    }

    async fn move_to_position(
        &self,
        request: Request<pb::MoveToPositionRequest>,
    ) -> Result<Response<pb::MoveToPositionResponse>, Status> {
        let r = request.get_ref();
        self.check_move(&r.name, &r.positions_mm, &r.speeds_mm_per_sec).await?;
        let call = Call::MoveToPosition {
            positions_mm: r.positions_mm.clone(),
            speeds_mm_per_sec: r.speeds_mm_per_sec.clone(),
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::MoveToPositionResponse {}))
    }

    /// Homed once the homing motion has ended; a failure is the guest's error.
    async fn home(&self, request: Request<pb::HomeRequest>) -> Result<Response<pb::HomeResponse>, Status> {
        let r = request.get_ref();
        let call = Call::Home(extra(r.extra.as_ref()));
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::HomeResponse { homed: true }))
    }

    async fn get_lengths(
        &self,
        request: Request<pb::GetLengthsRequest>,
    ) -> Result<Response<pb::GetLengthsResponse>, Status> {
        let r = request.into_inner();
        let lengths_mm = self.axes(&r.name, Call::GetLengths(extra(r.extra.as_ref()))).await?;
        Ok(Response::new(pb::GetLengthsResponse { lengths_mm }))
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

    async fn get_kinematics(
        &self,
        request: Request<common::GetKinematicsRequest>,
    ) -> Result<Response<common::GetKinematicsResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetKinematics(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Kinematics(k) => Ok(Response::new(kinematics_to_proto(k))),
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

impl From<dep::GantryMethod> for Call {
    fn from(m: dep::GantryMethod) -> Self {
        use dep::GantryMethod as M;
        match m {
            M::GetPosition(x) => Call::GetPosition(x),
            M::MoveToPosition((positions_mm, speeds_mm_per_sec, extra)) => Call::MoveToPosition {
                positions_mm,
                speeds_mm_per_sec,
                extra,
            },
            M::Home(x) => Call::Home(x),
            M::GetLengths(x) => Call::GetLengths(x),
            M::GetKinematics(x) => Call::GetKinematics(x),
        }
    }
}

impl From<Reply> for dep::GantryAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Unit => dep::GantryAnswer::Unit,
            Reply::Axes(mm) => dep::GantryAnswer::Axes(mm),
            Reply::Kinematics(k) => dep::GantryAnswer::Kinematics(k),
        }
    }
}

/// The call on a gantry another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::GetPosition(x) => {
            let request = pb::GetPositionRequest { name, extra: wire(x)? };
            let r: pb::GetPositionResponse = u.unary("GetPosition", request).await?;
            Reply::Axes(r.positions_mm)
        }
        Call::MoveToPosition {
            positions_mm,
            speeds_mm_per_sec,
            extra,
        } => {
            let request = pb::MoveToPositionRequest {
                name,
                positions_mm,
                speeds_mm_per_sec,
                extra: wire(extra)?,
            };
            let _: pb::MoveToPositionResponse = u.unary("MoveToPosition", request).await?;
            Reply::Unit
        }
        Call::Home(x) => {
            let _: pb::HomeResponse = u.unary("Home", pb::HomeRequest { name, extra: wire(x)? }).await?;
            Reply::Unit
        }
        Call::GetLengths(x) => {
            let request = pb::GetLengthsRequest { name, extra: wire(x)? };
            let r: pb::GetLengthsResponse = u.unary("GetLengths", request).await?;
            Reply::Axes(r.lengths_mm)
        }
        Call::GetKinematics(x) => {
            let request = common::GetKinematicsRequest {
                name,
                extra: wire(x)?,
                ..Default::default()
            };
            let r: common::GetKinematicsResponse = u.unary("GetKinematics", request).await?;
            Reply::Kinematics(kinematics_from_proto(r))
        }
    })
}
