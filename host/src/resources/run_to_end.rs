//! Guest calls that outlive their caller.
//!
//! A gRPC handler's future is dropped when the client gives up (its
//! deadline passes, it cancels, it disconnects). Dropped in the middle of a
//! guest call, the component instance is left entered, and every later call
//! traps with "cannot enter component instance". So once a guest is
//! entered, the call is finished on the runtime even if nobody waits for it
//! any more: the guest sees a call that returns normally, and its own
//! deadline still bounds how long that takes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `f` to its end: awaited, it is `f`; dropped early, `f` is handed to
/// the runtime to finish (its output is discarded).
pub fn run_to_end<F>(f: F) -> RunToEnd<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    RunToEnd(Some(Box::pin(f)))
}

pub struct RunToEnd<F: Future + Send + 'static>(Option<Pin<Box<F>>>)
where
    F::Output: Send + 'static;

impl<F> Future for RunToEnd<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Some(f) = self.0.as_mut() else {
            // Polled after it finished: a bug in the caller.
            return Poll::Pending;
        };
        let out = f.as_mut().poll(cx);
        if out.is_ready() {
            self.0 = None;
        }
        out
    }
}

impl<F> Drop for RunToEnd<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn drop(&mut self) {
        if let Some(f) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                f.await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn finishes_what_its_caller_abandoned() {
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let (done, finished) = tokio::sync::oneshot::channel();
        let call = run_to_end(async move {
            let _ = wait.await;
            let _ = done.send(());
        });
        // The caller gives up while the call is waiting inside.
        assert!(tokio::time::timeout(Duration::from_millis(5), call).await.is_err());
        go.send(()).expect("the abandoned call is still alive");
        tokio::time::timeout(Duration::from_secs(5), finished)
            .await
            .expect("the abandoned call ran to its end")
            .expect("it finished");
    }

    #[tokio::test]
    async fn awaited_it_is_the_future_itself() {
        assert_eq!(run_to_end(async { 7 }).await, 7);
    }
}
