//! Short calls before long ones.
//!
//! A guest call normally takes microseconds. One that has computed for
//! [`LONG_CALL`] — a loop, a flood, heavy work — is background work from
//! then on (computed: the time since it entered, less the time it waited
//! on its dependencies, which run as calls of their own; a vision service
//! that waited 5 ms for its camera has not computed those 5 ms): while other calls have started recently it sleeps a while at
//! every epoch tick, so it gets about a tenth of a core and the short calls
//! beside it keep their latency. On a machine that serves nothing else it
//! runs at full speed.
//!
//! The deadline stays wall-clock: pauses count against it. Counting only
//! the guest's running time was tried: a looping guest then lives ten times
//! longer, bursting every pause, and the healthy p99 rose from 1.2-1.8x to
//! 2.0-2.3x of a calm run. Heavy work on a busy machine wants a longer
//! `call_timeout_ms` (or to be split across ticks).
//!
//! "Recently" rather than "right now": a short call spends most of its round
//! trip outside the host, so at the instant a tick fires there is usually no
//! call in flight even on a busy machine (measured: gating on calls in
//! flight let the long call run flat out, and the healthy p99 got worse).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::runtime::engine::EPOCH_TICK;
use crate::runtime::wall_clock::nanos;

/// A call computing longer than this is background work.
pub const LONG_CALL: Duration = Duration::from_millis(10);

/// How long a long call sleeps per tick it ran while the machine is busy:
/// it gets about a tenth of a core (measured on 2 cores: a quarter kept the
/// healthy p99 at 2.2-2.9x of a calm run beside every hostile guest, a tenth
/// at 1.2-1.8x).
pub const LONG_CALL_PAUSE: Duration = Duration::from_millis(9 * EPOCH_TICK.as_millis() as u64);

/// The machine counts as busy while a call started this recently.
const RECENT: Duration = LONG_CALL;

static CALLS: LastCall = LastCall(AtomicU64::new(0));

/// When the latest call started ([`nanos`]).
struct LastCall(AtomicU64);

impl LastCall {
    fn started(&self, at: Instant) {
        self.0.store(nanos(at), Ordering::Relaxed);
    }

    fn others_since(&self, entered: Instant, now: Instant) -> bool {
        let last = self.0.load(Ordering::Relaxed);
        last > nanos(entered) && nanos(now).saturating_sub(last) < RECENT.as_nanos() as u64
    }
}

/// Notes that a call starts now.
pub fn call_started() {
    CALLS.started(Instant::now());
}

/// Whether a call other than one that entered at `entered` started within
/// [`RECENT`] of `now`.
pub fn others_called_recently(entered: Instant, now: Instant) -> bool {
    CALLS.others_since(entered, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_call_alone_is_not_held_back() {
        let calls = LastCall(AtomicU64::new(0));
        let entered = Instant::now() + Duration::from_millis(1);
        calls.started(entered);
        assert!(
            !calls.others_since(entered, entered + LONG_CALL * 2),
            "only its own start"
        );
        let other = entered + LONG_CALL * 2;
        calls.started(other);
        assert!(
            calls.others_since(entered, other + Duration::from_millis(1)),
            "another call just started"
        );
        assert!(!calls.others_since(entered, other + RECENT * 2), "long ago");
    }
}
