//! viam.component.sensor.v1.SensorService

use tonic::{Request, Response, Status};

use crate::core::api::ApiKind;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::sensor::v1::sensor_service_server::SensorService;
use crate::grpc::common::{do_command, get_geometries, get_readings};
use crate::grpc::host::Host;

pub struct SensorApi(pub Host);

const KIND: ApiKind = ApiKind::Sensor;

#[tonic::async_trait]
impl SensorService for SensorApi {
    async fn get_readings(
        &self,
        request: Request<common::GetReadingsRequest>,
    ) -> Result<Response<common::GetReadingsResponse>, Status> {
        let r = request.into_inner();
        get_readings(&self.0, KIND, r).await
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
