//! A sandbox: one wasmtime Store hosting one resource of one module, with
//! its memory cap and per-call deadline. A trap poisons a Store for good, so
//! every method that enters the guest reports a [`Fault`] separately from
//! the guest's own errors: on a fault the owner drops the sandbox and builds
//! a new one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Resource, ResourceAny};
use wasmtime::{Store, Trap, UpdateDeadline};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

use crate::apis::call::{Call, Reply};
pub use crate::capabilities::grants::Grants;
use crate::capabilities::state::HostState;
use crate::capabilities::target::DependencyHandle;
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::deps::Dependency;
use crate::core::bindings::{self, GuestConfig, GuestDependencies, ModelInfo, ReconfigureOutcome};
use crate::core::error::{CallError, Code};
use crate::runtime::engine::{guest_computing, guest_entered};
use crate::runtime::limits::{Limits, MemoryLimiter, Refusal};
use crate::runtime::machine_memory::MACHINE_MEMORY;
use crate::runtime::module::LoadedModule;
use crate::runtime::priority::{LONG_CALL, LONG_CALL_PAUSE, others_called_recently};
use crate::runtime::state::SandboxState;
use crate::runtime::wall_clock::{Elapsed, after, within};

/// The guest path of the granted data folder.
pub const DATA_DIR: &str = "/data";

const STDERR_CAPACITY: usize = 16 << 10;

/// Why a sandbox can no longer be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error("exceeded its deadline of {0:?}")]
    Deadline(Duration),
    #[error("ran out of memory (limit {} MiB)", .0 >> 20)]
    Memory(usize),
    #[error(
        "ran out of memory: the machine's guest memory budget (limits.machine_memory_mb) of {} MiB is spent",
        .0 >> 20
    )]
    MachineMemory(usize),
    #[error("trapped: {0}")]
    Trap(String),
    #[error("its compiled code could not be loaded: {0}")]
    Code(String),
}

impl From<Fault> for CallError {
    fn from(f: Fault) -> Self {
        let code = match f {
            Fault::Deadline(_) => Code::DeadlineExceeded,
            Fault::Memory(_) | Fault::MachineMemory(_) => Code::ResourceExhausted,
            Fault::Trap(_) | Fault::Code(_) => Code::Internal,
        };
        CallError::new(code, f.to_string())
    }
}

/// The result of entering the guest: a fault (the sandbox is dead) or the
/// guest's own answer.
pub type Entered<T> = Result<Result<T, CallError>, Fault>;

pub struct Sandbox {
    store: Store<SandboxState>,
    guest: bindings::Guest,
    instance: Option<ResourceAny>,
    limits: Limits,
    module: Arc<LoadedModule>,
}

impl Sandbox {
    /// Instantiates `module` in a new Store for `resource`.
    pub async fn start(
        module: &Arc<LoadedModule>,
        resource: &str,
        limits: Limits,
        grants: &Grants,
    ) -> Result<Self, Fault> {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        // No sockets, no environment, no arguments, no files but a granted
        // data folder: only what `std` needs to run (clocks, random, stderr).
        let mut wasi = WasiCtx::builder();
        wasi.stderr(stderr.clone());
        if let Some(dir) = &grants.data_dir {
            let opened = dir
                .open()
                .map_err(|e| Fault::Trap(format!("opening the data folder {dir}: {e}")))?;
            // The folder just opened, by descriptor: no path is resolved again.
            wasi.preopened_dir(
                crate::capabilities::data_dir::proc_path(&opened),
                DATA_DIR,
                wasmtime_wasi::FsPerms::ReadWrite,
            )
            .map_err(|e| Fault::Trap(format!("granting the data folder {dir}: {e}")))?;
        }
        let wasi = wasi.build();
        let state = SandboxState {
            host: HostState::new(resource, grants.clone()),
            wasi,
            limiter: MemoryLimiter::new(limits.memory_bytes),
            entered: Instant::now(),
            stderr,
        };
        let mut store = Store::new(module.engine(), state);
        store.limiter(|s| &mut s.limiter);
        store.epoch_deadline_callback(|cx| {
            // Once per epoch, a running guest yields its thread so other
            // resources get served, and is stopped when its budget is spent.
            // tokio's yield_now puts the task at the back of the queue; a
            // plain self-wake would run it again at once (tokio's LIFO slot),
            // starving everything else on that worker. A long call on a busy
            // machine also pauses (runtime/priority.rs).
            let now = Instant::now();
            let state = cx.data();
            if now >= state.host.deadline {
                return Ok(UpdateDeadline::Interrupt);
            }
            guest_computing(state.entered, now);
            // Computing: the time since entry, less what it waited on its
            // dependencies (whose own calls count for themselves).
            let computing = now.duration_since(state.entered).saturating_sub(state.host.waited);
            if computing >= LONG_CALL && others_called_recently(state.entered, now) {
                // The yield after the sleep sends it to the back of the
                // queue: woken by the timer it would otherwise run first.
                Ok(UpdateDeadline::YieldCustom(
                    1,
                    Box::pin(async {
                        tokio::time::sleep(LONG_CALL_PAUSE).await;
                        tokio::task::yield_now().await;
                    }),
                ))
            } else {
                Ok(UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now())))
            }
        });
        // Before the clock starts: loading the code is the host's time.
        let code = module.code().await.map_err(Fault::Code)?;
        let deadline = arm(&mut store, limits.construct_timeout);
        let guest = match bounded(deadline, code.instantiate_async(&mut store)).await {
            Ok(g) => g,
            Err(e) => return Err(classify(&store, &limits, limits.construct_timeout, e)),
        };
        Ok(Self {
            store,
            guest,
            instance: None,
            limits,
            module: module.clone(),
        })
    }

    pub fn module(&self) -> &Arc<LoadedModule> {
        &self.module
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Reports this sandbox's memory to `gauge` (`/metrics`) from now on.
    pub fn report_memory_to(&mut self, gauge: prometheus_client::metrics::gauge::Gauge) {
        self.store.data_mut().limiter.report_to(gauge);
    }

    /// Gives this sandbox's memory back to the machine budget now, before
    /// the (slow) drop of a dead sandbox frees it.
    pub fn release_machine_budget(&mut self) {
        self.store.data_mut().limiter.release_machine_budget();
    }

    /// Bytes of linear memory the guest holds.
    pub fn memory_bytes(&self) -> usize {
        self.store.data().limiter.used_bytes()
    }

    /// The tick period the guest asked for.
    pub fn tick_period(&self) -> Option<Duration> {
        self.store.data().host.tick_period
    }

    /// The new tick period, if the guest changed it since the last look.
    pub fn take_tick_change(&mut self) -> Option<Option<Duration>> {
        let state = self.store.data_mut();
        std::mem::take(&mut state.host.tick_changed).then_some(state.host.tick_period)
    }

    fn settle<T>(&mut self, budget: Duration, r: wasmtime::Result<Result<T, bindings::GuestError>>) -> Entered<T> {
        match r {
            Ok(answer) => Ok(answer.map_err(CallError::from)),
            Err(e) => Err(classify(&self.store, &self.limits, budget, e)),
        }
    }

    pub async fn models(&mut self) -> Result<Vec<ModelInfo>, Fault> {
        let budget = self.limits.validate_timeout;
        let deadline = arm(&mut self.store, budget);
        let r = bounded(deadline, self.guest.v1.model.call_models(&mut self.store)).await;
        r.map_err(|e| classify(&self.store, &self.limits, budget, e))
    }

    pub async fn validate(&mut self, config: &GuestConfig) -> Entered<GuestDependencies> {
        let budget = self.limits.validate_timeout;
        let deadline = arm(&mut self.store, budget);
        let r = bounded(deadline, self.guest.v1.model.call_validate(&mut self.store, config)).await;
        self.settle(budget, r)
    }

    fn push_deps(&mut self, deps: Vec<DependencyHandle>) -> Result<Vec<Resource<Dependency>>, Fault> {
        deps.into_iter()
            .map(|d| {
                crate::capabilities::table::push(&mut self.store.data_mut().host.table, d)
                    .map_err(|e| Fault::Trap(format!("dependency table: {e}")))
            })
            .collect()
    }

    /// Builds the resource this sandbox hosts.
    pub async fn construct(&mut self, config: &GuestConfig, deps: Vec<DependencyHandle>) -> Entered<()> {
        let budget = self.limits.construct_timeout;
        let handles = self.push_deps(deps)?;
        let deadline = arm(&mut self.store, budget);
        let r = bounded(
            deadline,
            self.guest.v1.model.call_construct(&mut self.store, config, &handles),
        )
        .await;
        let answer = self.settle(budget, r)?;
        Ok(answer.map(|instance| self.instance = Some(instance)))
    }

    pub async fn reconfigure(
        &mut self,
        config: &GuestConfig,
        deps: Vec<DependencyHandle>,
    ) -> Entered<ReconfigureOutcome> {
        let instance = self.instance()?;
        let budget = self.limits.construct_timeout;
        let handles = self.push_deps(deps)?;
        let deadline = arm(&mut self.store, budget);
        let r = bounded(
            deadline,
            self.guest
                .v1
                .model
                .instance()
                .call_reconfigure(&mut self.store, instance, config, &handles),
        )
        .await;
        self.settle(budget, r)
    }

    fn instance(&self) -> Result<ResourceAny, Fault> {
        self.instance
            .ok_or_else(|| Fault::Trap("the resource was not constructed".into()))
    }

    pub async fn tick(&mut self) -> Entered<()> {
        let instance = self.instance()?;
        let budget = self.limits.call_timeout;
        let deadline = arm(&mut self.store, budget);
        let r = bounded(
            deadline,
            self.guest.v1.model.instance().call_tick(&mut self.store, instance),
        )
        .await;
        self.settle(budget, r)
    }

    /// Runs one API call on the hosted resource, of API `kind`.
    pub async fn invoke(&mut self, kind: ApiKind, call: Call) -> Entered<Reply> {
        let r = self.instance()?;
        let budget = self.limits.call_timeout;
        let deadline = arm(&mut self.store, budget);
        let entry = crate::apis::guest::enter(kind, &self.guest, &mut self.store, r, call);
        let result = bounded(deadline, entry).await;
        self.settle(budget, result)
    }

    /// Closes the resource (0.2.0's explicit close, then the guest's
    /// destructor) and frees the Store.
    pub async fn close(mut self) {
        if let Some(instance) = self.instance.take() {
            if let Some(added) = &self.guest.added {
                let deadline = arm(&mut self.store, self.limits.call_timeout);
                let closing = added.lifecycle.call_close(&mut self.store, instance);
                match bounded(deadline, closing).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(
                        resource = %self.store.data().host.resource,
                        "close failed: {}",
                        e.message
                    ),
                    // A dead Store cannot run the destructor either.
                    Err(e) => {
                        tracing::warn!(resource = %self.store.data().host.resource, "close trapped: {e:#}");
                        return;
                    }
                }
            }
            let deadline = arm(&mut self.store, self.limits.call_timeout);
            if let Err(e) = bounded(deadline, instance.resource_drop_async(&mut self.store)).await {
                tracing::warn!(resource = %self.store.data().host.resource, "close trapped: {e:#}");
            }
        }
    }
}

/// Gives the next guest entry `budget` of wall-clock time, and returns
/// when that runs out.
fn arm(store: &mut Store<SandboxState>, budget: Duration) -> Instant {
    let now = Instant::now();
    guest_entered(now);
    let state = store.data_mut();
    state.entered = now;
    let deadline = after(now, budget);
    state.host.deadline = deadline;
    state.host.waited = Duration::ZERO;
    state.limiter.clear_refusal();
    store.set_epoch_deadline(1);
    deadline
}

/// Awaits a guest entry, never past `deadline`: the epoch stops wasm that
/// runs, this stops a guest that waits in a host call (a sleep, a `poll`, a
/// slow device). Cut off there, the Store is left mid-call and unusable,
/// which the caller reports as a deadline fault, so the owner rebuilds it.
async fn bounded<T>(deadline: Instant, entry: impl Future<Output = wasmtime::Result<T>>) -> wasmtime::Result<T> {
    within(deadline, entry)
        .await
        .unwrap_or_else(|Elapsed| Err(wasmtime::Error::new(Trap::Interrupt)))
}

/// Turns a wasmtime error into the reason the sandbox died.
fn classify(store: &Store<SandboxState>, limits: &Limits, budget: Duration, e: wasmtime::Error) -> Fault {
    let state = store.data();
    match state.limiter.refused() {
        Some(Refusal::Sandbox) => return Fault::Memory(limits.memory_bytes),
        Some(Refusal::Machine) => return Fault::MachineMemory(MACHINE_MEMORY.limit()),
        None => {}
    }
    if matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
        return Fault::Deadline(budget);
    }
    // The trap itself; wasm backtraces and host context go to the debug log.
    tracing::debug!(resource = %state.host.resource, "guest fault: {e:?}");
    let mut message = match e.downcast_ref::<Trap>() {
        Some(Trap::StackOverflow) => "stack overflow (the wasm stack is limited to 512 KiB)".to_string(),
        Some(trap) => trap.to_string(),
        None => format!("{e:#}").lines().next().unwrap_or_default().to_string(),
    };
    // A Rust guest prints "thread '..' panicked at file:line:col:" and then
    // the message to stderr before it aborts.
    if let Some(panic) = panic_message(&String::from_utf8_lossy(&state.stderr.contents())) {
        message = format!("{panic} ({message})");
    }
    Fault::Trap(crate::capabilities::guest_text::bounded(&message, 2048))
}

/// The last panic message in a guest's stderr, with its location.
fn panic_message(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines.iter().rposition(|l| l.contains("panicked at"))?;
    let location = lines[at]
        .split("panicked at ")
        .nth(1)
        .unwrap_or("")
        .trim_end_matches(':');
    let text = lines.get(at + 1).copied().unwrap_or("");
    Some(crate::capabilities::guest_text::bounded(
        &format!("panicked: {text} at {location}"),
        512,
    ))
}

#[cfg(test)]
mod tests {
    use super::panic_message;

    #[test]
    fn finds_the_panic_message_after_the_location_line() {
        let stderr =
            "noise\nthread '<unnamed>' (1) panicked at src/lib.rs:25:13:\nboom\nnote: run with RUST_BACKTRACE=1\n";
        assert_eq!(panic_message(stderr).unwrap(), "panicked: boom at src/lib.rs:25:13");
        assert_eq!(panic_message("nothing"), None);
    }
}
