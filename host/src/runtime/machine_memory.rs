//! One budget for the guest memory of the whole machine.
//!
//! Each sandbox has its own cap (`limits.memory_mb`, 64 MiB by default), but
//! thirty resources holding 48 MiB each would still take 1.5 GB, and a robot
//! computer with 1–2 GB dies whole. So every linear-memory growth of every
//! sandbox is also reserved here, and refused once the machine's budget
//! (`limits.machine_memory_mb`; by default half of the memory the system
//! gives this process) is spent: the resource that asked fails to build, or
//! its call fails, with RESOURCE_EXHAUSTED naming the budget, and the rest
//! keep what they hold. A dropped sandbox gives its memory back.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::observability::metrics::METRICS;

/// The process's guest-memory budget.
pub static MACHINE_MEMORY: LazyLock<MachineMemory> = LazyLock::new(|| MachineMemory::new(default_budget()));

pub struct MachineMemory {
    limit: AtomicUsize,
    used: AtomicUsize,
    refusals: AtomicU64,
}

/// The budget as GetMachineStatus and `/metrics` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub budget_bytes: usize,
    pub used_bytes: usize,
    /// Growths refused since the host started.
    pub refusals: u64,
}

impl MachineMemory {
    pub fn new(limit: usize) -> Self {
        Self {
            limit: AtomicUsize::new(limit),
            used: AtomicUsize::new(0),
            refusals: AtomicU64::new(0),
        }
    }

    /// Sets the budget (at start and on every config change). A budget below
    /// what is in use takes nothing away: it refuses growth until enough
    /// is given back.
    pub fn set_limit(&self, bytes: usize) {
        self.limit.store(bytes, Ordering::Relaxed);
    }

    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// Reserves `bytes` if the budget has room for them.
    pub fn try_reserve(&self, bytes: usize) -> bool {
        let limit = self.limit();
        let reserved = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|&total| total <= limit)
            })
            .is_ok();
        if !reserved {
            self.refusals.fetch_add(1, Ordering::Relaxed);
            METRICS.machine_memory_refused();
        }
        reserved
    }

    /// Gives back what [`MachineMemory::try_reserve`] took.
    pub fn release(&self, bytes: usize) {
        let _ = self.used.fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
            Some(used.saturating_sub(bytes))
        });
    }

    pub fn usage(&self) -> Usage {
        Usage {
            budget_bytes: self.limit(),
            used_bytes: self.used.load(Ordering::Relaxed),
            refusals: self.refusals.load(Ordering::Relaxed),
        }
    }
}

/// Half of the memory this process may use: the physical memory, or the
/// cgroup's limit when a container or a systemd unit sets a lower one.
/// The other half is for the host itself, the kernel and everything else
/// on the robot.
pub fn default_budget() -> usize {
    let physical = physical_memory().unwrap_or(2 << 30);
    let available = cgroup_limit().map_or(physical, |c| c.min(physical));
    available / 2
}

fn physical_memory() -> Option<usize> {
    // SAFETY: sysconf only reads system configuration.
    let (pages, page_size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
    let pages = usize::try_from(pages).ok()?;
    let page_size = usize::try_from(page_size).ok()?;
    pages.checked_mul(page_size).filter(|&b| b > 0)
}

/// The memory limit of this process's own cgroup: v2's `memory.max` ("max"
/// is no limit), else v1's `memory.limit_in_bytes` (Jetson and other older
/// systems). A limit set only on a parent cgroup is not seen.
fn cgroup_limit() -> Option<usize> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let read = |file: String| std::fs::read_to_string(file).ok().and_then(|t| parse_memory_max(&t));
    let v2 = cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .and_then(|path| read(format!("/sys/fs/cgroup{}/memory.max", path.trim_end_matches('/'))));
    v2.or_else(|| {
        let path = cgroup.lines().find_map(|l| {
            let mut parts = l.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            controllers.split(',').any(|c| c == "memory").then_some(path)
        })?;
        read(format!(
            "/sys/fs/cgroup/memory{}/memory.limit_in_bytes",
            path.trim_end_matches('/')
        ))
    })
}

fn parse_memory_max(text: &str) -> Option<usize> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserves_up_to_the_limit_and_gives_back() {
        let m = MachineMemory::new(100);
        assert!(m.try_reserve(60));
        assert!(!m.try_reserve(41), "over the budget");
        assert!(m.try_reserve(40));
        assert_eq!(m.usage().used_bytes, 100);
        m.release(60);
        assert!(m.try_reserve(50));
        assert_eq!(
            m.usage(),
            Usage {
                budget_bytes: 100,
                used_bytes: 90,
                refusals: 1
            }
        );
    }

    #[test]
    fn a_lower_limit_refuses_growth_but_takes_nothing_away() {
        let m = MachineMemory::new(100);
        assert!(m.try_reserve(80));
        m.set_limit(50);
        assert!(!m.try_reserve(1));
        assert_eq!(m.usage().used_bytes, 80);
        m.release(80);
        assert!(m.try_reserve(50));
    }

    #[test]
    fn the_default_is_a_share_of_this_machine() {
        let budget = default_budget();
        assert!(budget > 0);
        assert!(budget <= physical_memory().unwrap_or(usize::MAX));
        assert_eq!(parse_memory_max("max\n"), None);
        assert_eq!(parse_memory_max("1073741824\n"), Some(1 << 30));
    }
}
