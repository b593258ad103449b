//! rdk:component:gripper, `viam.component.gripper.v1.GripperService`. Open
//! and Grab are motions the host waits for (`Resources::run_motion`); when
//! a grab ends, the host asks IsHoldingSomething for Grab's `success`.

use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::CaptureMethod;
use crate::apis::convert::kinematics_from_proto;
use crate::apis::convert::kinematics_to_proto;
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::{HoldingStatus, Kinematics};
use crate::core::bindings::armature::module::calls as dep;
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
    /// Whether it starts a motion, superseding the one in progress.
    pub fn starts_motion(&self) -> bool {
        matches!(self, Call::Open(_) | Call::Grab(_))
    }

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

// A dependent guest's calls (`calls` import), in the same shapes.

impl From<dep::GripperMethod> for Call {
    fn from(m: dep::GripperMethod) -> Self {
        match m {
            dep::GripperMethod::Open(x) => Call::Open(x),
            dep::GripperMethod::Grab(x) => Call::Grab(x),
            dep::GripperMethod::IsHoldingSomething(x) => Call::IsHoldingSomething(x),
            dep::GripperMethod::GetKinematics(x) => Call::GetKinematics(x),
        }
    }
}

impl From<Reply> for dep::GripperAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Unit => dep::GripperAnswer::Unit,
            Reply::Holding(h) => dep::GripperAnswer::Holding(h),
            Reply::Kinematics(k) => dep::GripperAnswer::Kinematics(k),
        }
    }
}

/// The call on a gripper another server serves (module mode). Its own Grab
/// answers whether it holds something: that, once the grab has ended.
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::Open(x) => {
            let _: pb::OpenResponse = u.unary("Open", pb::OpenRequest { name, extra: wire(x)? }).await?;
            Reply::Unit
        }
        Call::Grab(x) => {
            let _: pb::GrabResponse = u.unary("Grab", pb::GrabRequest { name, extra: wire(x)? }).await?;
            Reply::Unit
        }
        Call::IsHoldingSomething(x) => {
            let request = pb::IsHoldingSomethingRequest { name, extra: wire(x)? };
            let r: pb::IsHoldingSomethingResponse = u.unary("IsHoldingSomething", request).await?;
            Reply::Holding(HoldingStatus {
                is_holding_something: r.is_holding_something,
                meta: crate::apis::wire::value(r.meta),
            })
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
