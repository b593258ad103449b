//! Loading modules: read a `.wasm`, check that it is a component of our WIT
//! version, compile it (or take it from the cache), pre-link it, and ask it
//! which models it provides; or, for a module the cache has listed before,
//! take all that from the cache's index and leave the code for later.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::{Component, HasSelf, Linker};

use crate::capabilities::state::HostState;
use crate::config::{Api, ModelName};
use crate::core::api::ApiKind;
use crate::core::bindings::{self, Contract, ModulePre};
use crate::runtime::cache::{CacheOutcome, ComponentCache, IndexEntry, digest as digest_of, digest_file};
use crate::runtime::engine::{Deadlines, build_engine, spawn_epoch_ticker};
use crate::runtime::limits::Limits;
use crate::runtime::module::{CodeLoader, LoadedModule, ModuleInfo};
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

    /// Loads one module file; `name` is how logs and status call it. A
    /// module the compile cache has listed before is known from its index
    /// entry, and its code loaded only when a sandbox needs it; one new to
    /// the cache is compiled, listed in a throwaway sandbox and indexed.
    pub async fn load(
        self: &Arc<Self>,
        name: &str,
        path: &Path,
        semver: Option<semver::Version>,
    ) -> Result<Arc<LoadedModule>, LoadError> {
        let p = || path.to_path_buf();
        let file = p();
        let (digest, head) = tokio::task::spawn_blocking(move || digest_file(&file))
            .await
            .map_err(|e| LoadError::Compile {
                path: p(),
                message: e.to_string(),
            })?
            .map_err(|source| LoadError::Read { path: p(), source })?;
        match head.as_slice() {
            [0, b'a', b's', b'm', 0x0d, 0, 1, 0] => {}
            [0, b'a', b's', b'm', 1, 0, 0, 0] => return Err(LoadError::CoreModule { path: p() }),
            _ => return Err(LoadError::NotWasm { path: p() }),
        }
        let info = |models, cache, contract, (imports, exports)| ModuleInfo {
            name: name.to_string(),
            path: p(),
            digest: digest.clone(),
            semver: semver.clone(),
            models,
            cache,
            contract,
            imports,
            exports,
        };
        if let Some(Indexed {
            contract,
            models,
            world,
        }) = self.cache.indexed(&digest).and_then(|e| indexed(e, path))
        {
            crate::observability::metrics::METRICS.module_loaded(CacheOutcome::Hit.label());
            let loader = self.code_loader(&digest, path, contract);
            let known = info(models, CacheOutcome::Hit, contract, world);
            return Ok(Arc::new(LoadedModule::new(known, self.engine.clone(), None, loader)));
        }
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| LoadError::Read { path: p(), source })?;
        if digest_of(&bytes) != digest {
            return Err(LoadError::Compile {
                path: p(),
                message: "the file changed while it was being loaded".into(),
            });
        }
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
        let world = self.world_of(&component);
        let code = self.link(&component, contract).map_err(|e| LoadError::Link {
            path: p(),
            message: format!("{e:#}"),
        })?;
        drop(component);
        let loader = self.code_loader(&digest, path, contract);
        let shell = LoadedModule::new(
            info(Vec::new(), cache, contract, world.clone()),
            self.engine.clone(),
            Some(code.clone()),
            loader.clone(),
        );
        let models = self.list_models(&Arc::new(shell)).await?;
        self.cache.write_index(
            &digest,
            &IndexEntry {
                contract: contract.version().to_string(),
                models: models.iter().map(|(a, m)| (a.to_string(), m.to_string())).collect(),
                imports: world.0.clone(),
                exports: world.1.clone(),
            },
        );
        // With a cache to load it from again, the code is let go until a
        // sandbox needs it: most modules in a folder serve no resource.
        let code = (!self.cache.enabled()).then_some(code);
        let known = info(models, cache, contract, world);
        Ok(Arc::new(LoadedModule::new(known, self.engine.clone(), code, loader)))
    }

    /// How a module's code is loaded when a sandbox first needs it.
    fn code_loader(self: &Arc<Self>, digest: &str, path: &Path, contract: Contract) -> CodeLoader {
        let (this, digest, path) = (self.clone(), digest.to_string(), path.to_path_buf());
        Arc::new(move || {
            let (this, digest, path) = (this.clone(), digest.clone(), path.clone());
            Box::pin(async move {
                tokio::task::spawn_blocking(move || this.code(&digest, &path, contract))
                    .await
                    .map_err(|e| e.to_string())?
            })
        })
    }

    /// The pre-linked code of the module whose bytes hash to `wanted`: its
    /// cached artifact, or its file compiled again if it still holds those
    /// bytes (a changed file is the watcher's to load as a new module).
    fn code(&self, wanted: &str, path: &Path, contract: Contract) -> Result<ModulePre<SandboxState>, String> {
        let component = match self.cache.cached(&self.engine, wanted) {
            Some(c) => c,
            None => {
                let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                if digest_of(&bytes) != wanted {
                    return Err(format!("{}: changed since it was loaded", path.display()));
                }
                let (component, _) = self
                    .cache
                    .load(&self.engine, &bytes, wanted)
                    .map_err(|e| format!("{}: does not compile: {e:#}", path.display()))?;
                component
            }
        };
        self.link(&component, contract)
            .map_err(|e| format!("{}: cannot be linked: {e:#}", path.display()))
    }

    fn link(&self, component: &Component, contract: Contract) -> wasmtime::Result<ModulePre<SandboxState>> {
        self.linker
            .instantiate_pre(component)
            .and_then(|pre| ModulePre::new(pre, contract))
    }

    /// The names a component imports and exports.
    fn world_of(&self, component: &Component) -> World {
        let ty = component.component_type();
        let imports = ty.imports(&self.engine).map(|(name, _)| name.to_string()).collect();
        let exports = ty.exports(&self.engine).map(|(name, _)| name.to_string()).collect();
        (imports, exports)
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

    /// The models a module lists, asked in a throwaway sandbox of `shell`
    /// (the module with its code and no models yet): its start-up code
    /// runs under the usual limits.
    async fn list_models(&self, shell: &Arc<LoadedModule>) -> Result<Vec<(Api, ModelName)>, LoadError> {
        let fail = |message: String| LoadError::Models {
            path: shell.path.clone(),
            message,
        };
        let mut sandbox = Sandbox::start(
            shell,
            &format!("module {}", shell.name),
            Limits::default(),
            &Grants::default(),
        )
        .await
        .map_err(|f| fail(f.to_string()))?;
        let infos = sandbox.models().await.map_err(|f| fail(f.to_string()))?;
        infos
            .into_iter()
            .map(|info| checked_model(&shell.path, shell.contract, &info.api, &info.model))
            .collect()
    }
}

/// The names a component imports and exports.
type World = (Vec<String>, Vec<String>);

/// A module as the cache's index has it.
struct Indexed {
    contract: Contract,
    models: Vec<(Api, ModelName)>,
    world: World,
}

/// An index entry, checked as a listing is; None (so that the module is
/// compiled and listed again) if anything is amiss.
fn indexed(entry: IndexEntry, path: &Path) -> Option<Indexed> {
    let contract = Contract::ALL
        .into_iter()
        .find(|c| c.version().to_string() == entry.contract)?;
    let models = entry
        .models
        .iter()
        .map(|(api, model)| checked_model(path, contract, api, model))
        .collect::<Result<_, _>>()
        .ok()?;
    Some(Indexed {
        contract,
        models,
        world: (entry.imports, entry.exports),
    })
}

/// One model a module lists, its names parsed and its API within the
/// module's contract.
fn checked_model(path: &Path, contract: Contract, api: &str, model: &str) -> Result<(Api, ModelName), LoadError> {
    let bad = |message: String| LoadError::BadModel {
        path: path.to_path_buf(),
        model: model.to_string(),
        message,
    };
    let api = Api::parse(api).map_err(|e| bad(e.to_string()))?;
    let model = ModelName::parse(model).map_err(|e| bad(e.to_string()))?;
    if let Some(kind) = ApiKind::of(&api).filter(|k| k.contract() > contract) {
        return Err(bad(format!(
            "{api} needs {WIT_PACKAGE}@{}, but the module was built for {WIT_PACKAGE}@{}",
            kind.contract().version(),
            contract.version()
        )));
    }
    Ok((api, model))
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
