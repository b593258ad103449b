//! Host bindings for the `armature:module` world, generated from `wit/`.
//! Imports are async (a dependency call awaits another resource) and
//! trappable (a host bug or a bad handle traps the guest, never the host).
//! The resources a guest holds (`deps.dependency`, `serial.port`) are
//! generated as marker types: the capability that hands one out keeps its
//! own state in the Store's table under the same handle (see
//! `capabilities::table`), so this layer needs to know none of them.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "armature:module/module",
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use armature::module::types::{Error as GuestError, ErrorCode, Node, Value};
pub use exports::armature::module::model::{
    Config as GuestConfig, Dependencies as GuestDependencies, ModelInfo, ReconfigureOutcome,
};

/// What entering the guest yields: a trap (`Err`, the Store is dead) or the
/// guest's own answer.
pub type Answer<T> = wasmtime::Result<Result<T, GuestError>>;
