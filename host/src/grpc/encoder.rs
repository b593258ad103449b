//! viam.component.encoder.v1.EncoderService

use tonic::{Request, Response, Status};

use crate::core::api::ApiKind;
use crate::core::bindings::exports::armature::module::encoder::PositionType;
use crate::core::call::{Call, Reply};
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::encoder::v1 as pb;
use crate::core::proto::viam::component::encoder::v1::encoder_service_server::EncoderService;
use crate::core::values::struct_to_nodes as extra;
use crate::grpc::common::{do_command, get_geometries};
use crate::grpc::host::Host;
use crate::grpc::status::mismatch;

pub struct EncoderApi(pub Host);

const KIND: ApiKind = ApiKind::Encoder;

fn to_wit(t: pb::PositionType) -> PositionType {
    match t {
        pb::PositionType::Unspecified => PositionType::Unspecified,
        pb::PositionType::TicksCount => PositionType::TicksCount,
        pb::PositionType::AngleDegrees => PositionType::AngleDegrees,
    }
}

fn to_pb(t: PositionType) -> pb::PositionType {
    match t {
        PositionType::Unspecified => pb::PositionType::Unspecified,
        PositionType::TicksCount => pb::PositionType::TicksCount,
        PositionType::AngleDegrees => pb::PositionType::AngleDegrees,
    }
}

#[tonic::async_trait]
impl EncoderService for EncoderApi {
    async fn get_position(
        &self,
        request: Request<pb::GetPositionRequest>,
    ) -> Result<Response<pb::GetPositionResponse>, Status> {
        let r = request.into_inner();
        let wanted = match r.position_type {
            None => pb::PositionType::Unspecified,
            Some(t) => pb::PositionType::try_from(t)
                .map_err(|_| Status::invalid_argument(format!("encoder {:?}: unknown position_type {t}", r.name)))?,
        };
        let call = Call::EncoderPosition {
            position_type: to_wit(wanted),
            extra: extra(r.extra.as_ref()),
        };
        let p = self
            .0
            .call_as(KIND, &r.name, call, Reply::into_encoder_position)
            .await?;
        Ok(Response::new(pb::GetPositionResponse {
            value: p.value,
            position_type: to_pb(p.position_type) as i32,
        }))
    }

    async fn reset_position(
        &self,
        request: Request<pb::ResetPositionRequest>,
    ) -> Result<Response<pb::ResetPositionResponse>, Status> {
        let r = request.into_inner();
        self.0
            .call_as(
                KIND,
                &r.name,
                Call::ResetPosition(extra(r.extra.as_ref())),
                Reply::into_unit,
            )
            .await?;
        Ok(Response::new(pb::ResetPositionResponse {}))
    }

    async fn get_properties(
        &self,
        request: Request<pb::GetPropertiesRequest>,
    ) -> Result<Response<pb::GetPropertiesResponse>, Status> {
        let r = request.into_inner();
        let p = self
            .0
            .call(KIND, &r.name, Call::EncoderProperties(extra(r.extra.as_ref())))
            .await?;
        let p = p.into_encoder_properties().map_err(mismatch)?;
        Ok(Response::new(pb::GetPropertiesResponse {
            ticks_count_supported: p.ticks_count_supported,
            angle_degrees_supported: p.angle_degrees_supported,
        }))
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
