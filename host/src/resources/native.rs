//! Resources the host serves itself, with no `.wasm` (a board, a camera,
//! the data manager): what such a model is, and how a slot runs one. The
//! models are a feature above the machine (`builtin`), handed to it as a
//! table by whoever starts it.

use std::sync::{Arc, Mutex};

use crate::apis::call::{Call, Reply};
use crate::config::ResourceConfig;
use crate::core::error::CallError;

/// The module name built-in models report in status.
pub const MODULE: &str = "builtin";

/// A resource served natively.
pub trait NativeResource: Send {
    /// One call. Runs on a blocking thread when [`NativeResource::blocks`].
    fn call(&mut self, call: Call) -> Result<Reply, CallError>;
    /// Whether calls may block (device I/O, waiting for a frame).
    fn blocks(&self) -> bool;
}

/// One built-in model.
pub struct BuiltinModel {
    pub api: &'static str,
    pub model: &'static str,
    /// Checks the attributes without opening any device; errors name the attribute.
    pub validate: fn(&ResourceConfig) -> Result<(), String>,
    /// Opens the device and builds the resource.
    pub build: fn(&ResourceConfig) -> Result<Box<dyn NativeResource>, String>,
    /// Whether an instance holds a device only one owner may open (GPIO
    /// lines, a streaming camera): the kernel says EBUSY to a second open,
    /// so a reconfigured resource closes the old instance before building
    /// the new one rather than beside it.
    pub exclusive: bool,
}

impl std::fmt::Debug for BuiltinModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.model, self.api)
    }
}

/// A running built-in resource, as a slot holds it.
pub struct NativeInstance {
    pub model: &'static BuiltinModel,
    inner: Arc<Mutex<Box<dyn NativeResource>>>,
    blocks: bool,
}

impl NativeInstance {
    pub fn build(model: &'static BuiltinModel, config: &ResourceConfig) -> Result<Self, String> {
        let resource = (model.build)(config)?;
        Ok(Self {
            model,
            blocks: resource.blocks(),
            inner: Arc::new(Mutex::new(resource)),
        })
    }

    pub async fn call(&self, call: Call) -> Result<Reply, CallError> {
        let inner = self.inner.clone();
        let run = move || inner.lock().unwrap_or_else(|e| e.into_inner()).call(call);
        if self.blocks {
            tokio::task::spawn_blocking(run)
                .await
                .map_err(|e| CallError::internal(format!("the device call did not finish: {e}")))?
        } else {
            run()
        }
    }
}
