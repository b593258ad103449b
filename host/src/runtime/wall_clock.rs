//! Wall-clock bounds on waits that the epoch deadline cannot see.
//!
//! The epoch interrupts wasm that runs. A guest waiting inside a host call
//! (`std::thread::sleep`, a `poll` on a clock subscription, a serial read)
//! runs no wasm, so only a timer ends its wait. [`within`] is that timer,
//! armed only when the wait is real: almost every guest call finishes on
//! its first poll, and pays for no timer at all.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// `start + d`, or a century from `start` when `d` is beyond what an
/// `Instant` can hold (a limit of u64::MAX milliseconds is "no limit").
pub fn after(start: Instant, d: Duration) -> Instant {
    start
        .checked_add(d)
        .or_else(|| start.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(start)
}

/// The bounded wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

/// Awaits `f` until `deadline`; past it, `f` is dropped and the answer is
/// [`Elapsed`].
pub fn within<F: Future>(deadline: Instant, f: F) -> Within<F> {
    Within {
        f,
        deadline,
        timer: None,
    }
}

pin_project_lite::pin_project! {
    pub struct Within<F> {
        #[pin]
        f: F,
        deadline: Instant,
        // Made on the first poll that finds `f` pending.
        timer: Option<Pin<Box<tokio::time::Sleep>>>,
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.f.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let deadline = *this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

static EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

/// `at` in nanoseconds since the process's first use of this clock: an
/// `Instant` that fits an atomic (the epoch ticker's, the latest call's).
pub(crate) fn nanos(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(*EPOCH).as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absurd_limit_does_not_overflow() {
        let now = Instant::now();
        assert!(after(now, Duration::from_millis(u64::MAX)) > now + Duration::from_secs(1_000_000));
        assert_eq!(after(now, Duration::from_millis(5)), now + Duration::from_millis(5));
    }

    #[tokio::test]
    async fn a_ready_future_needs_no_timer() {
        let mut w = std::pin::pin!(within(Instant::now(), async { 7 }));
        let out = futures::poll!(w.as_mut());
        assert_eq!(out, Poll::Ready(Ok(7)), "ready on its first poll, even at the deadline");
    }

    #[tokio::test]
    async fn a_wait_past_the_deadline_is_cut_there() {
        let started = Instant::now();
        let out = within(
            started + Duration::from_millis(50),
            tokio::time::sleep(Duration::from_secs(30)),
        )
        .await;
        assert_eq!(out, Err(Elapsed));
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(50) && took < Duration::from_secs(5),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn a_wait_that_ends_in_time_is_answered() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let out = within(deadline, async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            "done"
        })
        .await;
        assert_eq!(out, Ok("done"));
    }
}
