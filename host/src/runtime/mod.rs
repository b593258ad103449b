//! The WebAssembly runtime: one engine, a compile cache, module loading and
//! the per-resource sandbox.

pub mod cache;
pub mod component;
pub mod engine;
pub mod incremental;
pub mod limits;
pub mod machine_memory;
pub mod module;
pub mod priority;
pub mod sandbox;
pub mod state;
pub mod wall_clock;
pub mod workers;
