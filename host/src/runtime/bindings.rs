//! Host bindings for the `armature:module` world, generated from `wit/`.
//! Imports are async (a dependency call awaits another resource) and
//! trappable (a host bug or a bad handle traps the guest, never the host).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "armature:module/module",
    imports: { default: async | trappable },
    exports: { default: async },
    with: {
        "armature:module/deps.dependency": crate::capabilities::deps::DependencyHandle,
        "armature:module/serial.port": crate::capabilities::serial::PortHandle,
    },
});

pub use armature::module::types::{Error as GuestError, ErrorCode, Node, Value};
pub use exports::armature::module::model::{
    Config as GuestConfig, Dependencies as GuestDependencies, ModelInfo, ReconfigureOutcome,
};
