//! Where modules come from besides the modules folder: a registry, the
//! inline store. Each is a feature above the machine; the machine asks them
//! through [`ModuleSource`] and knows none of them. Whoever starts the
//! machine (`run`, module mode) hands it the sources it has.

use std::path::Path;

use futures::future::BoxFuture;

use crate::config::{MachineConfig, ModuleEntry};
use crate::resources::modules::ModuleFile;

/// Where a loaded module came from, for status.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// `host/repository:version`.
    pub reference: String,
    pub spec: String,
    pub digest: String,
    /// Why it is not current: the registry cannot be read, or a newer
    /// version was refused.
    pub error: Option<String>,
}

/// A source of module files for the config's module entries it serves.
pub trait ModuleSource: Send + Sync {
    /// Whether `entry` is this source's to resolve.
    fn serves(&self, entry: &ModuleEntry) -> bool;

    /// The file of the version of `entry` to load.
    fn file_for<'a>(
        &'a self,
        entry: &'a ModuleEntry,
        config: &'a MachineConfig,
    ) -> BoxFuture<'a, Result<ModuleFile, String>>;

    /// Where a loaded module's file came from, for status; asked afresh
    /// each time (a registry check fails or recovers between applies).
    fn source_of(&self, _module: &str, _path: &Path) -> Option<Source> {
        None
    }

    /// Look for newer versions now (`armature reload`).
    fn check_now(&self) {}
}

/// Which kind of source an entry needs, when it needs one.
pub fn needs_source(entry: &ModuleEntry) -> Option<&'static str> {
    if entry.inline {
        Some("inline")
    } else if entry.registry.is_some() {
        Some("registry")
    } else {
        None
    }
}
