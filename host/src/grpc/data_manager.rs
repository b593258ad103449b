//! viam.service.datamanager.v1.DataManagerService: DoCommand (the capture
//! queries of `builtin/data_manager.rs`) and Sync.

use tonic::{Request, Response, Status};

use crate::apis::resources::Resources;
use crate::core::api::ApiKind;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::service::datamanager::v1 as pb;
use crate::core::proto::viam::service::datamanager::v1::data_manager_service_server::DataManagerService;
use crate::grpc::host::Host;

pub struct DataManagerApi(pub Host);

#[tonic::async_trait]
impl DataManagerService for DataManagerApi {
    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        self.0
            .do_command(ApiKind::DataManager, request.into_inner())
            .await
            .map(Response::new)
    }

    /// Closes every capture file being written, as Viam's Sync does before
    /// it uploads, and starts a sync pass (when a `sync_target` is set);
    /// returns without waiting for it, as Viam's does.
    async fn sync(&self, request: Request<pb::SyncRequest>) -> Result<Response<pb::SyncResponse>, Status> {
        let name = request.into_inner().name;
        self.0.slot(ApiKind::DataManager, &name)?;
        let engine = crate::capture::current().ok_or_else(|| Status::unavailable("capture is not running"))?;
        engine.sync_now();
        Ok(Response::new(pb::SyncResponse {}))
    }
}
