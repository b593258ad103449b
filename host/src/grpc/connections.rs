//! The server's connections, bounded: anyone who can reach the port can
//! open connections before any key is asked for, so the host
//! - keeps at most [`Limits::max`] open, sized from the file limit with a
//!   reserve left for capture files, modules and sandboxes, so that the
//!   network can never take the handles the machine itself needs;
//! - when full, closes the connection that has waited longest without
//!   sending a byte (else the one idle longest) to take the new one, so
//!   idle connections cannot lock real clients out;
//! - closes a connection that sends nothing within [`Limits::silent`], or
//!   that is idle (nothing read or written) for [`Limits::idle`];
//! - backs off when accept fails (out of file handles) instead of spinning.
//!
//! HTTP/2 keepalive pings (set on the server in `web::serve`) keep a live
//! but quiet client's connection active and close a dead peer's.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::Stream;
use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tonic::transport::server::{Connected, TcpConnectInfo};

use crate::observability::metrics::METRICS;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once.
    pub max: usize,
    /// How long a new connection may stay silent.
    pub silent: Duration,
    /// How long a connection may go without reading or writing anything.
    pub idle: Duration,
}

impl Limits {
    /// File handles kept out of the network's reach, at least.
    const RESERVE: u64 = 64;
    const MAX: usize = 10_000;
    const MIN: usize = 8;

    /// Limits for this process: raises the soft file limit to the hard one,
    /// then leaves a quarter of it (at least [`Self::RESERVE`]) and what is
    /// open now to the machine.
    pub fn for_this_process() -> Self {
        let files = raise_file_limit();
        let open = open_files();
        let reserve = Self::RESERVE.max(files / 4);
        let max = files.saturating_sub(open).saturating_sub(reserve);
        let max = usize::try_from(max).unwrap_or(Self::MAX).clamp(Self::MIN, Self::MAX);
        tracing::debug!(files, open, max, "connection limit");
        Self {
            max,
            silent: Duration::from_secs(10),
            idle: Duration::from_secs(300),
        }
    }
}

/// Sets the soft limit on open files to the hard limit; returns the limit
/// in force after.
pub fn raise_file_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to an rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur
}

fn open_files() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(64, |d| d.count() as u64)
}

/// What the host knows of one connection.
struct Tracked {
    accepted: Instant,
    /// Milliseconds after `accepted` of the last byte read or written.
    last_activity_ms: AtomicU64,
    /// Whether the client has sent anything at all.
    spoke: AtomicBool,
    closed: AtomicBool,
    waker: AtomicWaker,
}

impl Tracked {
    fn touch(&self) {
        let ms = u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        self.accepted
            .elapsed()
            .saturating_sub(Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed)))
    }

    fn close(&self, reason: &'static str) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            METRICS.connection_closed(reason);
            self.waker.wake();
        }
    }
}

#[derive(Default)]
struct Registry {
    /// Every connection whose socket is open: a closed one stays until its
    /// task has dropped it, since its file handle is held until then.
    open: Mutex<HashMap<u64, Arc<Tracked>>>,
    next: AtomicU64,
    /// Told each time a connection is dropped.
    dropped: tokio::sync::Notify,
}

impl Registry {
    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Tracked>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the connection that has stayed silent longest, else the one
    /// idle longest, to make room for a new one.
    fn close_one(&self) {
        let open = self.open();
        let live: Vec<&Arc<Tracked>> = open.values().filter(|t| !t.closed.load(Ordering::Acquire)).collect();
        let silent = live
            .iter()
            .filter(|t| !t.spoke.load(Ordering::Acquire))
            .min_by_key(|t| t.accepted);
        let victim = silent.or_else(|| live.iter().max_by_key(|t| t.idle_for()));
        if let Some(t) = victim {
            t.close("evicted");
        }
    }

    /// Closes connections silent or idle for too long.
    fn sweep(&self, limits: &Limits) {
        for t in self.open().values() {
            if !t.spoke.load(Ordering::Acquire) && t.accepted.elapsed() >= limits.silent {
                t.close("silent");
            } else if t.idle_for() >= limits.idle {
                t.close("idle");
            }
        }
    }

    fn track(self: &Arc<Self>, io: TcpStream) -> Guarded {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let tracked = Arc::new(Tracked {
            accepted: Instant::now(),
            last_activity_ms: AtomicU64::new(0),
            spoke: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        });
        let open = {
            let mut open = self.open();
            open.insert(id, tracked.clone());
            open.len()
        };
        METRICS.set_connections_open(open);
        Guarded {
            io,
            tracked,
            registry: Arc::downgrade(self),
            id,
        }
    }
}

/// The accepted connections of `listener`, within `limits`, for tonic's
/// `serve_with_incoming_shutdown`.
pub fn incoming(listener: TcpListener, limits: Limits) -> impl Stream<Item = io::Result<Guarded>> {
    let registry = Arc::new(Registry::default());
    tokio::spawn(sweep(Arc::downgrade(&registry), limits));
    futures::stream::unfold(
        (listener, registry, None::<Instant>),
        move |(listener, registry, mut warned)| async move {
            loop {
                // Room first: never more sockets than `max`, closing ones
                // included, so that accepting cannot run out of file handles.
                while registry.open().len() >= limits.max {
                    let dropped = registry.dropped.notified();
                    registry.close_one();
                    let _ = tokio::time::timeout(Duration::from_millis(100), dropped).await;
                }
                match listener.accept().await {
                    Ok((io, _peer)) => {
                        // Small request/response messages should not wait to be
                        // coalesced (tonic's own `serve` does the same).
                        let _ = io.set_nodelay(true);
                        let guarded = registry.track(io);
                        return Some((Ok(guarded), (listener, registry, warned)));
                    }
                    // The client gave up between SYN and accept: nothing to do.
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                        ) => {}
                    Err(e) => {
                        // Out of file handles (EMFILE, ENFILE) or memory: try
                        // again shortly, instead of failing in a tight loop.
                        if warned.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                            tracing::warn!(
                                "accepting a connection failed (retrying every 100 ms; logged once a minute): {e}"
                            );
                            warned = Some(Instant::now());
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        },
    )
}

async fn sweep(registry: Weak<Registry>, limits: Limits) {
    let period = (limits.silent / 4).clamp(Duration::from_millis(100), Duration::from_secs(1));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match registry.upgrade() {
            Some(r) => r.sweep(&limits),
            None => return,
        }
    }
}

/// A connection the host may close: reads and writes fail once it is.
pub struct Guarded {
    io: TcpStream,
    tracked: Arc<Tracked>,
    registry: Weak<Registry>,
    id: u64,
}

impl Guarded {
    fn closed(&self) -> bool {
        self.tracked.closed.load(Ordering::Acquire)
    }
}

fn aborted() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "closed by the host")
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            let open = {
                let mut open = registry.open();
                open.remove(&self.id);
                open.len()
            };
            METRICS.set_connections_open(open);
            registry.dropped.notify_one();
        }
    }
}

impl Connected for Guarded {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.io.connect_info()
    }
}

impl AsyncRead for Guarded {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.tracked.waker.register(cx.waker());
        if self.closed() {
            return Poll::Ready(Err(aborted()));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.tracked.spoke.store(true, Ordering::Release);
            self.tracked.touch();
        }
        polled
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        if self.closed() {
            return Poll::Ready(Err(aborted()));
        }
        let polled = Pin::new(&mut self.io).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.tracked.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.closed() {
            return Poll::Ready(Err(aborted()));
        }
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.tracked.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn when_full_the_longest_silent_connection_makes_room() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let limits = Limits {
            max: 2,
            silent: Duration::from_secs(60),
            idle: Duration::from_secs(60),
        };
        let mut incoming = Box::pin(incoming(listener, limits));
        let _silent = TcpStream::connect(addr).await.unwrap();
        let mut a = incoming.next().await.unwrap().unwrap();
        let mut talker = TcpStream::connect(addr).await.unwrap();
        talker.write_all(b"hi").await.unwrap();
        let mut b = incoming.next().await.unwrap().unwrap();
        let mut got = [0u8; 2];
        b.read_exact(&mut got).await.unwrap();
        let _third = TcpStream::connect(addr).await.unwrap();
        // The third is accepted once the silent one, closed for it, is gone.
        let accept = tokio::spawn(async move { incoming.next().await.map(|c| c.is_ok()) });
        assert!(a.read(&mut got).await.is_err(), "the silent one was closed");
        assert!(!b.closed(), "the one that spoke stays");
        drop(a);
        assert_eq!(accept.await.unwrap(), Some(true));
    }

    #[tokio::test]
    async fn a_silent_connection_is_closed_after_its_time() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let limits = Limits {
            max: 10,
            silent: Duration::from_millis(200),
            idle: Duration::from_secs(60),
        };
        let mut incoming = Box::pin(incoming(listener, limits));
        let _client = TcpStream::connect(addr).await.unwrap();
        let mut conn = incoming.next().await.unwrap().unwrap();
        let mut buf = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await;
        assert!(matches!(read, Ok(Err(_))), "{read:?}");
    }
}
