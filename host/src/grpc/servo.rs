//! viam.component.servo.v1.ServoService

use tonic::{Request, Response, Status};

use crate::core::api::ApiKind;
use crate::core::call::{Call, Reply};
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::servo::v1 as pb;
use crate::core::proto::viam::component::servo::v1::servo_service_server::ServoService;
use crate::core::values::struct_to_nodes as extra;
use crate::grpc::common::{do_command, get_geometries};
use crate::grpc::host::Host;
use crate::grpc::motion;
use crate::grpc::status::mismatch;

pub struct ServoApi(pub Host);

const KIND: ApiKind = ApiKind::Servo;

#[tonic::async_trait]
impl ServoService for ServoApi {
    async fn r#move(&self, request: Request<pb::MoveRequest>) -> Result<Response<pb::MoveResponse>, Status> {
        let r = request.get_ref();
        let call = Call::ServoMove {
            angle_deg: r.angle_deg,
            extra: extra(r.extra.as_ref()),
        };
        motion::run_to_completion(&self.0, KIND, &request, &r.name, call).await?;
        Ok(Response::new(pb::MoveResponse {}))
    }

    async fn get_position(
        &self,
        request: Request<pb::GetPositionRequest>,
    ) -> Result<Response<pb::GetPositionResponse>, Status> {
        let r = request.into_inner();
        let reply = self
            .0
            .call(KIND, &r.name, Call::ServoPosition(extra(r.extra.as_ref())))
            .await?;
        Ok(Response::new(pb::GetPositionResponse {
            position_deg: reply.into_u32().map_err(mismatch)?,
        }))
    }

    async fn stop(&self, request: Request<pb::StopRequest>) -> Result<Response<pb::StopResponse>, Status> {
        let r = request.into_inner();
        let slot = self.0.slot(KIND, &r.name)?;
        motion::stop(&slot, extra(r.extra.as_ref())).await?;
        Ok(Response::new(pb::StopResponse {}))
    }

    async fn is_moving(&self, request: Request<pb::IsMovingRequest>) -> Result<Response<pb::IsMovingResponse>, Status> {
        let r = request.into_inner();
        let is_moving = self.0.call_as(KIND, &r.name, Call::IsMoving, Reply::into_bool).await?;
        Ok(Response::new(pb::IsMovingResponse { is_moving }))
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        do_command(&self.0, KIND, request.into_inner()).await
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        get_geometries(&self.0, KIND, request.into_inner()).await
    }
}
