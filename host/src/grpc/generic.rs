//! viam.component.generic.v1.GenericService and viam.service.generic.v1.GenericService

use tonic::{Request, Response, Status};

use crate::core::api::ApiKind;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::generic::v1::generic_service_server::GenericService as ComponentService;
use crate::core::proto::viam::service::generic::v1::generic_service_server::GenericService as ServiceService;
use crate::grpc::common::{do_command, get_geometries};
use crate::grpc::host::Host;

pub struct GenericComponentApi(pub Host);
pub struct GenericServiceApi(pub Host);

#[tonic::async_trait]
impl ComponentService for GenericComponentApi {
    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        do_command(&self.0, ApiKind::GenericComponent, request.into_inner()).await
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        get_geometries(&self.0, ApiKind::GenericComponent, request.into_inner()).await
    }
}

#[tonic::async_trait]
impl ServiceService for GenericServiceApi {
    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        do_command(&self.0, ApiKind::GenericService, request.into_inner()).await
    }
}
