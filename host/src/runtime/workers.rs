//! How many threads run the host's async work (gRPC, guest calls, timers):
//! half the cores, at least one (one on a 2-core machine), unless
//! `--worker-threads N` (or `ARMATURE_WORKER_THREADS`) says otherwise.
//!
//! Measured on this project's 2-core machine (full `cargo xtask bench`
//! runs, and A/Bs of the same binary by hand), one worker against two:
//! - Under load (8 or 64 clients in closed loops on one sensor), one worker
//!   costs 26-34 µs of server CPU per GetReadings against 34-50 µs, and
//!   answers 35-60 % more calls per second. The difference is cross-core
//!   traffic, not work: pinned to one CPU, two workers cost what one does.
//!   A resource's Store, its guest's memory and the call's task move
//!   between the cores' caches, and a parked worker on the other CPU is
//!   woken for work it then steals. A bare tonic server pays less of this
//!   tax (27 → 20 µs), having no shared state.
//! - One client calling in sequence, one worker costs about 30 µs more per
//!   call in latency (p50 175-205 µs against 141-185 µs) and 20 µs more CPU
//!   (with two, the call and the connection's I/O overlap); for a control
//!   loop at 10-100 Hz that is noise. A hot swap's longest stall was 3-14 ms
//!   with one worker and 2-3 ms with two: nothing takes over while the one
//!   worker is off its CPU.
//!
//! - Counted rather than timed (bench scenario 15, 2026-12-08): a
//!   sequential GetReadings costs the same instructions with one worker or
//!   two (94.0-94.3 k against 92.3 k, the floor 81-82 k), and wakes the
//!   server's threads as often (0.79-1.04 wake-ups per call against 0.91,
//!   the floor 1.0-1.1). What a second worker changes is where the work
//!   runs, which only the load figures above see.
//!
//! Half the cores keeps the cheap case on small machines and leaves the
//! other cores to the robot's own processes and clients. On a 4-core
//! Raspberry Pi that is two workers: one core's worth more for stalls and
//! sequential latency, two cores left to the robot's control loops and
//! camera pipeline. On an 8-core Jetson Orin (its Cortex-A78AE cores in
//! clusters of four) it is four: no more workers than one cluster holds
//! (the cross-core tax measured above is likely larger between clusters;
//! not measured), leaving the rest to the GPU pipeline's CPU threads. Neither was measured on the device (the project has no such
//! machine): the default follows from the figures here and from what else
//! those robots run. A machine whose guests compute hard on many cores, or
//! that needs the shortest stalls, raises it.

use std::num::NonZeroUsize;

/// The default worker count for a machine with `cores` usable cores.
pub fn default_count(cores: NonZeroUsize) -> NonZeroUsize {
    NonZeroUsize::new(cores.get() / 2).unwrap_or(NonZeroUsize::MIN)
}

/// The worker count for this machine (`std::thread::available_parallelism`
/// honours affinity masks and cgroup CPU quotas).
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
