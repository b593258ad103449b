//! rdk:component:gripper, `viam.component.gripper.v1.GripperService`. Open
//! and Grab are motions the host waits for (`Resources::run_motion`); when
//! a grab ends, the host asks IsHoldingSomething for Grab's `success`.

use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::CaptureMethod;
use crate::apis::convert::kinematics_to_proto;
use crate::apis::resources::{Resources, unexpected};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::{HoldingStatus, Kinematics};
use crate::core::bindings::{Added, Answer, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::gripper::v1 as pb;
use crate::core::proto::viam::component::gripper::v1::gripper_service_server::GripperService;
use crate::core::values::{nodes_to_struct, struct_to_nodes as extra};

const KIND: ApiKind = ApiKind::Gripper;

/// A gripper's own methods (Stop and IsMoving are every actuator's).
#[derive(Debug, Clone)]
pub enum Call {
    Open(Value),
    Grab(Value),
    IsHoldingSomething(Value),
    GetKinematics(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    Holding(HoldingStatus),
    Kinematics(Kinematics),
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::Open(_) => "Open",
            Call::Grab(_) => "Grab",
            Call::IsHoldingSomething(_) => "IsHoldingSomething",
            Call::GetKinematics(_) => "GetKinematics",
        }
    }
}

/// Enters the guest's `gripper` interface.
pub async fn enter<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let gripper = &g.gripper;
    let unit = |()| Reply::Unit;
    Ok(match call {
        Call::Open(x) => gripper.call_open(s, r, &x).await?.map(unit),
        Call::Grab(x) => gripper.call_grab(s, r, &x).await?.map(unit),
        Call::IsHoldingSomething(x) => gripper.call_is_holding_something(s, r, &x).await?.map(Reply::Holding),
        Call::GetKinematics(x) => gripper.call_get_kinematics(s, r, &x).await?.map(Reply::Kinematics),
    })
}

pub async fn stop<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<()> {
    g.gripper.call_stop(s, r, extra).await
}

pub async fn is_moving<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny) -> Answer<bool> {
    g.gripper.call_is_moving(s, r).await
}

/// Viam captures nothing of a gripper but DoCommand.
pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[];

pub struct GripperApi<R>(pub R);

impl<R: Resources> GripperApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn holding(&self, name: &str, extra: Value) -> Result<HoldingStatus, Status> {
        match self.0.ask(KIND, name, Call::IsHoldingSomething(extra)).await? {
            Reply::Holding(h) => Ok(h),
            other => Err(unexpected(KIND, other)),
        }
    }
}

#[tonic::async_trait]
impl<R: Resources> GripperService for GripperApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn open(&self, request: Request<pb::OpenRequest>) -> Result<Response<pb::OpenResponse>, Status> {
        let r = request.get_ref();
        let call = Call::Open(extra(r.extra.as_ref()));
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        Ok(Response::new(pb::OpenResponse {}))
    }

    async fn grab(&self, request: Request<pb::GrabRequest>) -> Result<Response<pb::GrabResponse>, Status> {
        let r = request.get_ref();
        let call = Call::Grab(extra(r.extra.as_ref()));
        self.0
            .run_motion(KIND, request.metadata(), &r.name, call.into())
            .await?;
        let held = self.holding(&r.name, extra(r.extra.as_ref())).await?;
        Ok(Response::new(pb::GrabResponse {
            success: held.is_holding_something,
            extra: None,
        }))
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

    async fn is_holding_something(
        &self,
        request: Request<pb::IsHoldingSomethingRequest>,
    ) -> Result<Response<pb::IsHoldingSomethingResponse>, Status> {
        let r = request.into_inner();
        let held = self.holding(&r.name, extra(r.extra.as_ref())).await?;
        let meta = match held.meta.is_empty() {
            true => None,
            false => Some(
                nodes_to_struct(held.meta)
                    .map_err(|e| Status::internal(format!("gripper {:?}: IsHoldingSomething: meta: {e}", r.name)))?,
            ),
        };
        Ok(Response::new(pb::IsHoldingSomethingResponse {
            is_holding_something: held.is_holding_something,
            meta,
        }))
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
