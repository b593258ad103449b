//! Resources: the table of slots, the dependency graph, the lifecycle
//! supervisor and client sessions.

pub mod graph;
pub mod instance;
pub mod machine;
pub mod modules;
pub mod native;
pub mod reload;
pub mod run_to_end;
pub mod sessions;
pub mod slot;
pub mod sources;
