//! rdk:component:sensor, `viam.component.sensor.v1.SensorService`: readings
//! only, which every API that has them shares (`Call::GetReadings`).

use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::resources::Resources;
use crate::core::api::ApiKind;
use crate::core::bindings::{Answer, Module, Value};
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::sensor::v1::sensor_service_server::SensorService;

const KIND: ApiKind = ApiKind::Sensor;

/// `get-readings`, entered in the guest.
pub async fn readings<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<Value> {
    g.sensor.call_get_readings(s, r, extra).await
}

pub struct SensorApi<R>(pub R);

#[tonic::async_trait]
impl<R: Resources> SensorService for SensorApi<R> {
    async fn get_readings(
        &self,
        request: Request<common::GetReadingsRequest>,
    ) -> Result<Response<common::GetReadingsResponse>, Status> {
        self.0.get_readings(KIND, request.into_inner()).await.map(Response::new)
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
