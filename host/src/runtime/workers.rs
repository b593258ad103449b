//! How many threads run the host's async work (gRPC, guest calls, timers):
//! one per core, tokio's default, unless `--worker-threads N` (or
//! `ARMATURE_WORKER_THREADS`) says otherwise.
//!
//! Measured on this project's 2-core machine (`cargo xtask bench`, the
//! README's Benchmarks section has the tables), one worker against two:
//! - Under load (8 or 64 clients in closed loops on one sensor), one worker
//!   costs 27-34 µs of server CPU per GetReadings against 36-49 µs, and
//!   answers ~50 % more calls per second. The difference is cross-core
//!   traffic, not work: pinned to one CPU, two workers cost what one does.
//!   A resource's Store, its guest's memory and the call's task move
//!   between the cores' caches, and a parked worker on the other CPU is
//!   woken for work it then steals.
//! - One client calling in sequence, the common case for a robot (a
//!   control loop at 10-100 Hz, idle between calls), one worker is worse:
//!   p50 latency 175-205 µs against 141-185 µs, and 100-120 µs of CPU per
//!   call against 80-100 µs; with two, the call and the connection's I/O
//!   overlap. Tail latency is worse too: a hot swap's longest stall was
//!   3-14 ms with one worker, 2-3 ms with two, since nothing takes over
//!   while the one worker is off its CPU.
//!
//! So a robot keeps tokio's default; a machine that serves many clients at
//! high rates on few cores can pass `--worker-threads 1`.

use std::num::NonZeroUsize;

/// The worker count unless one is given: one per usable core
/// (`std::thread::available_parallelism`, which honours affinity masks and
/// cgroup CPU quotas), as tokio would choose.
pub fn for_this_machine() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}
