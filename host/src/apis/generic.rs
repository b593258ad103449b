//! rdk:component:generic and rdk:service:generic: DoCommand (and, for the
//! component, GetGeometries), which every API shares.

use tonic::{Request, Response, Status};

use crate::apis::resources::Resources;
use crate::core::api::ApiKind;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::generic::v1::generic_service_server::GenericService as ComponentService;
use crate::core::proto::viam::service::generic::v1::generic_service_server::GenericService as ServiceService;

pub struct GenericComponentApi<R>(pub R);
pub struct GenericServiceApi<R>(pub R);

#[tonic::async_trait]
impl<R: Resources> ComponentService for GenericComponentApi<R> {
    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        let r = request.into_inner();
        self.0.do_command(ApiKind::GenericComponent, r).await.map(Response::new)
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        let r = request.into_inner();
        self.0
            .get_geometries(ApiKind::GenericComponent, r)
            .await
            .map(Response::new)
    }
}

#[tonic::async_trait]
impl<R: Resources> ServiceService for GenericServiceApi<R> {
    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        let r = request.into_inner();
        self.0.do_command(ApiKind::GenericService, r).await.map(Response::new)
    }
}
