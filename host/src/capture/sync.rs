//! Sync: closed capture files published to a NATS JetStream stream, the
//! engine a fleet already runs (no server of our own). Every record is one
//! message on `armature.data.<api>.<name>.<method>`, whose body is a
//! one-record capture file (the file's `DataCaptureMetadata`, then the
//! `SensorData`, both uvarint-delimited: the same reader reads both), with a
//! `Nats-Msg-Id` naming the record, so JetStream drops a retry it already
//! stored. A file is deleted only once every record is acknowledged; the
//! count acknowledged is kept beside it (`<file>.synced`), so a restart
//! resumes where it stopped instead of leaning on the server's duplicate
//! window. While the server is away, sync backs off.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, context::PublishAckFuture};
use prost::Message;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::capture::config::SyncTarget;
use crate::capture::file::{self, CAPTURE, FAILED};

/// Subjects of captured records: `armature.data.<api>.<name>.<method>`.
pub const SUBJECT_PREFIX: &str = "armature.data";

/// Publishes awaiting their acknowledgement at once: enough to keep a
/// local server busy, bounded so that a file's records are not all in
/// memory as futures.
const WINDOW: usize = 256;

/// How often the acknowledged count is written beside the file.
const PROGRESS_EVERY: usize = 1024;

const BACKOFF_FIRST: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Counts, for status.
#[derive(Debug, Default)]
pub struct SyncStats {
    pub published: AtomicU64,
    pub duplicates: AtomicU64,
    pub files: AtomicU64,
    pub last_error: Mutex<Option<String>>,
}

pub struct Syncer {
    pub target: SyncTarget,
    pub stats: Arc<SyncStats>,
    now: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Syncer {
    /// Syncs `dir` every `interval` (and whenever [`Syncer::now`] asks);
    /// `scheduled: false` syncs only when asked (`sync_disabled`).
    /// `close_files` closes the files being written first, as Viam's sync does.
    pub fn start(
        dir: PathBuf,
        target: SyncTarget,
        interval: Duration,
        scheduled: bool,
        close_files: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        let stats = Arc::new(SyncStats::default());
        let now = Arc::new(Notify::new());
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(
            dir,
            target.clone(),
            interval,
            scheduled,
            close_files,
            stats.clone(),
            now.clone(),
            stopped,
        ));
        Self {
            target,
            stats,
            now,
            stop,
            task,
        }
    }

    /// Asks for a pass at once (the Sync RPC).
    pub fn now(&self) {
        self.now.notify_one();
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

#[allow(clippy::too_many_arguments)]
async fn run(
    dir: PathBuf,
    target: SyncTarget,
    interval: Duration,
    scheduled: bool,
    close_files: Arc<dyn Fn() + Send + Sync>,
    stats: Arc<SyncStats>,
    now: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut js: Option<jetstream::Context> = None;
    let mut backoff = Backoff::default();
    let mut failing = false;
    let mut wait = if scheduled { interval } else { Duration::MAX };
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = now.notified() => {}
            _ = sleep(wait) => {}
        }
        close_files();
        let outcome = async {
            let context = match &js {
                Some(c) => c.clone(),
                None => {
                    let c = connect(&target).await?;
                    js = Some(c.clone());
                    c
                }
            };
            pass(&context, &dir, &target, &stats, &stopped).await
        }
        .await;
        match outcome {
            Ok(()) => {
                if failing {
                    tracing::info!(stream = %target.stream, "sync recovered");
                }
                failing = false;
                backoff = Backoff::default();
                *stats.last_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
                wait = if scheduled { interval } else { Duration::MAX };
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(stream = %target.stream, server = %crate::core::redact::urls_in(&target.url), "sync failing (logged once until it recovers; retrying with backoff): {e}");
                }
                failing = true;
                *stats.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
                wait = backoff.next_wait();
            }
        }
    }
}

/// Waits between failed passes: [`BACKOFF_FIRST`], doubling, at most
/// [`BACKOFF_MAX`]; a pass that works starts it over.
struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Self(BACKOFF_FIRST)
    }
}

impl Backoff {
    fn next_wait(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
        wait
    }
}

async fn sleep(d: Duration) {
    if d == Duration::MAX {
        std::future::pending::<()>().await
    } else {
        tokio::time::sleep(d).await
    }
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("connecting to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("stream {stream:?} on {url}: {reason} (create it, with subjects \"{SUBJECT_PREFIX}.>\")")]
    Stream {
        stream: String,
        url: String,
        reason: String,
    },
    #[error("publishing {file}: {reason}")]
    Publish { file: PathBuf, reason: String },
    #[error("{0}")]
    Io(String),
    #[error("stopped")]
    Stopped,
}

async fn connect(target: &SyncTarget) -> Result<jetstream::Context, SyncError> {
    // The URL may carry a user and password: errors show it masked.
    let failed = |reason: String| SyncError::Connect {
        url: crate::core::redact::urls_in(&target.url).into_owned(),
        reason: crate::core::redact::urls_in(&reason).into_owned(),
    };
    let mut options = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(5))
        .name("armature");
    if let Some(creds) = &target.creds_file {
        options = options
            .credentials_file(creds)
            .await
            .map_err(|e| failed(format!("reading the credentials file {}: {e}", creds.display())))?;
    }
    let client = options
        .connect(target.url.as_str())
        .await
        .map_err(|e| failed(e.to_string()))?;
    Ok(jetstream::new(client))
}

/// Publishes every closed capture file under `dir`, oldest first.
async fn pass(
    js: &jetstream::Context,
    dir: &Path,
    target: &SyncTarget,
    stats: &SyncStats,
    stopped: &watch::Receiver<bool>,
) -> Result<(), SyncError> {
    js.get_stream(&target.stream).await.map_err(|e| SyncError::Stream {
        stream: target.stream.clone(),
        url: crate::core::redact::urls_in(&target.url).into_owned(),
        reason: crate::core::redact::urls_in(&e.to_string()).into_owned(),
    })?;
    let root = dir.to_path_buf();
    let files = tokio::task::spawn_blocking(move || closed_files(&root))
        .await
        .map_err(|e| SyncError::Io(e.to_string()))?;
    for path in files {
        if *stopped.borrow() {
            return Err(SyncError::Stopped);
        }
        sync_file(js, dir, &path, stats).await?;
        stats.files.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Every `.capture` under `dir` but `failed/`, oldest first (names are
/// creation times).
fn closed_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = file::files_under(dir, &[CAPTURE]);
    out.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    out
}

fn progress_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".synced");
    path.with_file_name(name)
}

fn read_progress(path: &Path) -> usize {
    std::fs::read_to_string(progress_path(path))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn write_progress(path: &Path, acked: usize) {
    let target = progress_path(path);
    let tmp = target.with_extension("synced.tmp");
    if let Err(e) = std::fs::write(&tmp, acked.to_string()).and_then(|()| std::fs::rename(&tmp, &target)) {
        tracing::warn!(file = %target.display(), "noting sync progress: {e}");
    }
}

/// A NATS subject token for `s`: `.`, `*`, `>` and spaces would split or
/// widen the subject.
fn token(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '.' || c == '*' || c == '>' || c.is_whitespace() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

async fn sync_file(js: &jetstream::Context, root: &Path, path: &Path, stats: &SyncStats) -> Result<(), SyncError> {
    let owned = path.to_path_buf();
    let contents = tokio::task::spawn_blocking(move || file::read(&owned))
        .await
        .map_err(|e| SyncError::Io(e.to_string()))?;
    let contents = match contents {
        Ok(c) => c,
        Err(file::ReadError::NoMetadata { .. }) => {
            // Never syncable: set aside, as Viam does with `failed/`.
            let to = root.join(FAILED).join(path.strip_prefix(root).unwrap_or(path));
            if let Some(parent) = to.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            tracing::warn!(file = %path.display(), moved_to = %to.display(), "a capture file without a readable start is not synced");
            return std::fs::rename(path, &to).map_err(|e| SyncError::Io(format!("moving {}: {e}", path.display())));
        }
        Err(e) => return Err(SyncError::Io(e.to_string())),
    };
    let meta = &contents.metadata;
    let head = meta.encode_length_delimited_to_vec();
    let subject = format!(
        "{SUBJECT_PREFIX}.{}.{}.{}",
        token(&meta.component_type.replace(':', "_")),
        token(&meta.component_name),
        token(&meta.method_name)
    );
    let stem = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    let id_prefix = format!(
        "{}/{}/{}/{stem}",
        meta.component_type, meta.component_name, meta.method_name
    );
    let failed = |reason: String| SyncError::Publish {
        file: path.to_path_buf(),
        reason,
    };
    let already = read_progress(path).min(contents.records.len());
    let mut pending: VecDeque<PublishAckFuture> = VecDeque::with_capacity(WINDOW);
    let mut acked = already;
    let mut noted = already;
    let settle = |ack: Result<jetstream::publish::PublishAck, _>, acked: &mut usize| match ack {
        Ok(a) => {
            *acked += 1;
            let counter = if a.duplicate {
                &stats.duplicates
            } else {
                &stats.published
            };
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(failed(format!("no acknowledgement: {e}"))),
    };
    let outcome: Result<(), SyncError> = async {
        for (i, record) in contents.records.iter().enumerate().skip(already) {
            let mut body = head.clone();
            body.extend_from_slice(&record.encode_length_delimited_to_vec());
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Msg-Id", format!("{id_prefix}/{i}").as_str());
            let ack = js
                .publish_with_headers(subject.clone(), headers, body.into())
                .await
                .map_err(|e| failed(e.to_string()))?;
            pending.push_back(ack);
            if pending.len() >= WINDOW
                && let Some(next) = pending.pop_front()
            {
                settle(next.await, &mut acked)?;
                if acked - noted >= PROGRESS_EVERY {
                    write_progress(path, acked);
                    noted = acked;
                }
            }
        }
        while let Some(next) = pending.pop_front() {
            settle(next.await, &mut acked)?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        // Acks arrive in order: what was acknowledged is a prefix.
        if acked > noted {
            write_progress(path, acked);
        }
        return Err(e);
    }
    match std::fs::remove_file(path) {
        // The disk-full policy may have deleted it meanwhile.
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(SyncError::Io(format!("deleting synced {}: {e}", path.display())));
        }
        _ => {}
    }
    let _ = std::fs::remove_file(progress_path(path));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_200_ms_up_to_30_s() {
        let mut b = Backoff::default();
        let waits: Vec<u128> = (0..10).map(|_| b.next_wait().as_millis()).collect();
        assert_eq!(waits, [200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    }
}
