//! `serial`: ports named by the resource's `serial` grant, opened by the
//! host with the grant's settings. Device I/O blocks, so it runs on
//! tokio's blocking threads, never longer than the call's deadline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::Resource;

use crate::capabilities::state::HostState;
use crate::capabilities::table;
use crate::core::bindings::GuestError;
use crate::core::bindings::armature::module::serial::{Host, HostPort, Port};
use crate::core::error::CallError;
use crate::hardware::serial::{self, MAX_READ, SerialIo};

/// Ports a sandbox may hold open at once (each may be a simulated device
/// with a thread of its own).
const MAX_OPEN: usize = 4;

/// What a guest's `port` handle stands for.
pub struct PortHandle {
    io: Arc<Mutex<SerialIo>>,
}

type Answer<T> = wasmtime::Result<Result<T, GuestError>>;

/// Runs blocking port I/O off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::hardware::HwResult<T> + Send + 'static,
) -> Result<T, GuestError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(|e| GuestError::from(CallError::from(e))),
        Err(e) => Err(GuestError::from(CallError::internal(format!(
            "serial I/O did not finish: {e}"
        )))),
    }
}

impl HostState {
    fn port(&self, handle: &Resource<Port>) -> wasmtime::Result<Arc<Mutex<SerialIo>>> {
        // A handle not in this sandbox's table is a guest bug: trap.
        Ok(table::get::<PortHandle, _>(&self.table, handle)?.io.clone())
    }
}

impl HostPort for HostState {
    async fn open(&mut self, path: String) -> Answer<Resource<Port>> {
        let Some(settings) = self.grants.serial.iter().find(|s| s.path == path).cloned() else {
            let granted: Vec<&str> = self.grants.serial.iter().map(|s| s.path.as_str()).collect();
            let what = format!(
                "serial port {:?} (granted: {})",
                crate::capabilities::guest_text::bounded(&path, 256),
                if granted.is_empty() {
                    "none".to_string()
                } else {
                    granted.join(", ")
                }
            );
            return Ok(Err(self.grants.denials.refuse(&self.resource, "serial", &what)));
        };
        if self.open_ports >= MAX_OPEN {
            return Ok(Err(GuestError::from(CallError::new(
                crate::core::error::Code::ResourceExhausted,
                format!("at most {MAX_OPEN} serial ports may be open at once"),
            ))));
        }
        let io = match blocking(move || serial::open(&settings)).await {
            Ok(io) => io,
            Err(e) => return Ok(Err(e)),
        };
        let handle = table::push(
            &mut self.table,
            PortHandle {
                io: Arc::new(Mutex::new(io)),
            },
        )?;
        self.open_ports += 1;
        Ok(Ok(handle))
    }

    async fn read(&mut self, handle: Resource<Port>, max_bytes: u32, timeout_ms: u32) -> Answer<Vec<u8>> {
        let io = self.port(&handle)?;
        let max = (max_bytes as usize).min(MAX_READ);
        let timeout = Duration::from_millis(timeout_ms.into()).min(self.time_left());
        Ok(blocking(move || io.lock().unwrap_or_else(|e| e.into_inner()).read(max, timeout)).await)
    }

    async fn write(&mut self, handle: Resource<Port>, data: Vec<u8>) -> Answer<()> {
        let io = self.port(&handle)?;
        Ok(blocking(move || io.lock().unwrap_or_else(|e| e.into_inner()).write(&data)).await)
    }

    async fn drop(&mut self, handle: Resource<Port>) -> wasmtime::Result<()> {
        table::delete::<PortHandle, _>(&mut self.table, handle)?;
        self.open_ports = self.open_ports.saturating_sub(1);
        Ok(())
    }
}

impl Host for HostState {}
