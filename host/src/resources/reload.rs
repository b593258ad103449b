//! What makes the machine re-read its config: the config file or a module
//! file changing on disk (debounced, so an editor's save-and-rename or a
//! slow copy is one change), SIGHUP, and `armature reload` (which sends
//! SIGHUP to the pid in the pid file).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_mini::notify::event::{AccessKind, AccessMode};
use notify_debouncer_mini::notify::{self, Event, EventHandler, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use notify_debouncer_mini::{Config, DebounceEventResult, new_debouncer_opt};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::config::MachineConfig;
use crate::resources::machine::Machine;

/// Quiet time before a burst of file events counts as one change.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Why a reload happens, for the log.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    FileChanged,
    Signal,
}

/// Re-reads the config and applies it; a config with problems is refused as
/// a whole and the machine keeps running as it was.
pub async fn reload(machine: &Machine, path: &Path, trigger: Trigger) {
    tracing::info!(config = %path.display(), ?trigger, "reloading");
    let edit = machine.edit_config().await;
    match MachineConfig::load(path) {
        Ok(config) => {
            if machine.apply(config).await.is_ok() {
                tracing::info!("config applied");
            }
        }
        Err(e) => {
            tracing::error!("config change refused; the machine keeps running as it was:\n{e}");
            machine.refuse(e.to_string());
        }
    }
    drop(edit);
    if matches!(trigger, Trigger::Signal) {
        // `armature reload` also means "look at the registries now"; after
        // the apply, so that the check works on the config just applied.
        machine.check_sources_now();
    }
}

/// Watches the config file (unless another source writes it: a fleet) and
/// the modules folder, and applies every change. The returned guard stops
/// watching when dropped.
pub fn watch(
    machine: Arc<Machine>,
    config: PathBuf,
    watch_config: bool,
    modules_dir: PathBuf,
    mut signals: mpsc::UnboundedReceiver<Trigger>,
) -> anyhow::Result<impl Drop> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let config_name = config.file_name().filter(|_| watch_config).map(|n| n.to_os_string());
    let modules = modules_dir.clone();
    let handler = move |events: DebounceEventResult| {
        let Ok(events) = events else { return };
        let relevant = events.iter().any(|e| {
            (config_name.is_some()
                && e.path.file_name().map(|n| n.to_os_string()) == config_name
                && e.path.parent().is_some())
                || (e.path.starts_with(&modules) && e.path.extension().is_some_and(|x| x == "wasm"))
        });
        if relevant {
            let _ = tx.send(Trigger::FileChanged);
        }
    };
    let mut debouncer = new_debouncer_opt::<_, ChangesOnly>(Config::default().with_timeout(DEBOUNCE), handler)?;
    let config_dir = config
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if watch_config {
        debouncer.watcher().watch(&config_dir, RecursiveMode::NonRecursive)?;
    }
    if modules_dir.is_dir() {
        debouncer.watcher().watch(&modules_dir, RecursiveMode::NonRecursive)?;
    }
    tokio::spawn(async move {
        loop {
            let trigger = tokio::select! {
                Some(t) = rx.recv() => t,
                Some(t) = signals.recv() => t,
                else => return,
            };
            // Coalesce whatever else arrived meanwhile.
            while rx.try_recv().is_ok() {}
            reload(&machine, &config, trigger).await;
        }
    });
    Ok(debouncer)
}

/// The platform watcher, passing on changes only. inotify also reports a
/// file being opened or read, and a reload opens the config and every
/// module: those events would trigger the next reload, and so on, once per
/// DEBOUNCE for good (seen: a host re-reading and re-hashing its modules
/// every 300 ms after the first change). A close after writing is a change.
struct ChangesOnly(RecommendedWatcher);

fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

impl Watcher for ChangesOnly {
    fn new<F: EventHandler>(mut handler: F, config: notify::Config) -> notify::Result<Self> {
        let filter = move |event: notify::Result<Event>| {
            if event.as_ref().map_or(true, |e| is_change(&e.kind)) {
                handler.handle_event(event);
            }
        };
        RecommendedWatcher::new(filter, config).map(Self)
    }

    fn watch(&mut self, path: &Path, recursive_mode: RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, recursive_mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn configure(&mut self, option: notify::Config) -> notify::Result<bool> {
        self.0.configure(option)
    }

    fn kind() -> notify::WatcherKind {
        RecommendedWatcher::kind()
    }
}

/// Where `armature run --config FILE` writes its pid, so that
/// `armature reload --config FILE` can find it.
pub fn pid_file(config: &Path) -> PathBuf {
    let canonical = config.canonicalize().unwrap_or_else(|_| config.to_path_buf());
    let key = hex::encode(&Sha256::digest(canonical.to_string_lossy().as_bytes())[..8]);
    let dir = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    dir.join(format!("armature-{key}.pid"))
}

/// Sends SIGHUP to the host running `config`.
pub fn signal_running(config: &Path) -> anyhow::Result<u32> {
    use anyhow::Context;
    let file = pid_file(config);
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("no running armature for {} (no {})", config.display(), file.display()))?;
    let pid: i32 = text
        .trim()
        .parse()
        .with_context(|| format!("{} does not hold a pid", file.display()))?;
    // SAFETY: kill(2) with a pid read from our own pid file and SIGHUP.
    if unsafe { libc::kill(pid, libc::SIGHUP) } != 0 {
        anyhow::bail!("signalling pid {pid}: {}", std::io::Error::last_os_error());
    }
    Ok(pid as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_a_watched_file_is_not_a_change_but_writing_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.wasm");
        std::fs::write(&file, b"v1").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut watcher = ChangesOnly::new(
            move |e: notify::Result<Event>| drop(tx.send(e)),
            notify::Config::default(),
        )
        .unwrap();
        watcher.watch(dir.path(), RecursiveMode::NonRecursive).unwrap();

        std::fs::read(&file).unwrap();
        let quiet = Duration::from_millis(200);
        assert!(rx.recv_timeout(quiet).is_err(), "a read was reported as a change");

        std::fs::write(&file, b"v2").unwrap();
        assert!(
            rx.recv_timeout(Duration::from_secs(5)).is_ok(),
            "a write was not reported"
        );
    }
}
