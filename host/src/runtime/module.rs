//! A module loaded: compiled, pre-linked against the host's imports, its
//! models listed. `component.rs` makes them; a sandbox instantiates them.

use std::path::PathBuf;

use wasmtime::Engine;

use crate::config::{Api, ModelName};
use crate::core::bindings::ModulePre;
use crate::runtime::cache::CacheOutcome;
use crate::runtime::state::SandboxState;

/// A compiled, pre-linked module, ready to instantiate.
pub struct LoadedModule {
    pub name: String,
    pub path: PathBuf,
    /// SHA-256 of the `.wasm`.
    pub digest: String,
    /// From the file name (`name@1.2.0.wasm`), when it has one.
    pub semver: Option<semver::Version>,
    pub models: Vec<(Api, ModelName)>,
    pub cache: CacheOutcome,
    pub(crate) pre: ModulePre<SandboxState>,
}

impl LoadedModule {
    pub fn engine(&self) -> &Engine {
        self.pre.instance_pre().engine()
    }

    /// The names the component imports and exports (`wasi:io/streams@0.2.6`,
    /// `armature:module/model@0.1.0`), as a registry artifact records them.
    pub fn world(&self) -> (Vec<String>, Vec<String>) {
        let ty = self.pre.instance_pre().component().component_type();
        let engine = self.engine();
        let imports = ty.imports(engine).map(|(name, _)| name.to_string()).collect();
        let exports = ty.exports(engine).map(|(name, _)| name.to_string()).collect();
        (imports, exports)
    }

    pub fn provides(&self, api: &Api, model: &ModelName) -> bool {
        self.models.iter().any(|(a, m)| a == api && m == model)
    }

    /// A version label for status: the semver when the file has one, else
    /// the first hex digits of the digest.
    pub fn version(&self) -> String {
        match &self.semver {
            Some(v) => v.to_string(),
            None => self.digest[..12.min(self.digest.len())].to_string(),
        }
    }
}
