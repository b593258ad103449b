//! What a sandbox may touch, resolved by the supervisor from the
//! resource's config, and the record of what it was refused.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::capabilities::target::CallTarget;
use crate::core::bindings::{ErrorCode, GuestError};
use crate::hardware::serial::SerialSettings;

/// Pins of one board resource.
#[derive(Clone)]
pub struct GpioGrant {
    pub board: Arc<dyn CallTarget>,
    pub pins: BTreeSet<String>,
}

/// Everything beyond computing that a sandbox is granted: nothing by default.
#[derive(Clone, Default)]
pub struct Grants {
    /// A host folder the guest sees as `/data`, read-write. It is opened
    /// without following links (`capabilities::data_dir`), and WASI
    /// resolves every path inside it (cap-std): no `..`, symlink or
    /// absolute path leads out.
    pub data_dir: Option<crate::capabilities::data_dir::DataDir>,
    pub gpio: Option<GpioGrant>,
    pub serial: Vec<SerialSettings>,
    pub camera: Option<Arc<dyn CallTarget>>,
    /// Shared by every sandbox of the resource, so that counts survive rebuilds.
    pub denials: Arc<Denials>,
}

/// Refused capability calls of one resource: counted, and logged once per kind.
#[derive(Debug, Default)]
pub struct Denials {
    count: AtomicU64,
    logged: Mutex<HashSet<&'static str>>,
}

impl Denials {
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Records a refusal and builds the guest's error, naming the resource
    /// and what it reached for.
    pub fn refuse(&self, resource: &str, kind: &'static str, what: &str) -> GuestError {
        let n = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        let first = self.logged.lock().unwrap_or_else(|e| e.into_inner()).insert(kind);
        let message =
            crate::capabilities::guest_text::bounded(&format!("resource {resource} is not granted {what}"), 512);
        if first {
            tracing::warn!(
                resource,
                kind,
                refusals = n,
                "permission denied: {message} (logged once per resource and kind)"
            );
        }
        GuestError {
            code: ErrorCode::PermissionDenied,
            message,
        }
    }
}
