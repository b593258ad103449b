//! Data capture, as Viam's data manager does it: with a
//! `rdk:service:data_manager` service configured, every resource's
//! `service_configs` capture methods are sampled by the host (not by
//! guests) and written in Viam's `.capture` format under the capture
//! folder. The engine follows the machine's applied config: a change
//! starts, stops or restarts exactly the collectors it touches.

pub mod collector;
pub mod config;
pub mod disk;
pub mod export;
pub mod file;
pub mod query;
pub mod row;
pub mod sync;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::capture::collector::{Collector, Spec};
use crate::capture::config::{DataManagerConfig, SyncTarget};
use crate::capture::sync::Syncer;
use crate::config::MachineConfig;
use crate::core::api::ApiKind;
use crate::resources::machine::Machine;

/// The capture engine of the process (one machine per process).
pub struct Capture {
    me: Weak<Capture>,
    state_dir: PathBuf,
    machine: Weak<Machine>,
    /// One apply (or the shutdown) at a time: they await collectors and
    /// the syncer stopping, outside the state's lock.
    applying: tokio::sync::Mutex<()>,
    /// What runs now; status, Sync and queries read it.
    state: Mutex<State>,
    /// Files the disk-full policy deleted since start.
    deleted_for_space: Arc<AtomicU64>,
}

#[derive(Default)]
struct State {
    /// The capture folder in force.
    dir: Option<PathBuf>,
    /// Folders whose leftover `.prog` files were recovered.
    recovered: Vec<PathBuf>,
    collectors: BTreeMap<String, Collector>,
    warned_no_manager: bool,
    /// Sync to JetStream, with what it was started from.
    syncer: Option<(SyncPlan, Syncer)>,
    /// The disk-full check, with the folder and policy it runs with.
    disk: Option<((PathBuf, disk::Policy), tokio::task::JoinHandle<()>)>,
}

/// What a syncer runs with; a change restarts it.
#[derive(Debug, Clone, PartialEq)]
struct SyncPlan {
    dir: PathBuf,
    target: SyncTarget,
    interval: Duration,
    scheduled: bool,
}

static CURRENT: RwLock<Weak<Capture>> = RwLock::new(Weak::new());

/// The running engine, for the data manager resource's DoCommand and Sync.
pub fn current() -> Option<Arc<Capture>> {
    CURRENT.read().unwrap_or_else(|e| e.into_inner()).upgrade()
}

impl Capture {
    /// Applies `machine`'s config (so that capture runs before the host
    /// serves), then follows every change applied to it.
    pub async fn start(machine: &Arc<Machine>, state_dir: PathBuf) -> Arc<Self> {
        let this = Arc::new_cyclic(|me| Self {
            me: me.clone(),
            state_dir,
            machine: Arc::downgrade(machine),
            applying: tokio::sync::Mutex::new(()),
            state: Mutex::new(State::default()),
            deleted_for_space: Arc::default(),
        });
        *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(&this);
        let mut configs = machine.applied_configs();
        let first = configs.borrow_and_update().clone();
        this.apply(&first).await;
        let weak = Arc::downgrade(&this);
        tokio::spawn(async move {
            while configs.changed().await.is_ok() {
                let config = configs.borrow_and_update().clone();
                match weak.upgrade() {
                    Some(this) => this.apply(&config).await,
                    None => return,
                }
            }
        });
        this
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Brings the collectors, the syncer and the disk check in line with
    /// `config`.
    async fn apply(&self, config: &MachineConfig) {
        let _one_at_a_time = self.applying.lock().await;
        let manager = match DataManagerConfig::of(config) {
            Some(Ok(m)) => Some(m),
            Some(Err(e)) => {
                // The parser checked it already; kept safe all the same.
                tracing::error!("data manager: {e}");
                None
            }
            None => None,
        };
        let wanted = match &manager {
            Some(m) if !m.capture_disabled => specs(config, m, &self.state_dir),
            _ => BTreeMap::new(),
        };
        let dir = manager.as_ref().map(|m| m.dir(&self.state_dir));
        let sync_plan = manager.as_ref().zip(dir.as_ref()).and_then(|(m, dir)| {
            Some(SyncPlan {
                dir: dir.clone(),
                target: m.sync_target.clone()?,
                interval: m.sync_interval(),
                scheduled: !m.sync_disabled,
            })
        });
        // The disk-full policy runs while capture is on, as in Viam.
        let disk_plan = manager
            .as_ref()
            .filter(|m| !m.capture_disabled)
            .zip(dir.as_ref())
            .map(|(m, dir)| (dir.clone(), m.disk_policy()));

        // Take out what no longer fits, and stop it outside the lock.
        let (stale, old_syncer, recover_dir) = {
            let mut state = self.state();
            if manager.is_none() && !state.warned_no_manager && config.resources.iter().any(|r| !r.capture.is_empty()) {
                state.warned_no_manager = true;
                tracing::warn!(
                    "resources list capture methods, but the config has no data manager service ({}): nothing is captured",
                    config::API
                );
            }
            let stale_keys: Vec<String> = state
                .collectors
                .iter()
                .filter(|(k, c)| wanted.get(*k).map(|(spec, _)| spec) != Some(&c.spec))
                .map(|(k, _)| k.clone())
                .collect();
            let stale: Vec<Collector> = stale_keys.iter().filter_map(|k| state.collectors.remove(k)).collect();
            let old_syncer = if state.syncer.as_ref().map(|(p, _)| p) != sync_plan.as_ref() {
                state.syncer.take()
            } else {
                None
            };
            if state.disk.as_ref().map(|(p, _)| p) != disk_plan.as_ref()
                && let Some((_, task)) = state.disk.take()
            {
                task.abort();
            }
            let recover_dir = dir.clone().filter(|d| !state.recovered.contains(d));
            if let Some(d) = &recover_dir {
                state.recovered.push(d.clone());
            }
            state.dir = dir;
            (stale, old_syncer, recover_dir)
        };
        for c in stale {
            tracing::info!(resource = %c.spec.resource, method = c.spec.method, "capture stopped");
            c.stop().await;
        }
        if let Some((_, s)) = old_syncer {
            s.stop().await;
        }
        if let Some(d) = recover_dir {
            recover(d).await;
        }

        // Start what is new.
        let mut state = self.state();
        for (key, (spec, method)) in wanted {
            if state.collectors.contains_key(&key) {
                continue;
            }
            tracing::info!(resource = %spec.resource, method = spec.method, period = ?spec.period, dir = %spec.dir.display(), "capturing");
            state
                .collectors
                .insert(key, Collector::start(spec, method, self.machine.clone()));
        }
        if state.syncer.is_none()
            && let Some(plan) = sync_plan
        {
            tracing::info!(server = %crate::core::redact::urls_in(&plan.target.url), stream = %plan.target.stream, every = ?plan.interval, scheduled = plan.scheduled, "syncing captured data");
            let me = self.me.clone();
            let close_files = Arc::new(move || {
                if let Some(c) = me.upgrade() {
                    c.close_files();
                }
            });
            let syncer = Syncer::start(
                plan.dir.clone(),
                plan.target.clone(),
                plan.interval,
                plan.scheduled,
                close_files,
            );
            state.syncer = Some((plan, syncer));
        }
        if state.disk.is_none()
            && let Some(plan) = disk_plan
        {
            let task = tokio::spawn(watch_disk(plan.0.clone(), plan.1, self.deleted_for_space.clone()));
            state.disk = Some((plan, task));
        }
    }

    /// The capture folder in force, if a data manager is configured.
    pub fn dir(&self) -> Option<PathBuf> {
        self.state().dir.clone()
    }

    /// The folders of the collectors capturing `method` of the resource
    /// named `resource` (of any API): all a query may read. Paths are made
    /// only from the config, never from a request.
    pub fn collector_folders(&self, resource: &str, method: &str) -> Vec<PathBuf> {
        let mut folders: Vec<PathBuf> = self
            .state()
            .collectors
            .values()
            .filter(|c| c.spec.resource.name == resource && c.spec.method == method)
            .map(|c| c.spec.dir.clone())
            .collect();
        folders.sort();
        folders.dedup();
        folders
    }

    /// Closes every file being written, so that all captured data is in
    /// `.capture` files (what Viam's sync does before it uploads).
    pub fn close_files(&self) {
        for c in self.state().collectors.values() {
            c.close_file();
        }
    }

    /// Closes the files being written and, with a sync target, syncs them
    /// now (the Sync RPC; also when scheduled sync is disabled).
    pub fn sync_now(&self) {
        self.close_files();
        if let Some((_, syncer)) = &self.state().syncer {
            syncer.now();
        }
    }

    /// Every collector's counts, the syncer's and the disk check's.
    pub fn status(&self) -> Json {
        let state = self.state();
        let collectors: Vec<Json> = state
            .collectors
            .iter()
            .map(|(key, c)| {
                json!({
                    "resource": c.spec.resource.name,
                    "api": c.spec.resource.api.to_string(),
                    "method": c.spec.method,
                    "data": match c.method.kind {
                        crate::apis::capture::DataKind::Binary => "binary",
                        crate::apis::capture::DataKind::Tabular => "tabular",
                    },
                    "frequency_hz": 1.0 / c.spec.period.as_secs_f64(),
                    "dir": c.spec.dir.display().to_string(),
                    "captured": c.stats.captured.load(Ordering::Relaxed),
                    "errors": c.stats.errors.load(Ordering::Relaxed),
                    "failing": c.stats.failing.load(Ordering::Relaxed),
                    "key": key,
                })
            })
            .collect();
        let sync = state.syncer.as_ref().map(|(plan, syncer)| {
            json!({
                "nats": crate::core::redact::urls_in(&plan.target.url),
                "stream": plan.target.stream,
                "published": syncer.stats.published.load(Ordering::Relaxed),
                "duplicates": syncer.stats.duplicates.load(Ordering::Relaxed),
                "files": syncer.stats.files.load(Ordering::Relaxed),
                "last_error": syncer.stats.last_error.lock().unwrap_or_else(|e| e.into_inner()).as_deref().map(|e| crate::core::redact::urls_in(e).into_owned()),
            })
        });
        json!({
            "capture_dir": state.dir.as_ref().map(|d| d.display().to_string()),
            "collectors": collectors,
            "sync": sync,
            "deleted_for_space": self.deleted_for_space.load(Ordering::Relaxed),
        })
    }

    /// Stops every collector, closing its file; what is not synced yet
    /// stays on disk for the next start.
    pub async fn shutdown(&self) {
        let _one_at_a_time = self.applying.lock().await;
        let (collectors, syncer) = {
            let mut state = self.state();
            if let Some((_, task)) = state.disk.take() {
                task.abort();
            }
            (std::mem::take(&mut state.collectors), state.syncer.take())
        };
        for c in collectors.into_values() {
            c.stop().await;
        }
        if let Some((_, s)) = syncer {
            s.stop().await;
        }
    }
}

/// The collectors `config` asks for, keyed by resource, method and params.
fn specs(
    config: &MachineConfig,
    manager: &DataManagerConfig,
    state_dir: &Path,
) -> BTreeMap<String, (Spec, crate::apis::capturable::Capturable)> {
    let dir = manager.dir(state_dir);
    let mut out = BTreeMap::new();
    for rc in &config.resources {
        let Some(kind) = ApiKind::of(&rc.api) else { continue };
        for m in rc.capture.iter().filter(|m| !m.disabled) {
            let Some(row) = crate::apis::capturable::find(kind, &m.method) else {
                continue;
            };
            let name = rc.resource_name();
            let key = format!("{name}/{}/{}", row.name, Json::Object(m.params.clone()));
            let folder = dir
                .join(name.api.to_string().replace(':', "_"))
                .join(&name.name)
                .join(row.name);
            let spec = Spec {
                resource: name,
                kind,
                method: row.name,
                params: m.params.clone(),
                period: Duration::from_secs_f64(1.0 / m.frequency_hz),
                dir: folder,
                tags: manager.tags.clone(),
                max_file_bytes: manager.maximum_capture_file_size_bytes,
            };
            out.insert(key, (spec, row));
        }
    }
    out
}

/// Applies the disk-full policy to `dir` every [`disk::CHECK_EVERY`], and
/// at once (at most every [`disk::FULL_CHECK_GAP`]) when a write finds the
/// disk full.
async fn watch_disk(dir: PathBuf, policy: disk::Policy, deleted: Arc<AtomicU64>) {
    let mut spared_logged = false;
    let mut last = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(last + disk::CHECK_EVERY) => {}
            _ = disk::full_reported() => {
                tokio::time::sleep_until(last + disk::FULL_CHECK_GAP).await;
            }
        }
        last = tokio::time::Instant::now();
        let folder = dir.clone();
        let checked =
            tokio::task::spawn_blocking(move || disk::usage(&folder).map(|usage| disk::check(&folder, policy, usage)))
                .await;
        let checked = match checked {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                tracing::warn!(dir = %dir.display(), "checking the capture folder's disk: {e}");
                continue;
            }
            Err(_) => continue,
        };
        for path in &checked.deleted {
            tracing::warn!(file = %path.display(), "disk full: deleted a capture file (delete_every_nth_when_disk_full)");
        }
        deleted.fetch_add(checked.deleted.len() as u64, Ordering::Relaxed);
        for (path, e) in &checked.failed {
            tracing::warn!(file = %path.display(), "disk full: could not delete a capture file: {e}");
        }
        match &checked.spared {
            Some(why) if !spared_logged => {
                tracing::warn!(dir = %dir.display(), "{why}");
                spared_logged = true;
            }
            Some(_) => {}
            None => spared_logged = false,
        }
    }
}

/// Recovers the `.prog` files a killed host left in `dir`.
async fn recover(dir: PathBuf) {
    let shown = dir.display().to_string();
    let outcomes = tokio::task::spawn_blocking(move || file::recover(&dir)).await;
    for (path, outcome) in outcomes.unwrap_or_default() {
        match outcome {
            Ok(file::Recovered::Kept { records, torn }) => tracing::info!(
                file = %path.display(),
                records,
                torn_bytes = torn,
                "recovered a capture file left by an earlier run"
            ),
            Ok(file::Recovered::Failed(to)) => tracing::warn!(
                file = %path.display(),
                moved_to = %to.display(),
                "a capture file left by an earlier run has no readable start; moved aside"
            ),
            Ok(file::Recovered::Empty) => tracing::info!(
                file = %path.display(),
                "deleted an empty capture file left by an earlier run (killed before its first write)"
            ),
            Err(e) => tracing::warn!(file = %path.display(), "recovering a capture file: {e}"),
        }
    }
    tracing::debug!(dir = %shown, "capture folder checked for leftovers");
}
