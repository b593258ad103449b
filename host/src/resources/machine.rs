//! The machine: every configured resource, its module, its dependencies and
//! its slot, kept alive by one supervisor task. The supervisor builds
//! resources in dependency order, rebuilds faulted ones with backoff, hands
//! optional dependencies over as they appear, and applies config changes by
//! touching only what changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{Notify, mpsc};

use crate::capabilities::grants::{Denials, GpioGrant, Grants};
use crate::capabilities::target::{CallTarget, DependencyHandle};
use crate::config::grants::HardwareGrant;
use crate::config::{Api, MachineConfig, ResourceConfig, ResourceName};
use crate::core::api::ApiKind;
use crate::core::bindings::{GuestConfig, ReconfigureOutcome};
use crate::core::values;
use crate::resources::graph;
use crate::resources::instance::Instance;
use crate::resources::native::{self, BuiltinModel, NativeInstance};
use crate::resources::slot::{FaultSender, ResourceSlot, State};
use crate::resources::sources::{ModuleSource, Source};
use crate::runtime::component::Runtime;
use crate::runtime::limits::Limits;
use crate::runtime::machine_memory::{MACHINE_MEMORY, default_budget};
use crate::runtime::module::LoadedModule;
use crate::runtime::sandbox::Sandbox;

mod load;
mod plan;

/// How often optional dependencies that were missing are looked for again.
pub const OPTIONAL_RETRY: Duration = Duration::from_secs(5);
/// The supervisor's heartbeat: backoffs and retries are checked this often.
const SUPERVISOR_PERIOD: Duration = Duration::from_millis(100);
/// First retry after a failure; doubles per failure up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A resource healthy for this long starts its backoff afresh after a fault.
const HEALTHY_RESET: Duration = Duration::from_secs(30);

fn backoff(failures: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << failures.saturating_sub(1).min(16))
        .min(MAX_BACKOFF)
}

/// One module in use, for status and `armature models`.
#[derive(Debug, Clone)]
pub struct ModuleInfo {
    pub name: String,
    pub path: PathBuf,
    pub version: String,
    pub models: Vec<(Api, String)>,
    /// The registry it came from, when it did.
    pub source: Option<Source>,
}

/// Machine-wide facts for GetMachineStatus.
#[derive(Debug, Clone)]
pub struct MachineInfo {
    pub revision: String,
    pub revision_since: SystemTime,
    /// Why the last config change was refused, if it was.
    pub config_error: Option<String>,
    pub modules: Vec<ModuleInfo>,
    /// Problems loading modules, one line each.
    pub module_errors: Vec<String>,
    pub running: bool,
}

/// What serves a model: a loaded module, or the host itself.
#[derive(Clone)]
enum Provider {
    Wasm(Arc<LoadedModule>),
    Builtin(&'static BuiltinModel),
}

impl Provider {
    /// Whether both are the same code (same module bytes, same built-in).
    fn same(a: Option<&Provider>, b: Option<&Provider>) -> bool {
        match (a, b) {
            (Some(Provider::Wasm(x)), Some(Provider::Wasm(y))) => x.digest == y.digest,
            (Some(Provider::Builtin(x)), Some(Provider::Builtin(y))) => std::ptr::eq(*x, *y),
            (None, None) => true,
            _ => false,
        }
    }

    fn label(&self) -> (String, String) {
        match self {
            Provider::Wasm(m) => (m.name.clone(), m.version()),
            Provider::Builtin(_) => (native::MODULE.into(), env!("CARGO_PKG_VERSION").into()),
        }
    }
}

/// A resource as the supervisor sees it.
struct Managed {
    config: ResourceConfig,
    kind: ApiKind,
    module: Option<Provider>,
    limits: Limits,
    data_dir: Option<crate::capabilities::data_dir::DataDir>,
    /// Hardware its attributes grant, as written.
    hardware: HardwareGrant,
    /// The granted board and camera, resolved (they are also required dependencies).
    board: Option<ResourceName>,
    camera: Option<ResourceName>,
    denials: Arc<Denials>,
    required: Vec<ResourceName>,
    optional: Vec<ResourceName>,
    /// Names written as dependencies that match no configured resource.
    unresolved: Vec<String>,
    unresolved_optional: Vec<String>,
    /// A config-level problem: the resource is not built until the config changes.
    problem: Option<String>,
    slot: Arc<ResourceSlot>,
    failures: u32,
    next_attempt: Instant,
    built_at: Option<Instant>,
    ever_built: bool,
    /// Optional dependencies handed over at the last construct or reconfigure.
    optional_present: BTreeSet<ResourceName>,
    next_optional_check: Instant,
    /// Set by a config change: reconfigure in place, or rebuild.
    pending: Option<Pending>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Reconfigure,
    Rebuild,
}

impl Managed {
    fn label(&self) -> String {
        format!("resource {:?} ({})", self.config.name, self.config.api)
    }
}

struct Inner {
    config: MachineConfig,
    modules: Vec<Arc<LoadedModule>>,
    resources: BTreeMap<ResourceName, Managed>,
    order: Vec<ResourceName>,
}

/// Where modules come from: `--modules`, else the config's `modules_dir`,
/// else `modules/` beside the config.
pub fn modules_dir(config: &MachineConfig, flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| config.modules_dir.clone())
        .unwrap_or_else(|| config.base_dir().join("modules"))
}

type Table = HashMap<ApiKind, HashMap<String, Arc<ResourceSlot>>>;

/// Resources outside the machine that its resources may depend on (in module
/// mode: those viam-server serves), by full name.
pub type External = BTreeMap<ResourceName, Arc<dyn CallTarget>>;

pub struct Machine {
    runtime: Arc<Runtime>,
    modules_flag: Option<PathBuf>,
    /// Where granted data folders live.
    state_dir: PathBuf,
    /// Read on every call: API, then short name, with no allocation.
    table: RwLock<Table>,
    inner: tokio::sync::Mutex<Inner>,
    info: RwLock<MachineInfo>,
    wake: Notify,
    faults: FaultSender,
    external: RwLock<External>,
    /// The config in force, for what follows it (capture).
    applied: tokio::sync::watch::Sender<Arc<MachineConfig>>,
    /// Held from reading the config file to applying it (a reload) or to
    /// writing it back (an edit): see [`Machine::edit_config`].
    config_edits: tokio::sync::Mutex<()>,
    /// Where modules the config names by reference come from (a registry,
    /// the inline store).
    sources: Vec<Arc<dyn ModuleSource>>,
    /// The models the host serves itself.
    builtins: &'static [BuiltinModel],
    /// What the server holds outside the resource graph (keys, the
    /// listener), checked and applied with every config.
    settings: RwLock<Option<Arc<dyn HostSettings>>>,
}

/// What planning a config found wrong, one line each.
pub type Problems = Vec<String>;

/// Settings of a config that the layers above the machine hold (the API
/// keys, the address and TLS of the listener, the panel): a config they
/// cannot put in force is refused as a whole, like one with a bad resource,
/// so that "config applied" is never said of a config that is not.
pub trait HostSettings: Send + Sync {
    /// Why `next` cannot be put in force, one line each; empty if it can.
    fn check(&self, next: &MachineConfig) -> Problems;
    /// Puts `next` in force; called once the machine has applied it.
    fn apply(&self, next: &MachineConfig);
}

impl Machine {
    /// Loads modules and plans the machine; resources are built by the
    /// supervisor, which this starts. Problems do not stop the start: the
    /// rest of the machine comes up.
    pub async fn start(
        runtime: Arc<Runtime>,
        config: MachineConfig,
        modules_flag: Option<PathBuf>,
        state_dir: PathBuf,
        sources: Vec<Arc<dyn ModuleSource>>,
        builtins: &'static [BuiltinModel],
    ) -> Arc<Self> {
        let (faults, fault_rx) = mpsc::unbounded_channel();
        MACHINE_MEMORY.set_limit(config.machine_memory_bytes().unwrap_or_else(default_budget));
        let machine = Arc::new(Self {
            runtime,
            modules_flag,
            state_dir,
            table: RwLock::new(HashMap::new()),
            inner: tokio::sync::Mutex::new(Inner {
                config: config.clone(),
                modules: Vec::new(),
                resources: BTreeMap::new(),
                order: Vec::new(),
            }),
            info: RwLock::new(MachineInfo {
                revision: config.revision.clone(),
                revision_since: SystemTime::now(),
                config_error: None,
                modules: Vec::new(),
                module_errors: Vec::new(),
                running: false,
            }),
            wake: Notify::new(),
            config_edits: tokio::sync::Mutex::new(()),
            faults,
            external: RwLock::default(),
            applied: tokio::sync::watch::Sender::new(Arc::new(config.clone())),
            sources,
            builtins,
            settings: RwLock::default(),
        });
        {
            let mut inner = machine.inner.lock().await;
            let (modules, module_errors) = machine.load_modules(&config, &[]).await;
            for e in &module_errors {
                tracing::error!("{e}");
            }
            let planned = machine.plan(&config, &modules, None).await;
            for (name, m) in &planned.resources {
                if let Some(p) = &m.problem {
                    tracing::error!(resource = %name, "{p}");
                    m.slot.set_state(State::Unhealthy, Some(p.clone()));
                }
            }
            machine.install_plan(&mut inner, config, modules, module_errors, planned);
            machine.reconcile(&mut inner).await;
            machine.applied.send_replace(Arc::new(inner.config.clone()));
            machine.write_info(|i| i.running = true);
        }
        tokio::spawn(Self::supervise(Arc::downgrade(&machine), fault_rx));
        machine
    }

    /// Lists every problem of a config without building anything: bad
    /// modules, unknown models, failed validation, missing dependencies, cycles.
    pub async fn check(
        runtime: Arc<Runtime>,
        config: &MachineConfig,
        modules_flag: Option<PathBuf>,
        sources: Vec<Arc<dyn ModuleSource>>,
        builtins: &'static [BuiltinModel],
    ) -> Problems {
        let (faults, _rx) = mpsc::unbounded_channel();
        let machine = Self {
            runtime,
            modules_flag,
            state_dir: std::env::temp_dir(),
            table: RwLock::new(HashMap::new()),
            inner: tokio::sync::Mutex::new(Inner {
                config: config.clone(),
                modules: Vec::new(),
                resources: BTreeMap::new(),
                order: Vec::new(),
            }),
            info: RwLock::new(MachineInfo {
                revision: config.revision.clone(),
                revision_since: SystemTime::now(),
                config_error: None,
                modules: Vec::new(),
                module_errors: Vec::new(),
                running: false,
            }),
            wake: Notify::new(),
            config_edits: tokio::sync::Mutex::new(()),
            faults,
            external: RwLock::default(),
            applied: tokio::sync::watch::Sender::new(Arc::new(config.clone())),
            sources,
            builtins,
            settings: RwLock::default(),
        };
        let (modules, mut problems) = machine.load_modules(config, &[]).await;
        let planned = machine.plan(config, &modules, None).await;
        for m in planned.resources.values() {
            problems.extend(m.problem.clone());
            for name in &m.unresolved {
                problems.push(format!(
                    "{}: {}: depends on {name:?}, which is not in the config",
                    config.file.display(),
                    m.label()
                ));
            }
        }
        problems
    }

    fn write_info(&self, f: impl FnOnce(&mut MachineInfo)) {
        f(&mut self.info.write().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn info(&self) -> MachineInfo {
        let mut info = self.info.read().unwrap_or_else(|e| e.into_inner()).clone();
        // Fresh each time: a registry check fails or recovers between applies.
        for m in &mut info.modules {
            m.source = self.sources.iter().find_map(|s| s.source_of(&m.name, &m.path));
        }
        info
    }

    /// The runtime modules load into (an inline deploy compiles ahead).
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// The built-in model serving `model` of `api`, if there is one.
    fn builtin(&self, api: &str, model: &str) -> Option<&'static BuiltinModel> {
        self.builtins.iter().find(|m| m.api == api && m.model == model)
    }

    /// Asks every module source to look for newer versions now
    /// (`armature reload`).
    pub fn check_sources_now(&self) {
        for source in &self.sources {
            source.check_now();
        }
    }

    /// The config in force.
    pub fn applied_config(&self) -> Arc<MachineConfig> {
        self.applied.borrow().clone()
    }

    /// Applies the config in force again, so that modules whose bytes
    /// changed (a registry module that moved) are swapped; refused as a
    /// whole, like any apply, if the new bytes do not load or build.
    pub async fn refresh_modules(&self) -> Result<(), Problems> {
        // The config read under the lock: one read before it could be a
        // config that a reload replaced meanwhile, and would undo that reload.
        let mut inner = self.inner.lock().await;
        let config = inner.config.clone();
        self.apply_locked(&mut inner, config).await
    }

    /// The config in force, now and after every change applied.
    pub fn applied_configs(&self) -> tokio::sync::watch::Receiver<Arc<MachineConfig>> {
        self.applied.subscribe()
    }

    /// The slot serving the resource `name` of API `kind`, if configured.
    pub fn lookup(&self, kind: ApiKind, name: &str) -> Option<Arc<ResourceSlot>> {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        table.get(&kind).and_then(|by_name| by_name.get(name)).cloned()
    }

    fn slot_of(&self, name: &ResourceName) -> Option<Arc<ResourceSlot>> {
        ApiKind::of(&name.api).and_then(|kind| self.lookup(kind, &name.name))
    }

    /// Every configured resource's slot, sorted by name.
    pub fn slots(&self) -> Vec<Arc<ResourceSlot>> {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<_> = table.values().flat_map(|m| m.values().cloned()).collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    fn module_limits(config: &MachineConfig, module: Option<&LoadedModule>) -> crate::config::LimitOverrides {
        module
            .and_then(|m| config.modules.iter().find(|e| e.name == m.name))
            .map(|e| e.limits.clone())
            .unwrap_or_default()
    }

    async fn supervise(machine: std::sync::Weak<Machine>, mut faults: mpsc::UnboundedReceiver<ResourceName>) {
        loop {
            let Some(m) = machine.upgrade() else { return };
            let mut inner = m.inner.lock().await;
            while let Ok(name) = faults.try_recv() {
                if let Some(r) = inner.resources.get_mut(&name) {
                    let long_healthy = r.built_at.is_some_and(|t| t.elapsed() >= HEALTHY_RESET);
                    r.failures = if long_healthy { 1 } else { r.failures + 1 };
                    r.next_attempt = Instant::now() + backoff(r.failures);
                    r.built_at = None;
                }
            }
            m.reconcile(&mut inner).await;
            drop(inner);
            // Wake early when asked; hold no strong reference while asleep.
            let woken = async {
                m.wake.notified().await;
            };
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(SUPERVISOR_PERIOD) => {}
            }
            drop(m);
        }
    }

    /// Whether a dependency can be called: a ready slot, or a resource
    /// outside the machine (whose owner said it exists).
    fn slot_ready(&self, name: &ResourceName) -> bool {
        match self.slot_of(name) {
            Some(slot) => slot.is_ready(),
            None => self.external_read().contains_key(name),
        }
    }

    fn handles(&self, names: impl IntoIterator<Item = ResourceName>) -> Vec<DependencyHandle> {
        names
            .into_iter()
            .filter_map(|n| match self.slot_of(&n) {
                Some(slot) => Some(DependencyHandle(slot)),
                None => self
                    .external_read()
                    .get(&n)
                    .map(|remote| DependencyHandle(remote.clone())),
            })
            .collect()
    }

    fn external_read(&self) -> std::sync::RwLockReadGuard<'_, External> {
        self.external.read().unwrap_or_else(|e| e.into_inner())
    }

    fn external_names(&self) -> Vec<ResourceName> {
        self.external_read().keys().cloned().collect()
    }

    /// Replaces the resources outside the machine that configs may depend
    /// on; the next `apply` resolves names against them. Returns the old set.
    pub fn set_external(&self, external: External) -> External {
        std::mem::replace(&mut self.external.write().unwrap_or_else(|e| e.into_inner()), external)
    }

    /// One pass over the machine in dependency order.
    async fn reconcile(&self, inner: &mut Inner) {
        let now = Instant::now();
        for name in inner.order.clone() {
            let Some(m) = inner.resources.get_mut(&name) else {
                continue;
            };
            if m.problem.is_some() {
                continue;
            }
            let built = m.built_at.is_some();
            if built {
                if let Some(pending) = m.pending.take() {
                    self.change(m, pending).await;
                } else if now >= m.next_optional_check {
                    m.next_optional_check = now + OPTIONAL_RETRY;
                    let present: BTreeSet<ResourceName> =
                        m.optional.iter().filter(|d| self.slot_ready(d)).cloned().collect();
                    if present != m.optional_present {
                        tracing::info!(resource = %name, "optional dependencies changed; reconfiguring");
                        self.change(m, Pending::Reconfigure).await;
                    }
                }
                continue;
            }
            m.pending = None;
            if now < m.next_attempt {
                continue;
            }
            let missing: Vec<String> = m
                .unresolved
                .iter()
                .cloned()
                .chain(
                    m.required
                        .iter()
                        .filter(|d| !self.slot_ready(d))
                        .map(|d| d.name.clone()),
                )
                .collect();
            if !missing.is_empty() {
                let state = if m.slot.status().state == State::Unhealthy {
                    State::Unhealthy
                } else {
                    State::Configuring
                };
                m.slot
                    .set_state(state, Some(format!("waiting for dependencies: {}", missing.join(", "))));
                continue;
            }
            self.build(m).await;
        }
    }

    fn guest_config(config: &ResourceConfig) -> GuestConfig {
        GuestConfig {
            name: config.name.clone(),
            api: config.api.to_string(),
            model: config.model.to_string(),
            attributes: values::map_to_nodes(&config.attributes),
        }
    }

    fn dependencies(&self, m: &Managed) -> (Vec<DependencyHandle>, BTreeSet<ResourceName>) {
        let present: BTreeSet<ResourceName> = m.optional.iter().filter(|d| self.slot_ready(d)).cloned().collect();
        (
            self.handles(m.required.iter().cloned().chain(present.iter().cloned())),
            present,
        )
    }

    /// What the resource's sandbox may touch, with its board and camera
    /// resolved to their slots.
    fn grants(&self, m: &Managed) -> Grants {
        Grants {
            data_dir: m.data_dir.clone(),
            gpio: m.board.as_ref().and_then(|b| self.slot_of(b)).map(|board| GpioGrant {
                board,
                pins: m.hardware.pins.clone(),
            }),
            serial: m.hardware.serial.clone(),
            camera: m
                .camera
                .as_ref()
                .and_then(|c| self.slot_of(c))
                .map(|s| s as Arc<dyn CallTarget>),
            denials: m.denials.clone(),
        }
    }

    /// Constructs the resource in a new sandbox, beside the old one if there
    /// is one (it keeps serving meanwhile), then swaps it in under the
    /// slot's lock: calls arriving during the swap wait for it, and if the
    /// new one fails, the old one stays in service.
    async fn build(&self, m: &mut Managed) {
        let Some(provider) = m.module.clone() else { return };
        let label = m.slot.name.to_string();
        let config = Self::guest_config(&m.config);
        let (deps, present) = self.dependencies(m);
        let grants = self.grants(m);
        if let Provider::Builtin(model) = &provider
            && model.exclusive
            && let Some(old) = m.slot.with_instance(async |slot| slot.take()).await
        {
            // The new instance would open the same device beside the old
            // one and get EBUSY: release it first. Calls meanwhile fail
            // UNAVAILABLE, and a new instance that fails is retried with
            // backoff, like a device that is missing.
            tracing::info!(resource = %m.slot.name, "closing the old instance first: it holds its device exclusively");
            old.close().await;
        }
        let serving = m.slot.has_instance().await;
        if !serving && m.slot.status().state != State::Unhealthy {
            m.slot.set_state(State::Configuring, None);
        }
        let started = Instant::now();
        let fresh = async {
            match &provider {
                Provider::Wasm(module) => {
                    let mut sandbox = Sandbox::start(module, &label, m.limits.clone(), &grants)
                        .await
                        .map_err(|f| format!("start {f}"))?;
                    sandbox.report_memory_to(m.slot.memory_gauge());
                    match sandbox.construct(&config, deps).await {
                        Ok(Ok(())) => Ok(Instance::Wasm(sandbox)),
                        Ok(Err(e)) => Err(format!("construct failed: {e}")),
                        Err(f) => Err(format!("construct {f}")),
                    }
                }
                // Opening a device may block.
                Provider::Builtin(model) => {
                    let (model, rc) = (*model, m.config.clone());
                    tokio::task::spawn_blocking(move || NativeInstance::build(model, &rc))
                        .await
                        .map_err(|e| format!("construct did not finish: {e}"))?
                        .map(Instance::Native)
                        .map_err(|e| format!("construct failed: {e}"))
                }
            }
        }
        .await;
        let (module_name, version) = provider.label();
        match fresh {
            Ok(sandbox) => {
                let old = m.slot.with_instance(async |slot| slot.replace(sandbox)).await;
                if let Some(old) = old {
                    old.close().await;
                }
                m.slot.mark_ready(m.ever_built);
                tracing::info!(resource = %m.slot.name, module = %module_name, version = %version,
                    took_us = started.elapsed().as_micros() as u64, "resource ready");
                m.ever_built = true;
                m.built_at = Some(Instant::now());
                m.optional_present = present;
            }
            Err(e) if serving => {
                tracing::error!(resource = %m.slot.name, module = %module_name, version = %version,
                    "{e}; the running version stays in service");
                m.slot.set_state(
                    State::Ready,
                    Some(format!("update to {module_name}@{version} refused: {e}")),
                );
            }
            Err(e) => {
                m.failures += 1;
                m.next_attempt = Instant::now() + backoff(m.failures);
                tracing::error!(resource = %m.slot.name, retry_in_ms = backoff(m.failures).as_millis() as u64, "{e}");
                m.slot.set_state(State::Unhealthy, Some(e));
            }
        }
    }

    /// Applies a changed config or dependency set to a built resource: in
    /// place when the guest can, else by rebuilding.
    async fn change(&self, m: &mut Managed, pending: Pending) {
        if pending == Pending::Reconfigure {
            let config = Self::guest_config(&m.config);
            let (deps, present) = self.dependencies(m);
            let outcome = m
                .slot
                .with_instance(async |slot| {
                    let sandbox = match slot.as_mut() {
                        Some(Instance::Wasm(sandbox)) => sandbox,
                        // Built-in models reopen their device with the new config.
                        Some(Instance::Native(_)) => return Ok(ReconfigureOutcome::Rebuild),
                        None => return Err("not built".to_string()),
                    };
                    match sandbox.reconfigure(&config, deps).await {
                        Ok(Ok(outcome)) => Ok(outcome),
                        Ok(Err(e)) => Err(format!("reconfigure failed: {e}")),
                        Err(f) => {
                            *slot = None;
                            Err(format!("reconfigure {f}"))
                        }
                    }
                })
                .await;
            match outcome {
                Ok(ReconfigureOutcome::Applied) => {
                    tracing::info!(resource = %m.slot.name, "reconfigured in place");
                    // Healthy again, whatever an earlier refused change said.
                    m.slot.set_state(State::Ready, None);
                    m.optional_present = present;
                    return;
                }
                Ok(ReconfigureOutcome::Rebuild) => tracing::info!(resource = %m.slot.name, "guest asked for a rebuild"),
                Err(e) => tracing::warn!(resource = %m.slot.name, "{e}; rebuilding"),
            }
        }
        self.build(m).await;
    }

    /// Applies a new config: validated in full first; refused as a whole if
    /// anything is wrong, leaving the machine as it was.
    /// One config file edit or reload at a time. An edit (a resource added
    /// in the panel, an inline module listed) applies, then writes the file;
    /// a reload reads the file, then applies. Without this a reload could
    /// read the file between an edit's apply and its write, and undo the
    /// edit until the next reload.
    pub async fn edit_config(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.config_edits.lock().await
    }

    pub async fn apply(&self, config: MachineConfig) -> Result<(), Problems> {
        let mut inner = self.inner.lock().await;
        self.apply_locked(&mut inner, config).await
    }

    async fn apply_locked(&self, inner: &mut Inner, config: MachineConfig) -> Result<(), Problems> {
        let settings = self.settings.read().unwrap_or_else(|e| e.into_inner()).clone();
        let mut problems: Problems = settings.as_ref().map(|s| s.check(&config)).unwrap_or_default();
        let (modules, module_errors) = self.load_modules(&config, &inner.modules).await;
        let mut planned = self.plan(&config, &modules, Some(inner)).await;
        problems.extend(module_errors.iter().cloned());
        problems.extend(planned.resources.values().filter_map(|m| m.problem.clone()));
        if !problems.is_empty() {
            let text = problems.join("\n");
            tracing::error!("config change refused; the machine keeps running as it was:\n{text}");
            self.write_info(|i| i.config_error = Some(text));
            return Err(problems);
        }

        // Removed resources close first, dependents before their dependencies.
        let removed: Vec<ResourceName> = inner
            .order
            .iter()
            .rev()
            .filter(|n| !planned.resources.contains_key(*n))
            .cloned()
            .collect();
        for name in removed {
            if let Some(old) = inner.resources.remove(&name) {
                tracing::info!(resource = %name, "removing");
                old.slot.close().await;
            }
        }
        for (name, new) in planned.resources.iter_mut() {
            let Some(old) = inner.resources.remove(name) else {
                tracing::info!(resource = %name, "adding");
                continue;
            };
            let same_module = Provider::same(old.module.as_ref(), new.module.as_ref());
            let same_deps = old.required == new.required && old.optional == new.optional;
            // Carry the running state over; what changed decides what happens.
            new.failures = old.failures;
            new.next_attempt = old.next_attempt;
            new.built_at = old.built_at;
            new.ever_built = old.ever_built;
            new.optional_present = old.optional_present;
            if old.built_at.is_none() {
                continue;
            }
            if !same_module || old.config.model != new.config.model {
                new.pending = Some(Pending::Rebuild);
            } else if !old.config.same_resource(&new.config) || !same_deps {
                new.pending = Some(Pending::Reconfigure);
            }
            if let Some(p) = new.pending {
                tracing::info!(resource = %name, change = ?p, "config changed");
            }
        }
        for m in inner.resources.values() {
            m.slot.close().await;
        }
        if let Some(settings) = &settings {
            settings.apply(&config);
        }
        self.install_plan(inner, config, modules, module_errors, planned);
        self.reconcile(inner).await;
        self.applied.send_replace(Arc::new(inner.config.clone()));
        Ok(())
    }

    /// Hands the machine the server's settings: from now on every config
    /// is checked against them before it is applied.
    pub fn set_host_settings(&self, settings: Arc<dyn HostSettings>) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Some(settings);
    }

    /// Records a config change refused before it reached `apply` (e.g. a
    /// syntax error), for GetMachineStatus.
    pub fn refuse(&self, why: String) {
        self.write_info(|i| i.config_error = Some(why));
    }

    /// The modules folder in force.
    pub async fn modules_dir(&self) -> PathBuf {
        modules_dir(&self.inner.lock().await.config, self.modules_flag.as_deref())
    }

    /// Closes every resource, dependents first.
    pub async fn shutdown(&self) {
        let mut inner = self.inner.lock().await;
        for name in inner.order.clone().iter().rev() {
            if let Some(m) = inner.resources.get(name) {
                tracing::info!(resource = %name, "closing");
                m.slot.close().await;
            }
        }
        for m in inner.resources.values() {
            m.slot.close().await;
        }
        inner.resources.clear();
        self.table.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
