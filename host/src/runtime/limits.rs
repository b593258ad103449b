//! Per-sandbox limits: memory cap, instance and table limits, deadlines.

use std::time::Duration;

use prometheus_client::metrics::gauge::Gauge;
use wasmtime::ResourceLimiter;

use crate::config::LimitOverrides;
use crate::runtime::machine_memory::{MACHINE_MEMORY, MachineMemory};

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
    /// The longest a caller waits for the resource: behind a
    /// reconfiguration and then one call.
    pub fn queue_limit(&self) -> Duration {
        self.construct_timeout.saturating_add(self.call_timeout)
    }

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

/// Which budget refused a memory growth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The sandbox's own cap (`limits.memory_mb`).
    Sandbox,
    /// The machine's budget for all guests (`limits.machine_memory_mb`).
    Machine,
}

/// Counts the memory of all the sandbox's linear memories together
/// (wasmtime's own `StoreLimits` caps each memory separately), reserves it
/// from the machine's budget too, and remembers a refusal so that the trap
/// that usually follows is reported as memory exhaustion rather than as an
/// `unreachable`.
pub struct MemoryLimiter {
    max_bytes: usize,
    used_bytes: usize,
    refused: Option<Refusal>,
    machine: &'static MachineMemory,
    /// The growth approved last, until the next one: wasmtime may still fail
    /// it after approval (`memory_grow_failed`), and then it is given back.
    approved: usize,
    /// Whether the machine budget was already given back (a dead sandbox
    /// releases it at once; its memory is freed later, off the serving threads).
    released: bool,
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
    /// A limiter of `max_bytes` within the process's machine budget.
    pub fn new(max_bytes: usize) -> Self {
        Self::within(max_bytes, &MACHINE_MEMORY)
    }

    pub fn within(max_bytes: usize, machine: &'static MachineMemory) -> Self {
        Self {
            max_bytes,
            used_bytes: 0,
            refused: None,
            machine,
            approved: 0,
            released: false,
            gauge: None,
        }
    }

    /// Forgets an earlier refusal: called as each guest entry starts, so a
    /// refusal is reported for the entry it happened in only.
    pub fn clear_refusal(&mut self) {
        self.refused = None;
    }

    /// Gives the sandbox's share of the machine budget back now; the memory
    /// itself goes when the sandbox is dropped.
    pub fn release_machine_budget(&mut self) {
        if !std::mem::replace(&mut self.released, true) {
            self.machine.release(self.used_bytes);
        }
    }

    /// Reports the memory to `gauge` from now on (and what is in use now).
    pub fn report_to(&mut self, gauge: Gauge) {
        gauge.inc_by(as_i64(self.used_bytes));
        if let Some(old) = self.gauge.replace(gauge) {
            old.dec_by(as_i64(self.used_bytes));
        }
    }

    /// Which budget refused a growth since the sandbox started, if any.
    pub fn refused(&self) -> Option<Refusal> {
        self.refused
    }

    pub fn used_bytes(&self) -> usize {
        self.used_bytes
    }
}

impl Drop for MemoryLimiter {
    fn drop(&mut self) {
        self.release_machine_budget();
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
        // Asked again: the growth approved before took place.
        self.approved = 0;
        let extra = desired.saturating_sub(current);
        if self.used_bytes.saturating_add(extra) > self.max_bytes {
            self.refused = Some(Refusal::Sandbox);
            return Ok(false);
        }
        if !self.machine.try_reserve(extra) {
            self.refused = Some(Refusal::Machine);
            return Ok(false);
        }
        self.used_bytes += extra;
        self.approved = extra;
        if let Some(g) = &self.gauge {
            g.inc_by(as_i64(extra));
        }
        Ok(true)
    }

    /// An approved growth that wasmtime could not make (the memory could not
    /// move, mmap failed): what it reserved is given back. (Wasmtime also
    /// calls this, unasked, for a growth past the memory type's own limit;
    /// then at most the last approved growth, which did happen, is given
    /// back early — bounded, and only once per growth.)
    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        let extra = std::mem::take(&mut self.approved);
        self.used_bytes -= extra;
        if !self.released {
            self.machine.release(extra);
        }
        if let Some(g) = &self.gauge {
            g.dec_by(as_i64(extra));
        }
        Ok(())
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

    fn machine(bytes: usize) -> &'static MachineMemory {
        Box::leak(Box::new(MachineMemory::new(bytes)))
    }

    #[test]
    fn sums_growth_across_memories_and_remembers_refusal() {
        let mut l = MemoryLimiter::within(100, machine(1000));
        assert!(l.memory_growing(0, 60, None).unwrap());
        assert!(!l.memory_growing(0, 60, None).unwrap());
        assert_eq!(l.refused(), Some(Refusal::Sandbox));
        assert!(l.memory_growing(60, 100, None).unwrap());
        assert_eq!(l.used_bytes(), 100);
    }

    #[test]
    fn a_growth_that_fails_after_approval_is_given_back() {
        let budget = machine(100);
        let mut l = MemoryLimiter::within(100, budget);
        assert!(l.memory_growing(0, 40, None).unwrap());
        assert!(l.memory_growing(40, 70, None).unwrap());
        l.memory_grow_failed(wasmtime::Error::msg("mmap failed")).unwrap();
        assert_eq!((l.used_bytes(), budget.usage().used_bytes), (40, 40));
        l.memory_grow_failed(wasmtime::Error::msg("again")).unwrap();
        assert_eq!(l.used_bytes(), 40, "nothing approved since");
        l.release_machine_budget();
        assert_eq!(budget.usage().used_bytes, 0);
        drop(l);
        assert_eq!(budget.usage().used_bytes, 0, "released once");
    }

    #[test]
    fn sandboxes_share_the_machine_budget_and_give_it_back() {
        let budget = machine(150);
        let mut a = MemoryLimiter::within(100, budget);
        let mut b = MemoryLimiter::within(100, budget);
        assert!(a.memory_growing(0, 100, None).unwrap());
        assert!(
            !b.memory_growing(0, 60, None).unwrap(),
            "within b's own cap, over the machine's"
        );
        assert_eq!(b.refused(), Some(Refusal::Machine));
        assert!(b.memory_growing(0, 50, None).unwrap());
        drop(a);
        assert_eq!(budget.usage().used_bytes, 50);
        assert!(b.memory_growing(50, 100, None).unwrap());
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
