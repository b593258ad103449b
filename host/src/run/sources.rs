//! The module sources a machine of this host has: the registry (kept
//! current by its watch loop) and the inline store, both under the state
//! folder.

use std::path::Path;
use std::sync::Arc;

use crate::config::MachineConfig;
use crate::registry::resolver::Resolver;
use crate::resources::machine::Machine;
use crate::resources::sources::ModuleSource;
use crate::runtime::component::Runtime;

/// Starts a machine with the registry and inline sources, the host's
/// built-in models, and the loop that keeps its registry modules current.
pub async fn start_machine(
    runtime: Arc<Runtime>,
    config: MachineConfig,
    modules_flag: Option<std::path::PathBuf>,
    state_dir: std::path::PathBuf,
) -> Arc<Machine> {
    let registry = Arc::new(Resolver::open(&state_dir));
    let sources = sources(registry.clone(), &state_dir);
    let machine = Machine::start(
        runtime,
        config,
        modules_flag,
        state_dir,
        sources,
        crate::builtin::MODELS,
    )
    .await;
    tokio::spawn(crate::registry::watch::watch(Arc::downgrade(&machine), registry));
    machine
}

/// The sources, with the registry resolving into `registry`'s cache.
pub fn sources(registry: Arc<Resolver>, state_dir: &Path) -> Vec<Arc<dyn ModuleSource>> {
    vec![Arc::new(crate::inline::store::Store::open(state_dir)), registry]
}
