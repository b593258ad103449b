//! What the guest's imports see of their sandbox: the one state every
//! capability implements its WIT interface on (`HasSelf<HostState>` in the
//! linker). The sandbox's Store holds it beside what only the runtime sees
//! (WASI, the memory limiter, stderr), the way wasmtime-wasi's `WasiCtxView`
//! is a view into a Store's data: capabilities never know the Store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;

use crate::capabilities::grants::Grants;
use crate::capabilities::log_budget::LogBudget;

pub struct HostState {
    /// The resource this sandbox hosts, for logs.
    pub(crate) resource: Arc<str>,
    /// Handles the guest holds (dependencies, serial ports), shared with WASI.
    pub(crate) table: ResourceTable,
    /// When the call in progress must end; set by the runtime on each entry.
    pub(crate) deadline: Instant,
    /// How long the call in progress has waited on other resources (its
    /// dependencies, a granted camera): not this guest's computing, so not
    /// counted toward a long call (`runtime/priority.rs`). Reset on each
    /// entry.
    pub(crate) waited: Duration,
    /// Asked for through `scheduler.every`.
    pub(crate) tick_period: Option<Duration>,
    /// Set by `scheduler.every`, so that the owner looks at the period only
    /// after calls that changed it.
    pub(crate) tick_changed: bool,
    pub(crate) log: LogBudget,
    /// Hardware and folders this sandbox may use.
    pub(crate) grants: Grants,
    /// Serial ports the guest holds open.
    pub(crate) open_ports: usize,
}

impl HostState {
    pub fn new(resource: &str, grants: Grants) -> Self {
        Self {
            resource: resource.into(),
            table: ResourceTable::new(),
            deadline: Instant::now(),
            waited: Duration::ZERO,
            tick_period: None,
            tick_changed: false,
            log: LogBudget::default(),
            grants,
            open_ports: 0,
        }
    }

    /// Awaits `work` on another resource, counting the time as waited.
    pub(crate) async fn waiting_on<T>(&mut self, work: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let out = work.await;
        self.waited += started.elapsed();
        out
    }

    /// Time left before the call in progress must end: a host import that
    /// waits (for a serial byte, an edge) never waits longer.
    pub(crate) fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn time_awaiting_another_resource_is_counted_as_waited() {
        let mut state = HostState::new("r", Grants::default());
        let answer = state
            .waiting_on(async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                7
            })
            .await;
        assert_eq!(answer, 7);
        assert!(state.waited >= Duration::from_millis(5), "{:?}", state.waited);
    }
}
