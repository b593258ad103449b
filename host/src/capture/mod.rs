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
pub mod methods;
pub mod query;
pub mod sync;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::capture::collector::{Collector, FileCloser, Spec};
use crate::capture::config::{DataManagerConfig, SyncTarget};
use crate::capture::sync::Syncer;
use crate::config::MachineConfig;
use crate::resources::api::ApiKind;
use crate::resources::machine::Machine;

/// The capture engine of the process (one machine per process).
pub struct Capture {
    me: Weak<Capture>,
    state_dir: PathBuf,
    machine: Weak<Machine>,
    inner: tokio::sync::Mutex<Inner>,
    /// The capture folder in force, for queries.
    dir: RwLock<Option<PathBuf>>,
    /// Live collectors, for Sync and status (the same ones `inner` owns).
    live: Mutex<Vec<Arc<LiveView>>>,
    /// The syncer's target, counts and trigger, for status and Sync.
    sync_view: Mutex<Option<SyncView>>,
    /// Files the disk-full policy deleted since start.
    deleted_for_space: Arc<std::sync::atomic::AtomicU64>,
}

/// What status and Sync see of the syncer.
type SyncView = (SyncTarget, Arc<sync::SyncStats>, Arc<tokio::sync::Notify>);

#[derive(Default)]
struct Inner {
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

/// What status and Sync see of a collector.
struct LiveView {
    key: String,
    spec: Spec,
    stats: Arc<collector::Stats>,
    closer: FileCloser,
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
            inner: tokio::sync::Mutex::new(Inner::default()),
            dir: RwLock::new(None),
            live: Mutex::new(Vec::new()),
            sync_view: Mutex::new(None),
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

    /// Brings the collectors in line with `config`.
    async fn apply(&self, config: &MachineConfig) {
        let mut inner = self.inner.lock().await;
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
        if manager.is_none() && !inner.warned_no_manager && config.resources.iter().any(|r| !r.capture.is_empty()) {
            inner.warned_no_manager = true;
            tracing::warn!(
                "resources list capture methods, but the config has no data manager service ({}): nothing is captured",
                config::API
            );
        }
        let stale: Vec<String> = inner
            .collectors
            .iter()
            .filter(|(k, c)| wanted.get(*k) != Some(&c.spec))
            .map(|(k, _)| k.clone())
            .collect();
        for key in stale {
            if let Some(c) = inner.collectors.remove(&key) {
                tracing::info!(resource = %c.spec.resource, method = c.spec.method, "capture stopped");
                c.stop().await;
            }
        }
        let dir = manager.as_ref().map(|m| m.dir(&self.state_dir));
        if let Some(dir) = &dir
            && !inner.recovered.contains(dir)
        {
            inner.recovered.push(dir.clone());
            recover(dir.clone()).await;
        }
        *self.dir.write().unwrap_or_else(|e| e.into_inner()) = dir.clone();
        for (key, spec) in wanted {
            if inner.collectors.contains_key(&key) {
                continue;
            }
            tracing::info!(resource = %spec.resource, method = spec.method, period = ?spec.period, dir = %spec.dir.display(), "capturing");
            if let Some(c) = Collector::start(spec, self.machine.clone()) {
                inner.collectors.insert(key, c);
            }
        }
        let plan = manager.as_ref().zip(dir.as_ref()).and_then(|(m, dir)| {
            Some(SyncPlan {
                dir: dir.clone(),
                target: m.sync_target.clone()?,
                interval: m.sync_interval(),
                scheduled: !m.sync_disabled,
            })
        });
        if inner.syncer.as_ref().map(|(p, _)| p) != plan.as_ref() {
            if let Some((_, old)) = inner.syncer.take() {
                old.stop().await;
            }
            if let Some(plan) = plan {
                tracing::info!(server = %plan.target.url, stream = %plan.target.stream, every = ?plan.interval, scheduled = plan.scheduled, "syncing captured data");
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
                inner.syncer = Some((plan, syncer));
            }
        }
        // The disk-full policy runs while capture is on, as in Viam.
        let disk_plan = manager
            .as_ref()
            .filter(|m| !m.capture_disabled)
            .zip(dir.as_ref())
            .map(|(m, dir)| (dir.clone(), m.disk_policy()));
        if inner.disk.as_ref().map(|(p, _)| p) != disk_plan.as_ref() {
            if let Some((_, task)) = inner.disk.take() {
                task.abort();
            }
            if let Some(plan) = disk_plan {
                let task = tokio::spawn(watch_disk(plan.0.clone(), plan.1, self.deleted_for_space.clone()));
                inner.disk = Some((plan, task));
            }
        }
        *self.sync_view.lock().unwrap_or_else(|e| e.into_inner()) = inner
            .syncer
            .as_ref()
            .map(|(p, s)| (p.target.clone(), s.stats.clone(), s.trigger()));
        *self.live.lock().unwrap_or_else(|e| e.into_inner()) = inner
            .collectors
            .iter()
            .map(|(k, c)| {
                Arc::new(LiveView {
                    key: k.clone(),
                    spec: c.spec.clone(),
                    stats: c.stats.clone(),
                    closer: c.closer(),
                })
            })
            .collect();
    }

    /// The capture folder in force, if a data manager is configured.
    pub fn dir(&self) -> Option<PathBuf> {
        self.dir.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Closes every file being written, so that all captured data is in
    /// `.capture` files (what Viam's sync does before it uploads).
    pub fn close_files(&self) {
        for c in self.live.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            c.closer.close();
        }
    }

    /// Closes the files being written and, with a sync target, syncs them
    /// now (the Sync RPC; also when scheduled sync is disabled).
    pub fn sync_now(&self) {
        self.close_files();
        if let Some((_, _, trigger)) = &*self.sync_view.lock().unwrap_or_else(|e| e.into_inner()) {
            trigger.notify_one();
        }
    }

    /// Every collector's counts.
    pub fn status(&self) -> Json {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let collectors: Vec<Json> = live
            .iter()
            .map(|c| {
                json!({
                    "resource": c.spec.resource.name,
                    "api": c.spec.resource.api.to_string(),
                    "method": c.spec.method,
                    "frequency_hz": 1.0 / c.spec.period.as_secs_f64(),
                    "dir": c.spec.dir.display().to_string(),
                    "captured": c.stats.captured.load(Ordering::Relaxed),
                    "errors": c.stats.errors.load(Ordering::Relaxed),
                    "failing": c.stats.failing.load(Ordering::Relaxed),
                    "key": c.key,
                })
            })
            .collect();
        let sync = self
            .sync_view
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(target, stats, _)| {
                json!({
                    "nats": target.url,
                    "stream": target.stream,
                    "published": stats.published.load(Ordering::Relaxed),
                    "duplicates": stats.duplicates.load(Ordering::Relaxed),
                    "files": stats.files.load(Ordering::Relaxed),
                    "last_error": stats.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone(),
                })
            });
        json!({
            "capture_dir": self.dir().map(|d| d.display().to_string()),
            "collectors": collectors,
            "sync": sync,
            "deleted_for_space": self.deleted_for_space.load(Ordering::Relaxed),
        })
    }

    /// Stops every collector, closing its file.
    pub async fn shutdown(&self) {
        let mut inner = self.inner.lock().await;
        for (_, c) in std::mem::take(&mut inner.collectors) {
            c.stop().await;
        }
        self.live.lock().unwrap_or_else(|e| e.into_inner()).clear();
        if let Some((_, task)) = inner.disk.take() {
            task.abort();
        }
        // What is not synced yet stays on disk for the next start.
        if let Some((_, s)) = inner.syncer.take() {
            s.stop().await;
        }
        self.sync_view.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// The collectors `config` asks for, keyed by resource, method and params.
fn specs(config: &MachineConfig, manager: &DataManagerConfig, state_dir: &Path) -> BTreeMap<String, Spec> {
    let dir = manager.dir(state_dir);
    let mut out = BTreeMap::new();
    for rc in &config.resources {
        let Some(kind) = ApiKind::of(&rc.api) else { continue };
        for m in rc.capture.iter().filter(|m| !m.disabled) {
            let Some(row) = methods::find(kind, &m.method) else {
                continue;
            };
            let name = rc.resource_name();
            let key = format!("{name}/{}/{}", row.name, Json::Object(m.params.clone()));
            let folder = dir
                .join(name.api.to_string().replace(':', "_"))
                .join(&name.name)
                .join(row.name);
            out.insert(
                key,
                Spec {
                    resource: name,
                    kind,
                    method: row.name,
                    params: m.params.clone(),
                    period: Duration::from_secs_f64(1.0 / m.frequency_hz),
                    dir: folder,
                    tags: manager.tags.clone(),
                    max_file_bytes: manager.maximum_capture_file_size_bytes,
                },
            );
        }
    }
    out
}

/// Applies the disk-full policy to `dir` every [`disk::CHECK_EVERY`].
async fn watch_disk(dir: PathBuf, policy: disk::Policy, deleted: Arc<std::sync::atomic::AtomicU64>) {
    let mut spared_logged = false;
    loop {
        tokio::time::sleep(disk::CHECK_EVERY).await;
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
            Err(e) => tracing::warn!(file = %path.display(), "recovering a capture file: {e}"),
        }
    }
    tracing::debug!(dir = %shown, "capture folder checked for leftovers");
}
