//! viam.robot.v1.RobotService: the machine as a whole.

use std::time::SystemTime;

use tonic::{Request, Response, Status};

use crate::core::api::APIS;
use crate::core::proto::API_VERSION;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::robot::v1 as pb;
use crate::core::proto::viam::robot::v1::robot_service_server::RobotService;
use crate::core::values;
use crate::grpc::host::Host;
use crate::resources::slot::State;

pub struct RobotApi(pub Host);

fn timestamp(t: SystemTime) -> prost_types::Timestamp {
    prost_types::Timestamp::from(t)
}

fn resource_name(api: &crate::config::Api, name: &str) -> common::ResourceName {
    common::ResourceName {
        namespace: api.namespace.clone(),
        r#type: api.kind.as_str().to_string(),
        subtype: api.subtype.clone(),
        name: name.to_string(),
    }
}

#[tonic::async_trait]
impl RobotService for RobotApi {
    async fn resource_names(
        &self,
        _: Request<pb::ResourceNamesRequest>,
    ) -> Result<Response<pb::ResourceNamesResponse>, Status> {
        let resources = self
            .0
            .machine
            .slots()
            .iter()
            .map(|s| resource_name(&s.name.api, &s.name.name))
            .collect();
        Ok(Response::new(pb::ResourceNamesResponse { resources }))
    }

    async fn resource_rpc_subtypes(
        &self,
        _: Request<pb::ResourceRpcSubtypesRequest>,
    ) -> Result<Response<pb::ResourceRpcSubtypesResponse>, Status> {
        let slots = self.0.machine.slots();
        let resource_rpc_subtypes = APIS
            .iter()
            .filter(|row| slots.iter().any(|s| s.kind == row.kind))
            .map(|row| pb::ResourceRpcSubtype {
                subtype: Some(resource_name(&row.kind.api(), "")),
                proto_service: row.proto_service.to_string(),
            })
            .collect();
        Ok(Response::new(pb::ResourceRpcSubtypesResponse { resource_rpc_subtypes }))
    }

    async fn get_operations(
        &self,
        _: Request<pb::GetOperationsRequest>,
    ) -> Result<Response<pb::GetOperationsResponse>, Status> {
        Ok(Response::new(pb::GetOperationsResponse {
            operations: self.0.operations.list(),
        }))
    }

    async fn cancel_operation(
        &self,
        request: Request<pb::CancelOperationRequest>,
    ) -> Result<Response<pb::CancelOperationResponse>, Status> {
        // Cancelling a motion stops its resource; an unknown id is no error (as in Viam).
        if let Some(slot) = self.0.operations.resource(&request.into_inner().id) {
            crate::grpc::motion::stop(&slot, values::map_to_nodes(&Default::default())).await?;
        }
        Ok(Response::new(pb::CancelOperationResponse {}))
    }

    async fn block_for_operation(
        &self,
        request: Request<pb::BlockForOperationRequest>,
    ) -> Result<Response<pb::BlockForOperationResponse>, Status> {
        let id = request.into_inner().id;
        while self.0.operations.resource(&id).is_some() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        Ok(Response::new(pb::BlockForOperationResponse {}))
    }

    async fn get_sessions(
        &self,
        _: Request<pb::GetSessionsRequest>,
    ) -> Result<Response<pb::GetSessionsResponse>, Status> {
        let sessions = self
            .0
            .sessions
            .ids()
            .into_iter()
            .map(|id| pb::Session {
                id,
                peer_connection_info: None,
            })
            .collect();
        Ok(Response::new(pb::GetSessionsResponse { sessions }))
    }

    async fn get_machine_status(
        &self,
        _: Request<pb::GetMachineStatusRequest>,
    ) -> Result<Response<pb::GetMachineStatusResponse>, Status> {
        use pb::resource_status::State as S;
        let info = self.0.machine.info();
        let resources = self
            .0
            .machine
            .slots()
            .iter()
            .map(|slot| {
                let st = slot.status();
                let state = match st.state {
                    State::Configuring => S::Configuring,
                    State::Ready => S::Ready,
                    State::Unhealthy => S::Unhealthy,
                    State::Removing => S::Removing,
                };
                let mut error = st.error.unwrap_or_default();
                if st.restarts > 0 {
                    error = if error.is_empty() {
                        format!("restarts: {}", st.restarts)
                    } else {
                        format!("{error} (restarts: {})", st.restarts)
                    };
                }
                pb::ResourceStatus {
                    name: Some(resource_name(&slot.name.api, &slot.name.name)),
                    state: state as i32,
                    last_updated: Some(timestamp(st.updated)),
                    revision: st
                        .module
                        .map(|(name, version)| format!("{name}@{version}"))
                        .unwrap_or_default(),
                    error,
                    cloud_metadata: None,
                    reachability: pb::resource_status::Reachability::Reachable as i32,
                    remote: None,
                }
            })
            .collect();
        let modules = info
            .modules
            .iter()
            .map(|m| pb::ModuleStatus {
                module_name: format!("{}@{}", m.name, m.version),
                state: pb::module_status::State::Ready as i32,
                last_updated: Some(timestamp(info.revision_since)),
                // A registry module that cannot be checked still serves; say why it is not current.
                error: m.source.as_ref().and_then(|s| s.error.clone()).unwrap_or_default(),
                consecutive_failures: 0,
            })
            .chain(info.module_errors.iter().map(|e| pb::ModuleStatus {
                module_name: e.clone(),
                state: pb::module_status::State::Unhealthy as i32,
                last_updated: Some(timestamp(info.revision_since)),
                error: e.clone(),
                consecutive_failures: 1,
            }))
            .collect();
        let state = if info.running {
            pb::get_machine_status_response::State::Running
        } else {
            pb::get_machine_status_response::State::Initializing
        };
        Ok(Response::new(pb::GetMachineStatusResponse {
            resources,
            config: Some(pb::ConfigStatus {
                revision: match &info.config_error {
                    None => info.revision.clone(),
                    Some(e) => format!("{} (a newer config was refused: {e})", info.revision),
                },
                last_updated: Some(timestamp(info.revision_since)),
            }),
            state: state as i32,
            job_statuses: Vec::new(),
            modules,
            packages: Vec::new(),
            armature_guest_memory: Some(guest_memory()),
        }))
    }

    async fn get_version(&self, _: Request<pb::GetVersionRequest>) -> Result<Response<pb::GetVersionResponse>, Status> {
        Ok(Response::new(pb::GetVersionResponse {
            platform: "armature".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
        }))
    }

    async fn stop_all(&self, request: Request<pb::StopAllRequest>) -> Result<Response<pb::StopAllResponse>, Status> {
        let extra = request.into_inner().extra;
        let mut failures = Vec::new();
        for slot in self.0.machine.slots().into_iter().filter(|s| s.kind.info().actuator) {
            let params = extra
                .iter()
                .find(|e| {
                    e.name
                        .as_ref()
                        .is_some_and(|n| n.name == slot.name.name && n.subtype == slot.name.api.subtype)
                })
                .and_then(|e| e.params.as_ref());
            if let Err(e) = crate::grpc::motion::stop(&slot, values::struct_to_nodes(params)).await {
                failures.push(format!("{}: {e}", slot.name));
            }
        }
        if failures.is_empty() {
            Ok(Response::new(pb::StopAllResponse {}))
        } else {
            Err(Status::internal(format!("stop failed for: {}", failures.join("; "))))
        }
    }

    async fn start_session(
        &self,
        request: Request<pb::StartSessionRequest>,
    ) -> Result<Response<pb::StartSessionResponse>, Status> {
        let id = self.0.sessions.start(&request.into_inner().resume);
        let window =
            prost_types::Duration::try_from(self.0.sessions.window()).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::StartSessionResponse {
            id,
            heartbeat_window: Some(window),
        }))
    }

    async fn send_session_heartbeat(
        &self,
        request: Request<pb::SendSessionHeartbeatRequest>,
    ) -> Result<Response<pb::SendSessionHeartbeatResponse>, Status> {
        self.0
            .sessions
            .heartbeat(&request.into_inner().id)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(Response::new(pb::SendSessionHeartbeatResponse {}))
    }

    async fn get_models_from_modules(
        &self,
        _: Request<pb::GetModelsFromModulesRequest>,
    ) -> Result<Response<pb::GetModelsFromModulesResponse>, Status> {
        let info = self.0.machine.info();
        let models = info
            .modules
            .iter()
            .flat_map(|m| {
                m.models.iter().map(|(api, model)| pb::ModuleModel {
                    module_name: m.name.clone(),
                    model: model.clone(),
                    api: api.to_string(),
                    from_local_module: true,
                })
            })
            .collect();
        Ok(Response::new(pb::GetModelsFromModulesResponse { models }))
    }

    async fn log(&self, request: Request<pb::LogRequest>) -> Result<Response<pb::LogResponse>, Status> {
        for entry in request.into_inner().logs {
            tracing::info!(logger = %entry.logger_name, level = %entry.level, "{}", crate::capabilities::guest_text::bounded(&entry.message, 1024));
        }
        Ok(Response::new(pb::LogResponse {}))
    }

    async fn get_cloud_metadata(
        &self,
        _: Request<pb::GetCloudMetadataRequest>,
    ) -> Result<Response<pb::GetCloudMetadataResponse>, Status> {
        Err(Status::failed_precondition("this machine has no cloud config"))
    }

    async fn shutdown(&self, _: Request<pb::ShutdownRequest>) -> Result<Response<pb::ShutdownResponse>, Status> {
        tracing::info!("shutdown requested over gRPC");
        self.0.shutdown.notify_one();
        Ok(Response::new(pb::ShutdownResponse {}))
    }
}

fn guest_memory() -> pb::ArmatureGuestMemory {
    let usage = crate::runtime::machine_memory::MACHINE_MEMORY.usage();
    pb::ArmatureGuestMemory {
        budget_bytes: usage.budget_bytes as u64,
        used_bytes: usage.used_bytes as u64,
        refusals: usage.refusals,
    }
}
