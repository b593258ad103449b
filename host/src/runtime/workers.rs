//! How many threads run the host's async work (gRPC, guest calls, timers).
//!
//! Half the cores, at least one: on this project's 2-core machine, one.
//! Measured there (8 clients over a Unix socket, one sensor, GetReadings):
//! with two workers a call cost 41-45 µs of server CPU, with one 24-26 µs,
//! and throughput rose from ~21k to ~37k calls/s. The difference is
//! cross-core traffic, not work: a resource's Store, its guest's memory and
//! the connection state move between the two cores' caches as calls hop
//! between workers, and a call that finds the resource busy parks its
//! thread and is woken by the other. A bare tonic server pays the same
//! work-stealing tax but less of it (27 → 20 µs), having no shared state.
//!
//! One worker is not a lock-step host: guests yield at every epoch tick
//! (`runtime/priority.rs` pauses long calls while short ones arrive),
//! compiling, native drivers' blocking reads and dropping dead sandboxes run
//! on the blocking pool, and a deadline's timer fires between a guest's
//! epochs. What it caps is parallel guest computation, at the worker count;
//! a machine whose guests compute hard on many cores raises it with
//! `--worker-threads` (or `ARMATURE_WORKER_THREADS`).

use std::num::NonZeroUsize;

/// The default worker count for a machine with `cores` usable cores
/// (`std::thread::available_parallelism`, which honours affinity masks and
/// cgroup CPU quotas).
pub fn default_count(cores: NonZeroUsize) -> NonZeroUsize {
    NonZeroUsize::new(cores.get() / 2).unwrap_or(NonZeroUsize::MIN)
}

/// The worker count for this machine.
pub fn for_this_machine() -> NonZeroUsize {
    default_count(std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: usize) -> NonZeroUsize {
        NonZeroUsize::new(v).expect("non-zero")
    }

    #[test]
    fn half_the_cores_and_never_none() {
        assert_eq!(default_count(n(1)), n(1));
        assert_eq!(default_count(n(2)), n(1));
        assert_eq!(default_count(n(3)), n(1));
        assert_eq!(default_count(n(4)), n(2));
        assert_eq!(default_count(n(16)), n(8));
    }
}
