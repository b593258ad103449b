//! Raw bindings generated from `wit/`. Module authors use the typed API in
//! the crate root; these are public for the export macro and for the rare
//! module that needs the raw WIT types.
wit_bindgen::generate!({
    path: "../wit",
    world: "armature:module/module",
    pub_export_macro: true,
    export_macro_name: "__export_module_world",
    default_bindings_module: "::armature_guest::bindings",
    generate_all,
});
