//! Per-sandbox limits: memory cap, instance and table limits, deadlines.

use std::time::Duration;

use prometheus_client::metrics::gauge::Gauge;
use wasmtime::ResourceLimiter;

use crate::config::LimitOverrides;

/// The limits one sandbox runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// All linear memories of the sandbox together.
    pub memory_bytes: usize,
    /// Wall-clock budget of one call into the guest.
    pub call_timeout: Duration,
    /// Budget of `construct` (and of `reconfigure`).
    pub construct_timeout: Duration,
    /// Budget of `validate` and of listing models.
    pub validate_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 << 20,
            call_timeout: Duration::from_secs(2),
            construct_timeout: Duration::from_secs(10),
            validate_timeout: Duration::from_secs(5),
        }
    }
}

impl Limits {
    /// Defaults, with the config's overrides applied.
    pub fn with(overrides: &LimitOverrides) -> Self {
        let d = Self::default();
        let ms = |v: Option<u64>, default: Duration| v.map(Duration::from_millis).unwrap_or(default);
        Self {
            memory_bytes: overrides
                .memory_mb
                .map(|mb| usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX))
                .unwrap_or(d.memory_bytes),
            call_timeout: ms(overrides.call_timeout_ms, d.call_timeout),
            construct_timeout: ms(overrides.construct_timeout_ms, d.construct_timeout),
            validate_timeout: ms(overrides.validate_timeout_ms, d.validate_timeout),
        }
    }
}

/// Counts the memory of all the sandbox's linear memories together
/// (wasmtime's own `StoreLimits` caps each memory separately), and remembers
/// a refusal so that the trap that usually follows is reported as memory
/// exhaustion rather than as an `unreachable`.
#[derive(Debug)]
pub struct MemoryLimiter {
    max_bytes: usize,
    used_bytes: usize,
    refused: bool,
    /// Where the memory is reported (`/metrics`), for a resource's sandbox.
    /// Moved by deltas, so that an old and a new sandbox of one resource
    /// (during a swap) add up, and a dropped one leaves nothing behind.
    gauge: Option<Gauge>,
}

const MAX_TABLE_ELEMENTS: usize = 100_000;
const MAX_INSTANCES: usize = 32;
const MAX_TABLES: usize = 64;
const MAX_MEMORIES: usize = 8;

impl MemoryLimiter {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            used_bytes: 0,
            refused: false,
            gauge: None,
        }
    }

    /// Reports the memory to `gauge` from now on (and what is in use now).
    pub fn report_to(&mut self, gauge: Gauge) {
        gauge.inc_by(as_i64(self.used_bytes));
        if let Some(old) = self.gauge.replace(gauge) {
            old.dec_by(as_i64(self.used_bytes));
        }
    }

    /// Whether a growth was refused since the sandbox started.
    pub fn refused(&self) -> bool {
        self.refused
    }

    pub fn used_bytes(&self) -> usize {
        self.used_bytes
    }
}

impl Drop for MemoryLimiter {
    fn drop(&mut self) {
        if let Some(g) = &self.gauge {
            g.dec_by(as_i64(self.used_bytes));
        }
    }
}

fn as_i64(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        let extra = desired.saturating_sub(current);
        if self.used_bytes.saturating_add(extra) > self.max_bytes {
            self.refused = true;
            return Ok(false);
        }
        self.used_bytes += extra;
        if let Some(g) = &self.gauge {
            g.inc_by(as_i64(extra));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_growth_across_memories_and_remembers_refusal() {
        let mut l = MemoryLimiter::new(100);
        assert!(l.memory_growing(0, 60, None).unwrap());
        assert!(!l.memory_growing(0, 60, None).unwrap());
        assert!(l.refused());
        assert!(l.memory_growing(60, 100, None).unwrap());
        assert_eq!(l.used_bytes(), 100);
    }

    #[test]
    fn overrides_apply_field_by_field() {
        let l = Limits::with(&LimitOverrides {
            memory_mb: Some(8),
            call_timeout_ms: Some(250),
            ..Default::default()
        });
        assert_eq!(l.memory_bytes, 8 << 20);
        assert_eq!(l.call_timeout, Duration::from_millis(250));
        assert_eq!(l.construct_timeout, Limits::default().construct_timeout);
    }
}
