//! rdk:component:arm, `viam.component.arm.v1.ArmService`. The three moves
//! are motions: the guest starts one, the host waits for it
//! (`Resources::run_motion`). Joint positions are checked against the
//! arm's own count before a move reaches the guest.

use serde_json::json;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{CaptureMethod, tab, tabular, unexpected as unexpected_sample};
use crate::apis::convert::{
    all_finite, invalid, kinematics_from_proto, kinematics_to_proto, pose_finite, pose_from_proto, pose_to_proto,
};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::{Kinematics, MoveOptions};
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::armature::module::types::Pose;
use crate::core::bindings::{Added, Answer, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::arm::v1 as pb;
use crate::core::proto::viam::component::arm::v1::arm_service_server::ArmService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Arm;

/// An arm's own methods (Stop and IsMoving are every actuator's).
#[derive(Debug, Clone)]
pub enum Call {
    GetEndPosition(Value),
    MoveToPosition {
        to: Pose,
        extra: Value,
    },
    GetJointPositions(Value),
    MoveToJointPositions {
        positions: Vec<f64>,
        extra: Value,
    },
    MoveThroughJointPositions {
        positions: Vec<Vec<f64>>,
        options: Option<MoveOptions>,
        extra: Value,
    },
    GetKinematics(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    Pose(Pose),
    Joints(Vec<f64>),
    Kinematics(Kinematics),
}

impl Call {
    /// Whether it starts a motion, superseding the one in progress.
    pub fn starts_motion(&self) -> bool {
        matches!(
            self,
            Call::MoveToPosition { .. } | Call::MoveToJointPositions { .. } | Call::MoveThroughJointPositions { .. }
        )
    }

    pub fn method(&self) -> &'static str {
        match self {
            Call::GetEndPosition(_) => "GetEndPosition",
            Call::MoveToPosition { .. } => "MoveToPosition",
            Call::GetJointPositions(_) => "GetJointPositions",
            Call::MoveToJointPositions { .. } => "MoveToJointPositions",
            Call::MoveThroughJointPositions { .. } => "MoveThroughJointPositions",
            Call::GetKinematics(_) => "GetKinematics",
        }
    }
}

/// Enters the guest's `arm` interface.
pub async fn enter<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let arm = &g.arm;
    let unit = |()| Reply::Unit;
    Ok(match call {
        Call::GetEndPosition(x) => arm.call_get_end_position(s, r, &x).await?.map(Reply::Pose),
        Call::MoveToPosition { to, extra } => arm.call_move_to_position(s, r, to, &extra).await?.map(unit),
        Call::GetJointPositions(x) => arm.call_get_joint_positions(s, r, &x).await?.map(Reply::Joints),
        Call::MoveToJointPositions { positions, extra } => arm
            .call_move_to_joint_positions(s, r, &positions, &extra)
            .await?
            .map(unit),
        Call::MoveThroughJointPositions {
            positions,
            options,
            extra,
        } => arm
            .call_move_through_joint_positions(s, r, &positions, options.as_ref(), &extra)
            .await?
            .map(unit),
        Call::GetKinematics(x) => arm.call_get_kinematics(s, r, &x).await?.map(Reply::Kinematics),
    })
}

pub async fn stop<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<()> {
    g.arm.call_stop(s, r, extra).await
}

pub async fn is_moving<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny) -> Answer<bool> {
    g.arm.call_is_moving(s, r).await
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[
    tabular(
        "EndPosition",
        |_, x| Call::GetEndPosition(x),
        |r, _| match r {
            Reply::Pose(p) => tab(json!({"pose": {
                "x": p.x, "y": p.y, "z": p.z, "o_x": p.o_x, "o_y": p.o_y, "o_z": p.o_z, "theta": p.theta,
            }})),
            other => Err(unexpected_sample(other)),
        },
    ),
    tabular(
        "JointPositions",
        |_, x| Call::GetJointPositions(x),
        |r, _| match r {
            Reply::Joints(values) => tab(json!({"positions": {"values": values}})),
            other => Err(unexpected_sample(other)),
        },
    ),
];

pub struct ArmApi<R>(pub R);

impl<R: Resources> ArmApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn joints(&self, name: &str) -> Result<Vec<f64>, Status> {
        match self.0.ask(KIND, name, Call::GetJointPositions(Vec::new())).await? {
            Reply::Joints(j) => Ok(j),
            other => Err(unexpected(KIND, other)),
        }
    }

    /// Each set of `positions` finite and one value per joint of the arm,
    /// which is asked for its current positions to know how many it has.
    async fn check_joints(&self, name: &str, method: &str, field: &str, sets: &[&[f64]]) -> Result<(), Status> {
        let joints = self.joints(name).await?.len();
        for (i, set) in sets.iter().enumerate() {
            let field = match sets.len() {
                1 => field.to_string(),
                _ => format!("{field}[{i}]"),
            };
            if set.len() != joints {
                return Err(invalid(
                    KIND,
                    name,
                    method,
                    &field,
                    format!("{} values given, but the arm has {joints} joints", set.len()),
                ));
            }
            all_finite(KIND, name, method, &field, set)?;
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl<R: Resources> ArmService for ArmApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn get_end_position(
        &self,
        request: Request<pb::GetEndPositionRequest>,
    ) -> Result<Response<pb::GetEndPositionResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetEndPosition(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Pose(p) => Ok(Response::new(pb::GetEndPositionResponse {
                pose: Some(pose_to_proto(p)),
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn move_to_position(
        &self,
        request: Request<pb::MoveToPositionRequest>,
    ) -> Result<Response<pb::MoveToPositionResponse>, Status> {
        let r = request.get_ref();
        let to = pose_from_proto(r.to);
        pose_finite(KIND, &r.name, "MoveToPosition", "to", &to)?;
        let call = Call::MoveToPosition {
            to,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::MoveToPositionResponse {}))
    }

    async fn get_joint_positions(
        &self,
        request: Request<pb::GetJointPositionsRequest>,
    ) -> Result<Response<pb::GetJointPositionsResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetJointPositions(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Joints(values) => Ok(Response::new(pb::GetJointPositionsResponse {
                positions: Some(pb::JointPositions { values }),
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn move_to_joint_positions(
        &self,
        request: Request<pb::MoveToJointPositionsRequest>,
    ) -> Result<Response<pb::MoveToJointPositionsResponse>, Status> {
        let r = request.get_ref();
        let positions = r.positions.clone().unwrap_or_default().values;
        self.check_joints(&r.name, "MoveToJointPositions", "positions", &[&positions])
            .await?;
        let call = Call::MoveToJointPositions {
            positions,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::MoveToJointPositionsResponse {}))
    }

    async fn move_through_joint_positions(
        &self,
        request: Request<pb::MoveThroughJointPositionsRequest>,
    ) -> Result<Response<pb::MoveThroughJointPositionsResponse>, Status> {
        let r = request.get_ref();
        let method = "MoveThroughJointPositions";
        let positions: Vec<Vec<f64>> = r.positions.iter().map(|p| p.values.clone()).collect();
        let sets: Vec<&[f64]> = positions.iter().map(Vec::as_slice).collect();
        self.check_joints(&r.name, method, "positions", &sets).await?;
        let options = r.options.as_ref().map(|o| MoveOptions {
            max_vel_degs_per_sec: o.max_vel_degs_per_sec,
            max_acc_degs_per_sec2: o.max_acc_degs_per_sec2,
            max_vel_degs_per_sec_joints: o.max_vel_degs_per_sec_joints.clone(),
            max_acc_degs_per_sec2_joints: o.max_acc_degs_per_sec2_joints.clone(),
            max_tcp_speed: o.max_tcp_speed,
        });
        if let Some(o) = &options {
            let scalars: Vec<f64> = [o.max_vel_degs_per_sec, o.max_acc_degs_per_sec2, o.max_tcp_speed]
                .into_iter()
                .flatten()
                .collect();
            all_finite(KIND, &r.name, method, "options", &scalars)?;
            all_finite(
                KIND,
                &r.name,
                method,
                "options.max_vel_degs_per_sec_joints",
                &o.max_vel_degs_per_sec_joints,
            )?;
            all_finite(
                KIND,
                &r.name,
                method,
                "options.max_acc_degs_per_sec2_joints",
                &o.max_acc_degs_per_sec2_joints,
            )?;
        }
        let call = Call::MoveThroughJointPositions {
            positions,
            options,
            extra: extra(r.extra.as_ref()),
        };
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::MoveThroughJointPositionsResponse {}))
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

impl From<dep::ArmMethod> for Call {
    fn from(m: dep::ArmMethod) -> Self {
        use dep::ArmMethod as M;
        match m {
            M::GetEndPosition(x) => Call::GetEndPosition(x),
            M::MoveToPosition((to, extra)) => Call::MoveToPosition { to, extra },
            M::GetJointPositions(x) => Call::GetJointPositions(x),
            M::MoveToJointPositions((positions, extra)) => Call::MoveToJointPositions { positions, extra },
            M::MoveThroughJointPositions((positions, options, extra)) => Call::MoveThroughJointPositions {
                positions,
                options,
                extra,
            },
            M::GetKinematics(x) => Call::GetKinematics(x),
        }
    }
}

impl From<Reply> for dep::ArmAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Unit => dep::ArmAnswer::Unit,
            Reply::Pose(p) => dep::ArmAnswer::Pose(p),
            Reply::Joints(j) => dep::ArmAnswer::Joints(j),
            Reply::Kinematics(k) => dep::ArmAnswer::Kinematics(k),
        }
    }
}

/// The call on an arm another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::GetEndPosition(x) => {
            let request = pb::GetEndPositionRequest { name, extra: wire(x)? };
            let r: pb::GetEndPositionResponse = u.unary("GetEndPosition", request).await?;
            Reply::Pose(pose_from_proto(r.pose))
        }
        Call::MoveToPosition { to, extra } => {
            let request = pb::MoveToPositionRequest {
                name,
                to: Some(pose_to_proto(to)),
                extra: wire(extra)?,
            };
            let _: pb::MoveToPositionResponse = u.unary("MoveToPosition", request).await?;
            Reply::Unit
        }
        Call::GetJointPositions(x) => {
            let request = pb::GetJointPositionsRequest { name, extra: wire(x)? };
            let r: pb::GetJointPositionsResponse = u.unary("GetJointPositions", request).await?;
            Reply::Joints(r.positions.unwrap_or_default().values)
        }
        Call::MoveToJointPositions { positions, extra } => {
            let request = pb::MoveToJointPositionsRequest {
                name,
                positions: Some(pb::JointPositions { values: positions }),
                extra: wire(extra)?,
            };
            let _: pb::MoveToJointPositionsResponse = u.unary("MoveToJointPositions", request).await?;
            Reply::Unit
        }
        Call::MoveThroughJointPositions {
            positions,
            options,
            extra,
        } => {
            let request = pb::MoveThroughJointPositionsRequest {
                name,
                positions: positions
                    .into_iter()
                    .map(|values| pb::JointPositions { values })
                    .collect(),
                options: options.map(|o| pb::MoveOptions {
                    max_vel_degs_per_sec: o.max_vel_degs_per_sec,
                    max_acc_degs_per_sec2: o.max_acc_degs_per_sec2,
                    max_vel_degs_per_sec_joints: o.max_vel_degs_per_sec_joints,
                    max_acc_degs_per_sec2_joints: o.max_acc_degs_per_sec2_joints,
                    max_tcp_speed: o.max_tcp_speed,
                }),
                extra: wire(extra)?,
            };
            let _: pb::MoveThroughJointPositionsResponse = u.unary("MoveThroughJointPositions", request).await?;
            Reply::Unit
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
