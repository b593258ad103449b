//! What a sandbox's Store holds: the state the guest's imports see
//! ([`HostState`], the capabilities' own), and beside it what only the
//! runtime sees: WASI, the memory limiter, the call's entry time, stderr.

use std::time::Instant;

use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::capabilities::state::HostState;
use crate::runtime::limits::MemoryLimiter;

/// What the guest may see of the host is in here, and nothing else.
pub struct SandboxState {
    pub(crate) host: HostState,
    pub(super) wasi: WasiCtx,
    pub(super) limiter: MemoryLimiter,
    /// When the call in progress started (it must end by `host.deadline`).
    pub(super) entered: Instant,
    /// The guest's stderr (panic messages), bounded.
    pub(super) stderr: MemoryOutputPipe,
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.host.table,
        }
    }
}
