//! `log`: guest log lines into the host's log, tagged with the resource,
//! bounded in length, escaped, and rate-limited per sandbox.

use std::time::Instant;

use crate::core::bindings::armature::module::log::{Host, Level};
use crate::runtime::state::SandboxState;

/// Longest guest log line kept, in characters.
const MAX_LINE: usize = 1024;
/// Lines a sandbox may log per second before lines are dropped.
const LINES_PER_SECOND: u32 = 200;

/// Cuts `s` to `max` characters and escapes control characters, so that a
/// guest cannot forge log lines or flood a terminal.
pub fn bounded(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 16));
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A per-second budget of log lines.
#[derive(Debug)]
pub struct LogBudget {
    window_start: Instant,
    used: u32,
    dropped: u64,
}

impl Default for LogBudget {
    fn default() -> Self {
        Self {
            window_start: Instant::now(),
            used: 0,
            dropped: 0,
        }
    }
}

impl LogBudget {
    /// Whether one more line may be logged now; when a window with drops
    /// ends, says how many were dropped.
    fn take(&mut self, resource: &str) -> bool {
        if self.window_start.elapsed().as_secs() >= 1 {
            if self.dropped > 0 {
                tracing::warn!(resource, dropped = self.dropped, "guest log lines dropped (rate limit)");
            }
            *self = Self::default();
        }
        if self.used < LINES_PER_SECOND {
            self.used += 1;
            true
        } else {
            self.dropped += 1;
            false
        }
    }
}

impl Host for SandboxState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        if !self.log.take(&self.resource) {
            return Ok(());
        }
        let resource = &*self.resource;
        let message = bounded(&message, MAX_LINE);
        match level {
            Level::Trace => tracing::trace!(resource, "{message}"),
            Level::Debug => tracing::debug!(resource, "{message}"),
            Level::Info => tracing::info!(resource, "{message}"),
            Level::Warn => tracing::warn!(resource, "{message}"),
            Level::Error => tracing::error!(resource, "{message}"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_escapes() {
        assert_eq!(bounded("a\nb", 10), "a\\nb");
        assert_eq!(bounded("abcdef", 3), "abc…");
    }

    #[test]
    fn budget_drops_past_the_rate() {
        let mut b = LogBudget::default();
        let taken = (0..LINES_PER_SECOND + 10).filter(|_| b.take("r")).count();
        assert_eq!(taken, LINES_PER_SECOND as usize);
    }
}
