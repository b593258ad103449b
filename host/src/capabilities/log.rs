//! `log`: guest log lines into the host's log, tagged with the resource,
//! bounded in length, escaped, and rate-limited per sandbox.

use crate::capabilities::guest_text::bounded;
use crate::capabilities::state::HostState;
use crate::core::bindings::armature::module::log::{Host, Level};

/// Longest guest log line kept, in characters.
const MAX_LINE: usize = 1024;

impl Host for HostState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        if !self.log.take(&self.resource) {
            return Ok(());
        }
        let resource = &*self.resource;
        let message = bounded(&message, MAX_LINE);
        match level {
            Level::Trace => tracing::trace!(resource, "{message}"),
            Level::Debug => tracing::debug!(resource, "{message}"),
            Level::Info => tracing::info!(resource, "{message}"),
            Level::Warn => tracing::warn!(resource, "{message}"),
            Level::Error => tracing::error!(resource, "{message}"),
        }
        Ok(())
    }
}
