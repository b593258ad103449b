//! A module loaded: its models listed, its contract known, and its compiled
//! code pre-linked against the host's imports when a sandbox first needs it.
//! `component.rs` makes them; a sandbox instantiates them.
//!
//! The code is loaded lazily because a modules folder holds modules no
//! resource uses: with the compile cache's index (`cache.rs`) a module's
//! models are known without its code, and an unused Python module (tens of
//! megabytes of compiled CPython) costs the host nothing but its listing.

use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::OnceCell;
use wasmtime::Engine;

use crate::config::{Api, ModelName};
use crate::core::bindings::{Contract, ModulePre};
use crate::runtime::cache::CacheOutcome;
use crate::runtime::state::SandboxState;

/// Loads a module's compiled code, pre-linked: from the compile cache, or
/// by compiling its file again.
pub(crate) type CodeLoader = Arc<dyn Fn() -> BoxFuture<'static, Result<ModulePre<SandboxState>, String>> + Send + Sync>;

/// A module: what it provides (its [`ModuleInfo`], which it derefs to), and
/// its code once a sandbox asked for it.
pub struct LoadedModule {
    info: ModuleInfo,
    pub(crate) engine: Engine,
    code: OnceCell<ModulePre<SandboxState>>,
    load: CodeLoader,
}

/// What a module is, without its code.
pub struct ModuleInfo {
    pub name: String,
    pub path: PathBuf,
    /// SHA-256 of the `.wasm`.
    pub digest: String,
    /// From the file name (`name@1.2.0.wasm`), when it has one.
    pub semver: Option<semver::Version>,
    pub models: Vec<(Api, ModelName)>,
    pub cache: CacheOutcome,
    /// The contract version it was built for.
    pub contract: Contract,
    /// The names it imports and exports (see [`LoadedModule::world`]).
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

impl std::ops::Deref for LoadedModule {
    type Target = ModuleInfo;

    fn deref(&self) -> &ModuleInfo {
        &self.info
    }
}

impl LoadedModule {
    /// A module whose code `load` brings when first needed, and `code`
    /// already, if given.
    pub(crate) fn new(
        info: ModuleInfo,
        engine: Engine,
        code: Option<ModulePre<SandboxState>>,
        load: CodeLoader,
    ) -> Self {
        Self {
            info,
            engine,
            code: OnceCell::new_with(code),
            load,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The pre-linked code, loaded on the first call. A failure (the
    /// cached artifact and the file both gone) is returned to each caller
    /// and tried again by the next.
    pub(crate) async fn code(&self) -> Result<&ModulePre<SandboxState>, String> {
        self.code.get_or_try_init(|| (self.load)()).await
    }

    /// The names the component imports and exports (`wasi:io/streams@0.2.6`,
    /// `armature:module/model@0.1.0`), as a registry artifact records them.
    pub fn world(&self) -> (Vec<String>, Vec<String>) {
        (self.imports.clone(), self.exports.clone())
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
