//! Loading modules: read a `.wasm`, check that it is a component of our WIT
//! version, compile it (or take it from the cache), pre-link it, and ask it
//! which models it provides.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::{Component, HasSelf, Linker};

use crate::capabilities::state::HostState;
use crate::config::{Api, ModelName};
use crate::core::api::ApiKind;
use crate::core::bindings::{self, Contract, ModulePre};
use crate::runtime::cache::{ComponentCache, digest};
use crate::runtime::engine::{Deadlines, build_engine, spawn_epoch_ticker};
use crate::runtime::limits::Limits;
use crate::runtime::module::LoadedModule;
use crate::runtime::sandbox::{Grants, Sandbox};
use crate::runtime::state::SandboxState;

/// The WIT package this host speaks, in the versions of [`Contract::ALL`].
pub const WIT_PACKAGE: &str = Contract::PACKAGE;

/// Why a module could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: not a WebAssembly file", path.display())]
    NotWasm { path: PathBuf },
    #[error(
        "{}: a core WebAssembly module, not a component (build it with `cargo build --target wasm32-wasip2`)",
        path.display()
    )]
    CoreModule { path: PathBuf },
    #[error("{}: does not compile: {message}", path.display())]
    Compile { path: PathBuf, message: String },
    #[error("{}: built for {found}, but this host speaks {}", path.display(), spoken())]
    WitVersion { path: PathBuf, found: String },
    #[error(
        "{}: built for {WIT_PACKAGE}@{found}, newer than this host, which speaks {}: update armature",
        path.display(),
        spoken()
    )]
    NewerContract { path: PathBuf, found: semver::Version },
    #[error("{}: cannot be linked: {message}", path.display())]
    Link { path: PathBuf, message: String },
    #[error("{}: listing its models failed: {message}", path.display())]
    Models { path: PathBuf, message: String },
    #[error("{}: model {model:?} has an invalid API or model name: {message}", path.display())]
    BadModel {
        path: PathBuf,
        model: String,
        message: String,
    },
}

/// The engine, the linker with every host capability, and the compile cache.
pub struct Runtime {
    engine: Engine,
    linker: Linker<SandboxState>,
    cache: ComponentCache,
}

impl Runtime {
    pub fn new(cache_dir: Option<PathBuf>) -> anyhow::Result<Arc<Self>> {
        Self::with_deadlines(cache_dir, Deadlines::On)
    }

    /// A runtime whose guest calls have deadlines or not (see [`Deadlines`]).
    /// The compile cache keys on the engine's settings, so the two never
    /// share an artifact.
    pub fn with_deadlines(cache_dir: Option<PathBuf>, deadlines: Deadlines) -> anyhow::Result<Arc<Self>> {
        let engine = build_engine(deadlines, cache_dir.as_deref())?;
        if deadlines == Deadlines::On {
            spawn_epoch_ticker(&engine);
        }
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        // The guest's own imports see only the capabilities' state.
        bindings::World::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s: &mut SandboxState| &mut s.host)?;
        let cache = ComponentCache::new(&engine, cache_dir);
        Ok(Arc::new(Self { engine, linker, cache }))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Loads one module file; `name` is how logs and status call it.
    pub async fn load(
        self: &Arc<Self>,
        name: &str,
        path: &Path,
        semver: Option<semver::Version>,
    ) -> Result<Arc<LoadedModule>, LoadError> {
        let p = || path.to_path_buf();
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| LoadError::Read { path: p(), source })?;
        match bytes.get(..8) {
            Some([0, b'a', b's', b'm', 0x0d, 0, 1, 0]) => {}
            Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => return Err(LoadError::CoreModule { path: p() }),
            _ => return Err(LoadError::NotWasm { path: p() }),
        }
        let digest = digest(&bytes);
        let this = self.clone();
        let d = digest.clone();
        // Compiling takes tens of milliseconds to seconds: keep it off the
        // threads that serve calls.
        let (component, cache) = tokio::task::spawn_blocking(move || this.cache.load(&this.engine, &bytes, &d))
            .await
            .map_err(|e| LoadError::Compile {
                path: p(),
                message: e.to_string(),
            })?
            .map_err(|e| LoadError::Compile {
                path: p(),
                message: format!("{e:#}"),
            })?;
        crate::observability::metrics::METRICS.module_loaded(cache.label());
        let contract = self.contract_of(&component, path)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .and_then(|pre| ModulePre::new(pre, contract))
            .map_err(|e| LoadError::Link {
                path: p(),
                message: format!("{e:#}"),
            })?;
        let mut module = LoadedModule {
            name: name.to_string(),
            path: p(),
            digest,
            semver,
            models: Vec::new(),
            cache,
            pre,
        };
        module.models = self.list_models(&module).await?;
        Ok(Arc::new(module))
    }

    /// The contract a component speaks: the newest `armature:module`
    /// version among the interfaces it imports and exports (a 0.2.0
    /// component also names the 0.1.0 interfaces its world includes). One
    /// this host does not speak is refused with both versions named,
    /// instead of a link error.
    fn contract_of(&self, component: &Component, path: &Path) -> Result<Contract, LoadError> {
        let ty = component.component_type();
        let exports: Vec<String> = ty.exports(&self.engine).map(|(name, _)| name.to_string()).collect();
        let imports = ty.imports(&self.engine).map(|(name, _)| name.to_string());
        let prefix = format!("{WIT_PACKAGE}/");
        let newest = exports
            .iter()
            .cloned()
            .chain(imports)
            .filter_map(|name| {
                let (_, version) = name.strip_prefix(&prefix)?.split_once('@')?;
                semver::Version::parse(version).ok()
            })
            .max();
        let v1_model = format!("{prefix}model@{}", Contract::V0_1.version());
        match newest {
            Some(v) if v > Contract::newest().version() => Err(LoadError::NewerContract {
                path: path.to_path_buf(),
                found: v,
            }),
            Some(v) if exports.contains(&v1_model) => {
                if let Some(c) = Contract::ALL.into_iter().find(|c| c.version() == v) {
                    return Ok(c);
                }
                Err(LoadError::WitVersion {
                    path: path.to_path_buf(),
                    found: format!("{WIT_PACKAGE}@{v}"),
                })
            }
            Some(v) => Err(LoadError::WitVersion {
                path: path.to_path_buf(),
                found: format!("{WIT_PACKAGE}@{v}"),
            }),
            None => Err(LoadError::WitVersion {
                path: path.to_path_buf(),
                found: "a world without armature:module exports".to_string(),
            }),
        }
    }

    async fn list_models(&self, module: &LoadedModule) -> Result<Vec<(Api, ModelName)>, LoadError> {
        let fail = |message: String| LoadError::Models {
            path: module.path.clone(),
            message,
        };
        // A throwaway sandbox: the module's own start-up code runs under the
        // usual limits.
        let shell = Arc::new(LoadedModule {
            name: module.name.clone(),
            path: module.path.clone(),
            digest: module.digest.clone(),
            semver: module.semver.clone(),
            models: Vec::new(),
            cache: module.cache,
            pre: module.pre.clone(),
        });
        let mut sandbox = Sandbox::start(
            &shell,
            &format!("module {}", module.name),
            Limits::default(),
            &Grants::default(),
        )
        .await
        .map_err(|f| fail(f.to_string()))?;
        let infos = sandbox.models().await.map_err(|f| fail(f.to_string()))?;
        infos
            .into_iter()
            .map(|info| {
                let bad = |message: String| LoadError::BadModel {
                    path: module.path.clone(),
                    model: info.model.clone(),
                    message,
                };
                let api = Api::parse(&info.api).map_err(|e| bad(e.to_string()))?;
                let model = ModelName::parse(&info.model).map_err(|e| bad(e.to_string()))?;
                let contract = module.pre.contract();
                if let Some(kind) = ApiKind::of(&api).filter(|k| k.contract() > contract) {
                    return Err(bad(format!(
                        "{api} needs {WIT_PACKAGE}@{}, but the module was built for {WIT_PACKAGE}@{}",
                        kind.contract().version(),
                        contract.version()
                    )));
                }
                Ok((api, model))
            })
            .collect()
    }
}

/// "armature:module@0.1.0, 0.2.0 and 0.2.1".
fn spoken() -> String {
    let versions: Vec<String> = Contract::ALL.iter().map(|c| c.version().to_string()).collect();
    let listed = match versions.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    format!("{WIT_PACKAGE}@{listed}")
}
