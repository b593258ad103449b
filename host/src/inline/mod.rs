//! Inline modules: Python modules written in the control panel (or pushed
//! with `armature inline push`), built on the machine with componentize-py
//! and swapped in under load. Every successful deploy is a new version
//! 0.0.N, kept with its source under the state folder (`store`); a rollback
//! is a deploy of an older version's source.
//!
//! Uploading code is the most a client can do, so the HTTP side (`http`)
//! is served only with the panel, needs an API key when keys are on, and
//! on an open machine answers loopback clients only.

pub mod cli;
pub mod deploy;
pub mod status;
pub mod store;
pub mod templates;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::resources::machine::Machine;

pub use status::{DeployState, DeployStatus};

/// Longest source accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// The inline modules of one running host.
pub struct Inline {
    pub(crate) machine: Arc<Machine>,
    pub(crate) store: store::Store,
    /// The config file deploys and added resources are written to; None
    /// when something else owns the config (a fleet).
    pub(crate) config_file: Option<PathBuf>,
    /// One deploy at a time: a build takes a core for seconds.
    pub(crate) deploying: tokio::sync::Mutex<()>,
    /// The last deploy of each module, as the panel and CLI follow it.
    pub(crate) deploys: Mutex<HashMap<String, DeployStatus>>,
    pub(crate) next_id: std::sync::atomic::AtomicU64,
}

impl Inline {
    pub fn new(machine: Arc<Machine>, state_dir: &std::path::Path, config_file: Option<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            machine,
            store: store::Store::open(state_dir),
            config_file,
            deploying: tokio::sync::Mutex::new(()),
            deploys: Mutex::new(HashMap::new()),
            next_id: std::sync::atomic::AtomicU64::new(1),
        })
    }

    pub fn store(&self) -> &store::Store {
        &self.store
    }

    /// The last deploy of `name`, if any since the host started.
    pub fn last_deploy(&self, name: &str) -> Option<DeployStatus> {
        self.deploys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    fn record(&self, status: &DeployStatus) {
        self.deploys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(status.module.clone(), status.clone());
    }
}
