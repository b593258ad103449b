//! What serves a resource: a guest in its sandbox, or a built-in model.
//! The slot holds one of these and does not care which.

use std::time::Duration;

use crate::apis::call::{Call, Reply};
use crate::core::api::ApiKind;
use crate::resources::native::{self, NativeInstance};
use crate::runtime::limits::Limits;
use crate::runtime::sandbox::{Entered, Sandbox};

// One per resource, kept in place inside its slot and rarely moved: boxing
// the sandbox would only add a pointer chase to every call.
#[allow(clippy::large_enum_variant)]
pub enum Instance {
    Wasm(Sandbox),
    Native(NativeInstance),
}

impl Instance {
    pub async fn invoke(&mut self, kind: ApiKind, call: Call) -> Entered<Reply> {
        match self {
            Instance::Wasm(s) => s.invoke(kind, call).await,
            // A built-in model has no sandbox to poison: its errors are answers.
            Instance::Native(n) => Ok(n.call(call).await),
        }
    }

    pub async fn tick(&mut self) -> Entered<()> {
        match self {
            Instance::Wasm(s) => s.tick().await,
            Instance::Native(_) => Ok(Ok(())),
        }
    }

    /// The new tick period, if the guest changed it since the last look.
    pub fn take_tick_change(&mut self) -> Option<Option<Duration>> {
        match self {
            Instance::Wasm(s) => s.take_tick_change(),
            Instance::Native(_) => None,
        }
    }

    pub fn tick_period(&self) -> Option<Duration> {
        match self {
            Instance::Wasm(s) => s.tick_period(),
            Instance::Native(_) => None,
        }
    }

    /// A dead instance's memory goes back to the machine budget at once (see
    /// `Sandbox::release_machine_budget`).
    pub fn release_machine_budget(&mut self) {
        if let Instance::Wasm(s) = self {
            s.release_machine_budget();
        }
    }

    /// See [`Limits::queue_limit`]; a built-in model has the default limits.
    pub fn queue_limit(&self) -> Duration {
        match self {
            Instance::Wasm(s) => s.limits().queue_limit(),
            Instance::Native(_) => Limits::default().queue_limit(),
        }
    }

    /// Module name and version serving the resource.
    pub fn provider(&self) -> (String, String) {
        match self {
            Instance::Wasm(s) => (s.module().name.clone(), s.module().version()),
            Instance::Native(_) => (native::MODULE.into(), env!("CARGO_PKG_VERSION").into()),
        }
    }

    pub async fn close(self) {
        match self {
            Instance::Wasm(s) => s.close().await,
            // Devices close on drop; a blocking close stays off the serving threads.
            Instance::Native(n) => drop(tokio::task::spawn_blocking(move || drop(n)).await),
        }
    }
}
