//! Raw bindings generated from `wit/`. Module authors use the typed API in
//! the crate root; these are public for the export macro and for the rare
//! module that needs the raw WIT types.
//!
//! The world is `armature:module/module@0.2.1`, which includes the 0.2.0
//! world, which includes the 0.1.0 world: the interfaces of 0.1.0 are under
//! `armature::module`, those 0.2.0 added under `armature::module_v2`, the
//! import 0.2.1 added under `armature::module_v2_1`. A module that does not
//! call a vision service does not import it, and so stays a 0.2.0 component.

#[doc(hidden)]
pub mod raw {
    wit_bindgen::generate!({
        path: "../wit",
        world: "armature:module/module@0.2.1",
        pub_export_macro: true,
        export_macro_name: "__export_module_world",
        default_bindings_module: "::armature_guest::bindings::raw",
        generate_all,
    });
}

pub use raw::__export_module_world;

pub mod armature {
    pub use super::raw::armature::module0_1_0 as module;
    pub use super::raw::armature::module0_2_0 as module_v2;
    pub use super::raw::armature::module0_2_1 as module_v2_1;
}

pub mod exports {
    pub mod armature {
        pub use super::super::raw::exports::armature::module0_1_0 as module;
        pub use super::super::raw::exports::armature::module0_2_0 as module_v2;
    }
}
