//! What each machine puts in `armature-status` (`machine.NAME`), and how
//! the CLI judges it: online, on which revision, which module versions,
//! and whether the resources of a module are healthy.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use async_nats::jetstream::kv;
use serde::{Deserialize, Serialize};

use super::connect::FleetError;
use crate::fleet::keys::{STATUS_BUCKET, machine_key};
use crate::resources::machine::Machine;
use crate::resources::slot::State as SlotState;

/// How often a machine reports.
pub const INTERVAL: Duration = Duration::from_secs(2);
/// A report older than this means the machine is offline.
pub const OFFLINE_AFTER: Duration = Duration::from_secs(10);

/// The fleet config a machine applied: its key's revision and each
/// fragment's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    pub revision: u64,
    #[serde(default)]
    pub fragments: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MachineReport {
    pub machine: String,
    pub host_version: String,
    pub applied: Applied,
    /// The revision of `machine.NAME` refused last (0: the key is missing)
    /// and why; None when the newest config is in force.
    pub refused: Option<(u64, String)>,
    /// Why the last config change was refused, as GetMachineStatus says it.
    pub config_error: Option<String>,
    pub modules: Vec<ModuleReport>,
    pub module_errors: Vec<String>,
    pub resources: Vec<ResourceReport>,
    pub uptime_s: u64,
    /// Unix milliseconds, by the machine's clock.
    pub reported_at_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModuleReport {
    pub name: String,
    pub version: String,
    /// For registry modules: `host/repository:tag`, the manifest digest,
    /// and why it is not current (if it is not).
    pub reference: Option<String>,
    pub digest: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceReport {
    pub name: String,
    pub api: String,
    /// configuring, ready, unhealthy, removing.
    pub state: String,
    pub error: Option<String>,
    /// The module and version serving it.
    pub module: Option<String>,
    pub version: Option<String>,
    pub restarts: u32,
}

pub fn build(
    machine: &Machine,
    name: &str,
    applied: &Applied,
    refused: Option<&(u64, String)>,
    started: Instant,
) -> MachineReport {
    let info = machine.info();
    let modules = info
        .modules
        .iter()
        .map(|m| ModuleReport {
            name: m.name.clone(),
            version: m.version.clone(),
            reference: m.source.as_ref().map(|s| s.reference.clone()),
            digest: m.source.as_ref().map(|s| s.digest.clone()),
            error: m.source.as_ref().and_then(|s| s.error.clone()),
        })
        .collect();
    let resources = machine
        .slots()
        .iter()
        .map(|slot| {
            let status = slot.status();
            let (module, version) = status.module.clone().unzip();
            ResourceReport {
                name: slot.name.name.clone(),
                api: slot.name.api.to_string(),
                state: match status.state {
                    SlotState::Configuring => "configuring",
                    SlotState::Ready => "ready",
                    SlotState::Unhealthy => "unhealthy",
                    SlotState::Removing => "removing",
                }
                .into(),
                error: status.error,
                module,
                version,
                restarts: status.restarts,
            }
        })
        .collect();
    MachineReport {
        machine: name.into(),
        host_version: env!("CARGO_PKG_VERSION").into(),
        applied: applied.clone(),
        refused: refused.cloned(),
        config_error: info.config_error,
        modules,
        module_errors: info.module_errors,
        resources,
        uptime_s: started.elapsed().as_secs(),
        reported_at_ms: (unix_nanos() / 1_000_000) as u64,
    }
}

pub async fn put(store: &kv::Store, name: &str, report: &MachineReport) -> Result<(), FleetError> {
    let key = machine_key(name);
    let bytes = serde_json::to_vec(report).map_err(|e| FleetError::key(STATUS_BUCKET, &key, e))?;
    store
        .put(&key, bytes.into())
        .await
        .map(drop)
        .map_err(|e| FleetError::key(STATUS_BUCKET, &key, e))
}

fn unix_nanos() -> i128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// A report as read back, with its age: now less the server's stamp.
pub struct Seen {
    pub report: MachineReport,
    pub age: Duration,
}

impl Seen {
    pub fn online(&self) -> bool {
        self.age < OFFLINE_AFTER
    }
}

/// Every machine's report, by name; unreadable entries are skipped with a
/// warning.
pub async fn read_all(store: &kv::Store) -> Result<BTreeMap<String, Seen>, FleetError> {
    use futures::TryStreamExt;
    let keys: Vec<String> = store
        .keys()
        .await
        .map_err(|e| FleetError::key(STATUS_BUCKET, "machine.*", e))?
        .try_collect()
        .await
        .map_err(|e| FleetError::key(STATUS_BUCKET, "machine.*", e))?;
    let mut out = BTreeMap::new();
    for key in keys {
        let Some(name) = key.strip_prefix("machine.") else {
            continue;
        };
        if let Some(seen) = read(store, name).await? {
            out.insert(name.to_string(), seen);
        }
    }
    Ok(out)
}

pub async fn read(store: &kv::Store, name: &str) -> Result<Option<Seen>, FleetError> {
    let key = machine_key(name);
    let Some(entry) = store
        .entry(&key)
        .await
        .map_err(|e| FleetError::key(STATUS_BUCKET, &key, e))?
    else {
        return Ok(None);
    };
    match serde_json::from_slice::<MachineReport>(&entry.value) {
        Ok(report) => {
            // The CLI's clock against the server's stamp: machines whose
            // clocks are off by more than OFFLINE_AFTER look offline.
            let nanos = u64::try_from(unix_nanos() - entry.created.unix_timestamp_nanos()).unwrap_or(0);
            let age = Duration::from_nanos(nanos);
            Ok(Some(Seen { report, age }))
        }
        Err(e) => {
            tracing::warn!("{STATUS_BUCKET} {key}: not a report ({e}); skipped");
            Ok(None)
        }
    }
}

/// How a machine stands with a module version it was pinned to.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// Not there yet: the config not applied, the version not loaded.
    Pending(String),
    Healthy,
    Unhealthy(String),
}

impl MachineReport {
    /// Whether `module` serves `version` with every resource of it healthy,
    /// once config revision `since` (or later) is applied.
    pub fn health(&self, module: &str, version: &str, since: u64) -> Health {
        if let Some((revision, why)) = &self.refused
            && *revision >= since
        {
            return Health::Unhealthy(format!("config refused: {why}"));
        }
        if self.applied.revision < since {
            return Health::Pending(format!("on config revision {}, not yet {since}", self.applied.revision));
        }
        // Load errors name the module as `module "NAME"`.
        let named = format!("module {module:?}");
        if let Some(e) = self.module_errors.iter().find(|e| e.contains(&named)) {
            return Health::Unhealthy(e.clone());
        }
        match self.modules.iter().find(|m| m.name == module) {
            None => return Health::Pending(format!("module {module} not loaded")),
            Some(m) if m.version != version => {
                return Health::Pending(format!("module {module} is at {}", m.version));
            }
            Some(_) => {}
        }
        let mut pending = None;
        for r in self.resources.iter().filter(|r| r.module.as_deref() == Some(module)) {
            let error = r.error.as_deref();
            match r.state.as_str() {
                // Being built, or waiting for its dependencies: not a verdict yet.
                "configuring" | "removing" => {
                    pending = Some(format!("resource {} is {}", r.name, r.state));
                }
                // A running resource with an error: its new version was refused.
                "ready" if error.is_some() => {
                    return Health::Unhealthy(format!("resource {}: {}", r.name, error.unwrap_or_default()));
                }
                "ready" if r.version.as_deref() == Some(version) => {}
                "ready" => {
                    pending = Some(format!(
                        "resource {} is on {}",
                        r.name,
                        r.version.as_deref().unwrap_or("-")
                    ));
                }
                _ => {
                    return Health::Unhealthy(format!(
                        "resource {} is {}: {}",
                        r.name,
                        r.state,
                        error.unwrap_or("no reason given")
                    ));
                }
            }
        }
        pending.map_or(Health::Healthy, Health::Pending)
    }

    /// The resources of a module and their restarts, to see new faults.
    pub fn restarts(&self, module: &str) -> u32 {
        self.resources
            .iter()
            .filter(|r| r.module.as_deref() == Some(module))
            .map(|r| r.restarts)
            .sum()
    }
}
