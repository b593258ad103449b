//! `scheduler`: a guest asks for ticks; the resource's owner reads the
//! period after each call and delivers ticks between calls.

use std::time::Duration;

use crate::capabilities::state::HostState;
use crate::core::bindings::armature::module::scheduler::Host;

/// The shortest tick period granted.
pub const MIN_TICK: Duration = Duration::from_millis(10);

impl Host for HostState {
    async fn every(&mut self, period_ms: u32) -> wasmtime::Result<()> {
        self.tick_period = match period_ms {
            0 => None,
            ms => Some(Duration::from_millis(ms.into()).max(MIN_TICK)),
        };
        self.tick_changed = true;
        Ok(())
    }
}
