//! A resource slot: the one place a resource's calls go through. It owns
//! the resource's sandbox behind an async mutex, so calls run one at a time
//! in arrival order (tokio's mutex is fair) in the caller's own task — no
//! hop to another thread on the hot path. A fault drops the sandbox and
//! tells the supervisor, which rebuilds it; calls meanwhile fail fast with
//! UNAVAILABLE and the reason.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime};

use futures::future::BoxFuture;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::apis::call::{Call, Reply};
use crate::capabilities::target::CallTarget;
use crate::config::ResourceName;
use crate::core::api::ApiKind;
use crate::core::error::{CallError, Code};
use crate::observability::metrics::{METRICS, ResourceMeters};
use crate::resources::instance::Instance;
use crate::resources::run_to_end::run_to_end;
use crate::runtime::priority;
use crate::runtime::sandbox::Entered;
use crate::runtime::wall_clock::{after, within};

/// Lifecycle states, as GetMachineStatus reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Being built, or waiting for its dependencies.
    Configuring,
    Ready,
    /// Failed; the error says why, and the supervisor retries with backoff.
    Unhealthy,
    Removing,
}

#[derive(Debug, Clone)]
pub struct Status {
    pub state: State,
    pub error: Option<String>,
    /// How many times the resource was rebuilt after a fault.
    pub restarts: u32,
    pub updated: SystemTime,
    /// Module name and version serving it.
    pub module: Option<(String, String)>,
}

/// Who a call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Client,
    Guest,
}

/// Tells the supervisor that a resource's sandbox died.
pub type FaultSender = mpsc::UnboundedSender<ResourceName>;

pub struct ResourceSlot {
    pub name: ResourceName,
    pub kind: ApiKind,
    instance: Arc<tokio::sync::Mutex<Option<Instance>>>,
    status: Mutex<Status>,
    faults: FaultSender,
    tick_period: watch::Sender<Option<Duration>>,
    ticker: Mutex<Option<JoinHandle<()>>>,
    /// Bumped by every motion command and every stop: a host-side wait for a
    /// motion ends as soon as another command supersedes it.
    motion: AtomicU64,
    /// The longest a call waits for the resource (nanoseconds): a
    /// reconfiguration and one call of the instance serving it, so that no
    /// call queues without end behind slow ones.
    queue_limit: AtomicU64,
    meters: ResourceMeters,
}

impl ResourceSlot {
    pub fn new(name: ResourceName, kind: ApiKind, faults: FaultSender) -> Arc<Self> {
        let (tick_period, rx) = watch::channel(None);
        let slot = Arc::new(Self {
            meters: ResourceMeters::new(&name),
            name,
            kind,
            instance: Arc::new(tokio::sync::Mutex::new(None)),
            status: Mutex::new(Status {
                state: State::Configuring,
                error: None,
                restarts: 0,
                updated: SystemTime::now(),
                module: None,
            }),
            faults,
            tick_period,
            ticker: Mutex::new(None),
            motion: AtomicU64::new(0),
            queue_limit: AtomicU64::new(nanos(crate::runtime::limits::Limits::default().queue_limit())),
        });
        let task = tokio::spawn(run_ticker(Arc::downgrade(&slot), rx));
        *lock(&slot.ticker) = Some(task);
        slot
    }

    pub fn status(&self) -> Status {
        lock(&self.status).clone()
    }

    pub fn is_ready(&self) -> bool {
        lock(&self.status).state == State::Ready
    }

    /// Being built or waiting for its dependencies: not failed, not yet there.
    pub fn is_configuring(&self) -> bool {
        lock(&self.status).state == State::Configuring
    }

    pub fn set_state(&self, state: State, error: Option<String>) {
        let mut s = lock(&self.status);
        if s.state != state || s.error != error {
            s.state = state;
            s.error = error;
            s.updated = SystemTime::now();
        }
    }

    /// Starts a new motion epoch (a motion command or a stop) and returns it.
    pub fn begin_motion(&self) -> u64 {
        self.motion.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The current motion epoch.
    pub fn motion(&self) -> u64 {
        self.motion.load(Ordering::SeqCst)
    }

    /// Calls the resource for a client. Waiting for it may be abandoned by
    /// the caller; once the guest is entered, the call runs to its end
    /// ([`run_to_end`]).
    pub async fn call(self: &Arc<Self>, call: Call) -> Result<Reply, CallError> {
        self.call_from(call, Caller::Client).await
    }

    /// Calls the resource for another guest, which depends on it: part of
    /// that guest's call, so it does not count as a call arriving (see
    /// `runtime/priority.rs`: a long call would pause for its own).
    pub async fn call_as_dependency(self: &Arc<Self>, call: Call) -> Result<Reply, CallError> {
        self.call_from(call, Caller::Guest).await
    }

    async fn call_from(self: &Arc<Self>, call: Call, caller: Caller) -> Result<Reply, CallError> {
        let method = call.method();
        let started = Instant::now();
        let queue_limit = Duration::from_nanos(self.queue_limit.load(Ordering::Relaxed));
        let Ok(mut guard) = within(after(started, queue_limit), self.instance.clone().lock_owned()).await else {
            let error = CallError::new(
                Code::DeadlineExceeded,
                format!(
                    "resource {:?} stayed busy for {queue_limit:?} (earlier calls or a reconfiguration)",
                    self.name.name
                ),
            );
            self.meters.record(method, started.elapsed(), Some(error.code));
            return Err(error);
        };
        // Noted once it has the resource: callers queued behind a long call
        // on this resource must not make it pause, and so wait longer.
        if caller == Caller::Client {
            priority::call_started();
        }
        let slot = self.clone();
        run_to_end(async move {
            let answer = match guard.as_mut() {
                None => Err(slot.not_ready()),
                Some(instance) => {
                    let entered = instance.invoke(slot.kind, call).await;
                    slot.settle(&mut guard, entered, method)
                }
            };
            slot.meters
                .record(method, started.elapsed(), answer.as_ref().err().map(|e| e.code));
            answer
        })
        .await
    }

    /// Delivers one background tick (to its end, like a call: the ticker
    /// is aborted on close).
    async fn tick(self: &Arc<Self>) {
        let mut guard = self.instance.clone().lock_owned().await;
        let slot = self.clone();
        run_to_end(async move {
            let Some(instance) = guard.as_mut() else { return };
            let entered = instance.tick().await;
            if let Err(e) = slot.settle(&mut guard, entered, "tick") {
                tracing::warn!(resource = %slot.name, "tick failed: {e}");
            }
        })
        .await;
    }

    /// The gauge this resource's sandboxes report their memory to.
    pub fn memory_gauge(&self) -> prometheus_client::metrics::gauge::Gauge {
        METRICS.guest_memory(self.meters.labels())
    }

    /// After a guest call: pick up a new tick period, or retire a dead sandbox.
    fn settle<T>(&self, guard: &mut Option<Instance>, entered: Entered<T>, method: &str) -> Result<T, CallError> {
        match entered {
            Ok(answer) => {
                // Only a call that used `scheduler.every` touches the ticker.
                if let Some(period) = guard.as_mut().and_then(Instance::take_tick_change) {
                    self.tick_period.send_replace(period);
                }
                answer
            }
            Err(fault) => {
                // The Store is poisoned: drop it, and with it its memory. Freeing
                // a large memory takes a while; do it off the serving threads.
                if let Some(mut dead) = guard.take() {
                    // Its share of the machine budget now, so that the
                    // rebuild is not refused for memory about to be freed.
                    dead.release_machine_budget();
                    tokio::task::spawn_blocking(move || drop(dead));
                }
                self.tick_period.send_replace(None);
                let message = format!("{method} {fault}");
                tracing::error!(resource = %self.name, "{message}; rebuilding");
                self.set_state(State::Unhealthy, Some(message.clone()));
                let _ = self.faults.send(self.name.clone());
                let mut error = CallError::from(fault);
                error.message = format!("resource {:?} {message}", self.name.name);
                Err(error)
            }
        }
    }

    fn not_ready(&self) -> CallError {
        let s = self.status();
        let why = match (&s.state, &s.error) {
            (_, Some(e)) => e.clone(),
            (State::Configuring, None) => "it is being configured".into(),
            (state, None) => format!("it is {state:?}"),
        };
        CallError::unavailable(format!("resource {:?} is not available: {why}", self.name.name))
    }

    /// Runs `f` with exclusive access to the sandbox slot (build, reconfigure,
    /// swap): calls arriving meanwhile wait for it.
    pub async fn with_instance<R>(&self, f: impl AsyncFnOnce(&mut Option<Instance>) -> R) -> R {
        let mut guard = self.instance.lock().await;
        let r = f(&mut guard).await;
        if let Some(sandbox) = guard.as_mut() {
            sandbox.take_tick_change();
            let period = sandbox.tick_period();
            self.tick_period.send_if_modified(|p| replace_if_changed(p, period));
            self.queue_limit.store(nanos(sandbox.queue_limit()), Ordering::Relaxed);
            lock(&self.status).module = Some(sandbox.provider());
        }
        r
    }

    /// Whether a sandbox is installed (the resource can serve).
    pub async fn has_instance(&self) -> bool {
        self.instance.lock().await.is_some()
    }

    /// Marks a freshly installed sandbox as healthy.
    pub fn mark_ready(&self, rebuilt: bool) {
        if rebuilt {
            lock(&self.status).restarts += 1;
            METRICS.restarted(self.meters.labels());
        }
        self.set_state(State::Ready, None);
    }

    /// Closes the resource: ticks stop first, then the guest's destructor runs.
    pub async fn close(&self) {
        self.set_state(State::Removing, None);
        if let Some(task) = lock(&self.ticker).take() {
            task.abort();
        }
        self.tick_period.send_replace(None);
        let sandbox = self.instance.lock().await.take();
        if let Some(sandbox) = sandbox {
            sandbox.close().await;
        }
    }
}

impl Drop for ResourceSlot {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.ticker).take() {
            task.abort();
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn replace_if_changed(current: &mut Option<Duration>, new: Option<Duration>) -> bool {
    if *current == new {
        false
    } else {
        *current = new;
        true
    }
}

/// A poisoned std mutex here only means a panic elsewhere while holding it;
/// the data (status fields) is still coherent, so keep going.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Delivers ticks at the period the guest asked for, between calls.
async fn run_ticker(slot: Weak<ResourceSlot>, mut period: watch::Receiver<Option<Duration>>) {
    loop {
        let current = *period.borrow_and_update();
        match current {
            None => {
                if period.changed().await.is_err() {
                    return;
                }
            }
            Some(p) => {
                tokio::select! {
                    _ = tokio::time::sleep(p) => {
                        let Some(slot) = slot.upgrade() else { return };
                        slot.tick().await;
                    }
                    changed = period.changed() => if changed.is_err() { return },
                }
            }
        }
    }
}

/// How a capability reaches a slot: a dependency's handle, a granted board
/// or camera.
impl CallTarget for ResourceSlot {
    fn name(&self) -> &ResourceName {
        &self.name
    }

    fn call(self: Arc<Self>, call: Call) -> BoxFuture<'static, Result<Reply, CallError>> {
        // A dependent's motion supersedes a client's, as a client's would:
        // one waiting on the old motion is answered.
        if call.starts_motion() {
            self.begin_motion();
        }
        Box::pin(async move { self.call_as_dependency(call).await })
    }
}
