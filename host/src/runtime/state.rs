//! What a sandbox's Store holds: the state every host import of the guest
//! sees (capabilities implement their WIT interfaces on it), and nothing
//! else of the host.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::capabilities::grants::Grants;
use crate::capabilities::log::LogBudget;
use crate::runtime::limits::MemoryLimiter;

/// What the guest may see of the host is in here, and nothing else.
pub struct SandboxState {
    /// The resource this sandbox hosts, for logs.
    pub(crate) resource: Arc<str>,
    pub(super) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(super) limiter: MemoryLimiter,
    /// When the call in progress started, and when it must end.
    pub(super) entered: Instant,
    pub(super) deadline: Instant,
    /// Asked for through `scheduler.every`.
    pub(crate) tick_period: Option<Duration>,
    /// Set by `scheduler.every`, so that the owner looks at the period only
    /// after calls that changed it.
    pub(crate) tick_changed: bool,
    /// The guest's stderr (panic messages), bounded.
    pub(super) stderr: MemoryOutputPipe,
    pub(crate) log: LogBudget,
    /// Hardware and folders this sandbox may use.
    pub(crate) grants: Grants,
    /// Serial ports the guest holds open.
    pub(crate) open_ports: usize,
}

impl SandboxState {
    /// Time left before the call in progress must end: a host import that
    /// waits (for a serial byte, an edge) never waits longer.
    pub(crate) fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
