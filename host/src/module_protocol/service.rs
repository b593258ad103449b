//! viam.module.v1.ModuleService: how viam-server drives the module.
//!
//! The resources viam-server has added make up a machine config (see
//! `entries`); every Add, Reconfigure and Remove applies the new config
//! through `Machine::apply`, so what changed is reconfigured in place and
//! nothing else is touched. A change that does not take leaves the module as
//! it was and answers an error.
//!
//! viam-server (since it dropped ReconfigureResource) changes a resource as
//! RemoveResource, ValidateConfig, AddResource. So a removed resource is kept
//! for `PARKED_FOR` (actuators stopped at once): if it is added back in that
//! time it is reconfigured in place rather than rebuilt; otherwise it closes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use crate::builtin;
use crate::capabilities::target::CallTarget;
use crate::config::{Api, Kind, ResourceName};
use crate::core::api::ApiKind;
use crate::core::proto::viam::app::v1::ComponentConfig;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::module::v1 as pb;
use crate::core::proto::viam::module::v1::module_service_server::ModuleService;
use crate::core::proto::viam::robot::v1 as robot;
use crate::module_protocol::entries;
use crate::module_protocol::parent::{Parent, ParentLink};
use crate::module_protocol::remote::ParentResource;
use crate::resources::machine::{External, Machine, MachineInfo};
use crate::resources::slot::State;

/// How long a removed resource waits to be added back.
pub const PARKED_FOR: Duration = Duration::from_secs(3);
/// Ready's connection to the parent must fit in viam-server's 3 s per attempt.
const READY_BUDGET: Duration = Duration::from_millis(1200);
/// For ResourceRPCSubtypes, asked when a dependency's API is not a standard one.
const PARENT_QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// A resource viam-server added.
#[derive(Clone)]
struct Added {
    kind: Kind,
    /// As a config-file entry.
    entry: Json,
    /// The dependencies viam-server listed for it (full names).
    listed: Vec<ResourceName>,
    /// Removed by viam-server; closes at this time unless added back.
    parked_until: Option<Instant>,
}

type Resources = BTreeMap<ResourceName, Added>;

struct Shared {
    machine: Arc<Machine>,
    parent: Arc<ParentLink>,
    /// Serializes changes: each is a whole-config apply.
    resources: tokio::sync::Mutex<Resources>,
    /// Set once Ready has connected to the parent.
    connected: watch::Sender<bool>,
    /// VIAM_NO_MODULE_PARENT: do not connect back.
    no_parent: bool,
}

#[derive(Clone)]
pub struct ModuleApi(Arc<Shared>);

impl ModuleApi {
    pub fn new(
        machine: Arc<Machine>,
        parent: Arc<ParentLink>,
        connected: watch::Sender<bool>,
        no_parent: bool,
    ) -> Self {
        Self(Arc::new(Shared {
            machine,
            parent,
            resources: tokio::sync::Mutex::default(),
            connected,
            no_parent,
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Add,
    Reconfigure,
}

/// Every model on offer: the modules folder's, then the host's built-in ones
/// but the data manager: viam-server has its own (`rdk:builtin:builtin`),
/// and Armature's capture runs only under `armature run`.
fn models(info: &MachineInfo) -> Vec<(Api, String)> {
    let wasm = info.modules.iter().flat_map(|m| m.models.iter().cloned());
    let builtin = builtin::MODELS
        .iter()
        .filter(|b| b.api != crate::capture::config::API)
        .filter_map(|b| Some((Api::parse(b.api).ok()?, b.model.to_string())));
    wasm.chain(builtin).collect()
}

/// One handler per API, listing the models on offer for it. APIs Armature
/// does not serve are left out: it could not answer their calls.
pub fn handler_map(info: &MachineInfo) -> pb::HandlerMap {
    let mut by_api: BTreeMap<Api, Vec<String>> = BTreeMap::new();
    for (api, model) in models(info) {
        by_api.entry(api).or_default().push(model);
    }
    let handlers = by_api
        .into_iter()
        .filter_map(|(api, mut models)| {
            let Some(kind) = ApiKind::of(&api) else {
                tracing::warn!(%api, ?models, "not offered to viam-server: Armature does not serve this API");
                return None;
            };
            models.sort();
            models.dedup();
            Some(pb::HandlerDefinition {
                subtype: Some(robot::ResourceRpcSubtype {
                    subtype: Some(common::ResourceName {
                        namespace: api.namespace.clone(),
                        r#type: api.kind.as_str().to_string(),
                        subtype: api.subtype.clone(),
                        name: String::new(),
                    }),
                    proto_service: kind.info().proto_service.to_string(),
                }),
                models,
            })
        })
        .collect();
    pb::HandlerMap { handlers }
}

/// A failed validation; the guest's message usually names the resource already.
fn invalid(name: &str, e: &str) -> Status {
    if e.contains(&format!("{name:?}")) {
        Status::invalid_argument(format!("validate: {e}"))
    } else {
        Status::invalid_argument(format!("resource {name:?}: validate: {e}"))
    }
}

fn config_of(config: Option<ComponentConfig>) -> Result<ComponentConfig, Status> {
    config.ok_or_else(|| Status::invalid_argument("the request carries no config"))
}

impl Shared {
    /// NOT_FOUND unless a module in the folder (or the host) provides the
    /// model for the API.
    fn provided(&self, rc: &crate::config::ResourceConfig) -> Result<(), Status> {
        let available = models(&self.machine.info());
        let found =
            ApiKind::of(&rc.api).is_some() && available.iter().any(|(a, mo)| *a == rc.api && mo == rc.model.as_str());
        if found {
            return Ok(());
        }
        let available: Vec<String> = available.iter().map(|(a, mo)| format!("{mo} ({a})")).collect();
        Err(Status::not_found(format!(
            "resource {:?}: no module provides model {} for {} (available: {})",
            rc.name,
            rc.model,
            rc.api,
            if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            }
        )))
    }

    /// The parent's resources that the added ones depend on.
    async fn external(&self, resources: &Resources) -> External {
        let mut names: Vec<ResourceName> = resources
            .values()
            .flat_map(|r| r.listed.iter().cloned())
            .filter(|n| !resources.contains_key(n))
            .collect();
        names.sort();
        names.dedup();
        // Custom APIs (another module's): ask the parent which service serves them.
        let mut services: Vec<(Api, String)> = Vec::new();
        if names.iter().any(|n| ApiKind::of(&n.api).is_none())
            && let Some(parent) = self.parent.get()
        {
            match parent.rpc_services(PARENT_QUERY_TIMEOUT).await {
                Ok(s) => services = s,
                Err(e) => tracing::warn!("asking viam-server for its APIs' services: {}", e.message()),
            }
        }
        names
            .into_iter()
            .map(|name| {
                let service = match ApiKind::of(&name.api) {
                    Some(kind) => Some(kind.info().proto_service.to_string()),
                    None => services.iter().find(|(a, _)| *a == name.api).map(|(_, s)| s.clone()),
                };
                let remote: Arc<dyn CallTarget> = Arc::new(ParentResource {
                    name: name.clone(),
                    service,
                    parent: self.parent.clone(),
                });
                (name, remote)
            })
            .collect()
    }

    /// Makes the machine serve exactly `resources`.
    async fn install(&self, resources: &Resources) -> Result<(), Status> {
        let config =
            entries::machine_config(resources.values().map(|r| (r.kind, &r.entry))).map_err(Status::internal)?;
        let external = self.external(resources).await;
        let previous = self.machine.set_external(external);
        if let Err(problems) = self.machine.apply(config).await {
            self.machine.set_external(previous);
            return Err(Status::invalid_argument(problems.join("\n")));
        }
        Ok(())
    }

    /// Whether a resource just added or changed is serving.
    fn outcome(&self, name: &ResourceName) -> Result<(), String> {
        let slot = ApiKind::of(&name.api)
            .and_then(|kind| self.machine.lookup(kind, &name.name))
            .ok_or_else(|| "it is not served".to_string())?;
        let status = slot.status();
        match (status.state, status.error) {
            (State::Ready, None) => Ok(()),
            (State::Configuring, why) => {
                // Waiting for a dependency of this module: built when it is healthy.
                tracing::warn!(resource = %name, "added, not built yet: {}", why.unwrap_or_default());
                Ok(())
            }
            (State::Ready, Some(e)) => Err(e),
            (state, e) => Err(e.unwrap_or_else(|| format!("it is {state:?}"))),
        }
    }

    async fn put(
        &self,
        config: Option<ComponentConfig>,
        dependencies: Vec<String>,
        change: Change,
    ) -> Result<(), Status> {
        let (kind, entry) = entries::entry(&config_of(config)?)?;
        let rc = entries::parse(kind, &entry)?;
        self.provided(&rc)?;
        let name = rc.resource_name();
        let listed = dependencies
            .iter()
            .map(|d| entries::full_name(d))
            .collect::<Result<Vec<_>, _>>()?;

        let mut resources = self.resources.lock().await;
        let present = resources.get(&name).is_some_and(|r| r.parked_until.is_none());
        if change == Change::Reconfigure && !present {
            return Err(Status::not_found(format!("no resource {name} to reconfigure")));
        }
        let guest = self
            .machine
            .validate_resource(&rc)
            .await
            .map_err(|e| invalid(&rc.name, &e))?;
        // Every required dependency must be here or be one viam-server listed.
        let missing: Vec<&String> = rc
            .depends_on
            .iter()
            .chain(&guest.required)
            .filter(|w| {
                !resources.keys().any(|n| *n != name && entries::names(w, n))
                    && !listed.iter().any(|n| entries::names(w, n))
            })
            .collect();
        if !missing.is_empty() {
            let listed: Vec<String> = listed.iter().map(ToString::to_string).collect();
            return Err(Status::failed_precondition(format!(
                "resource {:?} needs {missing:?}, which viam-server did not list among its dependencies ({}) and this module does not have",
                rc.name,
                if listed.is_empty() {
                    "none".into()
                } else {
                    listed.join(", ")
                }
            )));
        }

        let previous = resources.clone();
        resources.insert(
            name.clone(),
            Added {
                kind,
                entry,
                listed,
                parked_until: None,
            },
        );
        if let Err(e) = self.install(&resources).await {
            *resources = previous;
            return Err(e);
        }
        if let Err(why) = self.outcome(&name) {
            *resources = previous;
            if let Err(e) = self.install(&resources).await {
                tracing::error!(resource = %name, "restoring the resources after a failed change: {}", e.message());
            }
            return Err(Status::failed_precondition(format!("resource {name}: {why}")));
        }
        tracing::info!(resource = %name, ?change, "done for viam-server");
        Ok(())
    }

    async fn remove(self: &Arc<Self>, name: &str) -> Result<(), Status> {
        let name = entries::full_name(name)?;
        let mut resources = self.resources.lock().await;
        let Some(r) = resources.get_mut(&name).filter(|r| r.parked_until.is_none()) else {
            return Err(Status::not_found(format!("no resource {name} to remove")));
        };
        r.parked_until = Some(Instant::now() + PARKED_FOR);
        drop(resources);
        // Whatever happens next, a removed actuator does not keep moving.
        if let Some(slot) = ApiKind::of(&name.api)
            .filter(|k| k.info().actuator)
            .and_then(|k| self.machine.lookup(k, &name.name))
            && let Err(e) =
                crate::grpc::motion::stop(&slot, crate::core::values::map_to_nodes(&Default::default())).await
        {
            tracing::warn!(resource = %name, "stopping a removed actuator: {}", e.message());
        }
        tracing::info!(resource = %name, "removed by viam-server; closes in {PARKED_FOR:?} unless added back");
        let shared = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(PARKED_FOR).await;
            shared.close_parked().await;
        });
        Ok(())
    }

    /// Closes the removed resources that were not added back in time.
    async fn close_parked(&self) {
        let mut resources = self.resources.lock().await;
        let now = Instant::now();
        let expired: Vec<ResourceName> = resources
            .iter()
            .filter(|(_, r)| r.parked_until.is_some_and(|t| t <= now))
            .map(|(n, _)| n.clone())
            .collect();
        if expired.is_empty() {
            return;
        }
        let previous = resources.clone();
        resources.retain(|n, _| !expired.contains(n));
        if let Err(e) = self.install(&resources).await {
            tracing::error!(?expired, "closing removed resources: {}", e.message());
            *resources = previous;
        }
    }

    async fn connect(&self, address: &str) -> Result<(), Status> {
        let not_yet = |e: String| Status::unavailable(format!("viam-server at {address} is not answering yet: {e}"));
        let parent = Parent::connect(address, READY_BUDGET)
            .await
            .map_err(|e| not_yet(e.to_string()))?;
        parent
            .resource_names(READY_BUDGET)
            .await
            .map_err(|s| not_yet(format!("ResourceNames: {}", s.message())))?;
        self.parent.set(parent);
        self.connected.send_replace(true);
        tracing::info!(parent = %address, "connected to viam-server");
        Ok(())
    }
}

#[tonic::async_trait]
impl ModuleService for ModuleApi {
    async fn ready(&self, request: Request<pb::ReadyRequest>) -> Result<Response<pb::ReadyResponse>, Status> {
        let r = request.into_inner();
        let address = if r.raw_parent_address.is_empty() {
            r.parent_address
        } else {
            r.raw_parent_address
        };
        if self.0.no_parent {
            tracing::info!("VIAM_NO_MODULE_PARENT is set: not connecting to viam-server");
        } else if address.is_empty() {
            return Err(Status::invalid_argument("Ready names no parent address"));
        } else {
            self.0.connect(&address).await?;
        }
        let handlermap = handler_map(&self.0.machine.info());
        let models: usize = handlermap.handlers.iter().map(|h| h.models.len()).sum();
        tracing::info!(apis = handlermap.handlers.len(), models, "ready");
        Ok(Response::new(pb::ReadyResponse {
            ready: true,
            handlermap: Some(handlermap),
            // No WebRTC: viam-server talks to the module over its socket.
            webrtc_answer: String::new(),
        }))
    }

    async fn validate_config(
        &self,
        request: Request<pb::ValidateConfigRequest>,
    ) -> Result<Response<pb::ValidateConfigResponse>, Status> {
        let (kind, entry) = entries::entry(&config_of(request.into_inner().config)?)?;
        let rc = entries::parse(kind, &entry)?;
        self.0.provided(&rc)?;
        let deps = self
            .0
            .machine
            .validate_resource(&rc)
            .await
            .map_err(|e| invalid(&rc.name, &e))?;
        Ok(Response::new(pb::ValidateConfigResponse {
            dependencies: deps.required,
            optional_dependencies: deps.optional,
        }))
    }

    async fn add_resource(
        &self,
        request: Request<pb::AddResourceRequest>,
    ) -> Result<Response<pb::AddResourceResponse>, Status> {
        let r = request.into_inner();
        self.0.put(r.config, r.dependencies, Change::Add).await?;
        Ok(Response::new(pb::AddResourceResponse {}))
    }

    async fn reconfigure_resource(
        &self,
        request: Request<pb::ReconfigureResourceRequest>,
    ) -> Result<Response<pb::ReconfigureResourceResponse>, Status> {
        let r = request.into_inner();
        self.0.put(r.config, r.dependencies, Change::Reconfigure).await?;
        Ok(Response::new(pb::ReconfigureResourceResponse {}))
    }

    async fn remove_resource(
        &self,
        request: Request<pb::RemoveResourceRequest>,
    ) -> Result<Response<pb::RemoveResourceResponse>, Status> {
        self.0.remove(&request.into_inner().name).await?;
        Ok(Response::new(pb::RemoveResourceResponse {}))
    }
}
