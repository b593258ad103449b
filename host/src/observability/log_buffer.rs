//! The latest log lines, kept in memory for the panel's log view
//! (`/armature/logs`): a bounded ring, numbered so that a poller asks only
//! for what is new.

use std::collections::VecDeque;
use std::sync::{LazyLock, Mutex};
use std::time::SystemTime;

use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::observability::event_fields::EventFields;

/// Lines kept; older ones are dropped.
const CAPACITY: usize = 2000;
/// A line longer than this is cut (guest lines are already bounded).
const MAX_MESSAGE: usize = 4096;

#[derive(Debug, Clone, serde::Serialize)]
pub struct LogLine {
    /// Increases by one per line, from 1.
    pub seq: u64,
    #[serde(serialize_with = "rfc3339")]
    pub time: SystemTime,
    pub level: &'static str,
    /// The resource's name (without its API), when the line is about one.
    pub resource: Option<String>,
    pub message: String,
}

pub struct LogBuffer {
    inner: Mutex<Ring>,
}

#[derive(Default)]
struct Ring {
    lines: VecDeque<LogLine>,
    last_seq: u64,
}

/// The process's log lines.
pub static LOGS: LazyLock<LogBuffer> = LazyLock::new(LogBuffer::new);

impl LogBuffer {
    fn new() -> Self {
        Self {
            inner: Mutex::new(Ring::default()),
        }
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn push(&self, level: &'static str, resource: Option<String>, message: String) {
        let mut message = match super::escape::escape_controls(&message) {
            std::borrow::Cow::Borrowed(_) => message,
            std::borrow::Cow::Owned(escaped) => escaped,
        };
        if message.len() > MAX_MESSAGE {
            let mut cut = MAX_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        let mut ring = self.ring();
        ring.last_seq += 1;
        let seq = ring.last_seq;
        if ring.lines.len() == CAPACITY {
            ring.lines.pop_front();
        }
        ring.lines.push_back(LogLine {
            seq,
            time: SystemTime::now(),
            level,
            resource,
            message,
        });
    }

    /// Up to `max` lines numbered after `after`, oldest first, about
    /// `resource` if given; and the number of the last line so far.
    pub fn since(&self, after: u64, resource: Option<&str>, max: usize) -> (Vec<LogLine>, u64) {
        let ring = self.ring();
        let lines = ring
            .lines
            .iter()
            .filter(|l| l.seq > after)
            .filter(|l| resource.is_none_or(|r| l.resource.as_deref() == Some(r)))
            .take(max)
            .cloned()
            .collect();
        (lines, ring.last_seq)
    }
}

/// `rdk:component:sensor/temp-1` → `temp-1`: lines name resources in full,
/// the panel by name.
fn short_name(resource: String) -> String {
    match resource.rsplit_once('/') {
        Some((_, name)) => name.to_string(),
        None => resource,
    }
}

fn rfc3339<S: serde::Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_rfc3339_millis(*time))
}

/// Feeds [`LOGS`] from tracing.
pub struct BufferLayer;

impl<S: Subscriber> Layer<S> for BufferLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let fields = EventFields::of(event);
        LOGS.push(
            event.metadata().level().as_str(),
            fields.resource.map(short_name),
            fields.message,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_lines_numbered_and_filters_by_resource() {
        let logs = LogBuffer::new();
        for i in 0..CAPACITY + 5 {
            let resource = (i % 2 == 0).then(|| "temp-1".to_string());
            logs.push("INFO", resource, format!("line {i}"));
        }
        let (all, last) = logs.since(0, None, usize::MAX);
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(last, (CAPACITY + 5) as u64);
        assert_eq!(all[0].seq, 6, "the oldest five were dropped");
        let (newer, _) = logs.since(last - 3, Some("temp-1"), 10);
        assert!(
            newer
                .iter()
                .all(|l| l.seq > last - 3 && l.resource.as_deref() == Some("temp-1"))
        );
        assert_eq!(newer.len(), 2);
    }

    #[test]
    fn cuts_long_lines_on_a_char_boundary() {
        let logs = LogBuffer::new();
        logs.push("WARN", None, "é".repeat(MAX_MESSAGE));
        let (lines, _) = logs.since(0, None, 1);
        assert!(lines[0].message.len() <= MAX_MESSAGE + '…'.len_utf8());
    }

    #[test]
    fn names_resources_without_their_api() {
        assert_eq!(short_name("rdk:component:sensor/temp-1".into()), "temp-1");
        assert_eq!(short_name("host".into()), "host");
    }
}
