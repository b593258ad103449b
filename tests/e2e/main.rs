//! Every end-to-end test, one module per area: a real `armature` process,
//! real `.wasm` modules built from `examples/` and `tests/fixtures/`, real
//! clients over loopback. One binary, so the host is linked once.
//!
//! Run one area with `cargo test --release -p armature-tests --test e2e
//! reload::`. The `hw_vm` tests are ignored here: they run inside the
//! hardware VM (`cargo xtask hw-vm-test`).

mod actuators;
mod auth;
mod bad_input;
mod cargo_component;
mod contracts;
#[path = "core.rs"]
mod core_api;
mod deadlines;
mod dependency_calls;
mod faults;
mod fleet;
mod hostile;
mod hw_vm;
mod inline;
mod isolation;
mod machine_memory;
mod registry;
mod reload;
mod security;
