//! Log lines to the parent, as Viam modules send them: one
//! `RobotService/Log` call per line, at the level viam-server asked for
//! (`--log-level`). Until Ready has connected to the parent, lines go to
//! stderr (which viam-server also captures); after, Armature's own lines
//! (guest lines included) go to the parent only, and stderr keeps the rest
//! (libraries) and any line the parent could not take.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::core::proto::viam::common::v1::LogEntry;
use crate::module_protocol::parent::ParentLink;
use crate::observability::event_fields::EventFields;

/// Lines waiting for the parent; more are dropped (and counted).
const QUEUE: usize = 1024;
const LOG_TIMEOUT: Duration = Duration::from_secs(1);

/// The tracing filter for `--log-level` (viam-server's levels: debug, info,
/// warn, error; Python spellings accepted). `ARMATURE_LOG`, if set, wins.
pub fn filter(log_level: Option<&str>) -> EnvFilter {
    if let Ok(custom) = std::env::var("ARMATURE_LOG")
        && let Ok(f) = EnvFilter::try_new(custom)
    {
        return f;
    }
    let level = level(log_level).unwrap_or_else(|other| {
        eprintln!("armature: unknown --log-level {other:?}; logging at info");
        "info"
    });
    // Libraries (hyper, h2, tonic) only from warn: their debug lines would
    // flood the parent's log and describe our own log calls.
    EnvFilter::new(format!("warn,armature={level}"))
}

/// A viam-server level as a tracing level; the unknown one back as the error.
fn level(log_level: Option<&str>) -> Result<&'static str, String> {
    Ok(match log_level.map(str::to_ascii_lowercase).as_deref() {
        None | Some("" | "info") => "info",
        Some("debug") => "debug",
        Some("trace") => "trace",
        Some("warn" | "warning") => "warn",
        Some("error" | "critical" | "fatal") => "error",
        Some(other) => return Err(other.to_string()),
    })
}

/// Whether an event is Armature's own (the host's or a guest's).
fn ours(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("armature")
}

/// One line on its way to the parent.
struct Line {
    level: &'static str,
    time: SystemTime,
    /// The resource a line is about, if any.
    resource: Option<String>,
    message: String,
}

/// The switch between stderr and the parent, and the parent's queue.
pub struct Forwarder {
    forwarding: AtomicBool,
    queue: Mutex<Option<mpsc::Sender<Line>>>,
    dropped: Arc<AtomicU64>,
    /// Lines queued or on their way, for `flush`.
    pending: Arc<AtomicUsize>,
    /// VIAM_MODULE_NAME: the logger name lines carry.
    logger: String,
}

/// Installs the global subscriber for module mode.
pub fn init(filter: EnvFilter, module_name: String) -> Arc<Forwarder> {
    let forwarder = Arc::new(Forwarder {
        forwarding: AtomicBool::new(false),
        queue: Mutex::new(None),
        dropped: Arc::default(),
        pending: Arc::default(),
        logger: module_name,
    });
    let f = forwarder.clone();
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_filter(filter_fn(move |meta| {
            !(ours(meta) && f.forwarding.load(Ordering::Relaxed))
        }));
    tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(ToParent(forwarder.clone()))
        .init();
    forwarder
}

impl Forwarder {
    /// Starts shipping lines to the parent (once; a later parent is picked
    /// up through the link).
    pub fn start(&self, parent: Arc<ParentLink>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        {
            // Not held while spawning: a line logged meanwhile takes this lock.
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if queue.is_some() {
                return;
            }
            *queue = Some(tx);
        }
        tokio::spawn(ship(
            rx,
            parent,
            self.logger.clone(),
            self.dropped.clone(),
            self.pending.clone(),
        ));
        self.forwarding.store(true, Ordering::Relaxed);
    }

    /// Waits (up to `budget`) for queued lines to reach the parent.
    pub async fn flush(&self, budget: Duration) {
        let deadline = tokio::time::Instant::now() + budget;
        while self.pending.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn push(&self, line: Line) {
        let queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let Some(tx) = queue.as_ref() else { return };
        self.pending.fetch_add(1, Ordering::SeqCst);
        if tx.try_send(line).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

struct ToParent(Arc<Forwarder>);

impl<S: Subscriber> Layer<S> for ToParent {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if !self.0.forwarding.load(Ordering::Relaxed) || !ours(meta) {
            return;
        }
        let fields = EventFields::of(event);
        self.0.push(Line {
            level: viam_level(*meta.level()),
            time: SystemTime::now(),
            resource: fields.resource,
            message: fields.message,
        });
    }
}

/// viam-server parses debug, info, warn and error.
fn viam_level(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG | Level::TRACE => "debug",
    }
}

async fn ship(
    mut rx: mpsc::Receiver<Line>,
    parent: Arc<ParentLink>,
    logger: String,
    dropped: Arc<AtomicU64>,
    pending: Arc<AtomicUsize>,
) {
    let host = hostname();
    while let Some(mut line) = rx.recv().await {
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            line.message = format!("({lost} earlier log lines dropped: too many at once) {}", line.message);
        }
        let logger_name = match &line.resource {
            Some(r) => format!("{logger}.{r}"),
            None => logger.clone(),
        };
        let entry = LogEntry {
            host: host.clone(),
            level: line.level.to_string(),
            time: Some(line.time.into()),
            logger_name,
            message: line.message,
            caller: None,
            stack: String::new(),
            fields: Vec::new(),
        };
        let sent = match parent.get() {
            Some(p) => p
                .log(entry.clone(), LOG_TIMEOUT)
                .await
                .map_err(|s| s.message().to_string()),
            None => Err("not connected".into()),
        };
        // Not through tracing: that would come back here.
        if let Err(e) = sent {
            eprintln!(
                "{} {} {}: {} (viam-server did not take this line: {e})",
                entry.level.to_uppercase(),
                entry.logger_name,
                line.time
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64(),
                entry.message
            );
        }
        pending.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The machine's name, for the entries' `host` (empty if unknown).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_viam_levels() {
        assert_eq!(viam_level(Level::TRACE), "debug");
        assert_eq!(viam_level(Level::WARN), "warn");
        assert_eq!(level(Some("WARNING")), Ok("warn"));
        assert_eq!(level(Some("debug")), Ok("debug"));
        assert_eq!(level(None), Ok("info"));
        assert_eq!(level(Some("loud")), Err("loud".to_string()));
    }
}
