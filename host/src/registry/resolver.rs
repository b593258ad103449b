//! Which bytes a registry module serves. A module entry resolves once
//! (online, or from the cache when the registry cannot be reached) and then
//! stays put until [`Resolver::recheck`] finds that its tag moved: the
//! machine's reloads never wait on the network for a module they already
//! have, and a pin, once resolved, is its digest for good.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use semver::Version;
use tokio::sync::Notify;

use super::artifact;
use super::client::{RegistryClient, RegistryError};
use super::credentials::Credentials;
use super::store::{Resolution, Store};
use super::versions::tag_version;
use crate::config::registry::{RegistryConfig, RegistryModule};
use crate::config::{MachineConfig, ModuleEntry};
use crate::resources::modules::ModuleFile;

pub struct Resolver {
    store: Store,
    state: Mutex<State>,
    check_now: Notify,
}

#[derive(Default)]
struct State {
    /// The index: what each (registry, repository, spec) resolved to.
    resolved: Vec<Resolution>,
    /// Per module name, why its last look at the registry failed.
    failing: HashMap<String, String>,
    /// Manifests the machine refused (a constructor that fails, a module
    /// that does not load): not tried again until their tag moves.
    refused: HashSet<String>,
}

/// A resolution that changed, with the one it replaced.
#[derive(Debug, Clone)]
pub struct Change {
    pub module: String,
    pub new: Resolution,
    pub old: Option<Resolution>,
}

/// Where a loaded module came from, for status.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// `host/repository:version`.
    pub reference: String,
    pub spec: String,
    pub digest: String,
    /// The last check's error, while the registry cannot be read.
    pub error: Option<String>,
}

fn key_matches(r: &Resolution, registry: &str, module: &RegistryModule) -> bool {
    r.registry == registry && r.repository == module.repository && r.spec == module.version.to_string()
}

impl Resolver {
    pub fn open(state_dir: &Path) -> Self {
        let store = Store::new(state_dir);
        let resolved = store.load_index();
        Self {
            store,
            state: Mutex::new(State {
                resolved,
                ..State::default()
            }),
            check_now: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks the re-check loop to look at the registries now (a fleet
    /// signal, `armature reload`).
    pub fn check_now(&self) {
        self.check_now.notify_one();
    }

    pub async fn check_requested(&self) {
        self.check_now.notified().await;
    }

    fn file(&self, name: &str, r: &Resolution) -> Option<ModuleFile> {
        let path = self.store.cached(&r.layer_digest)?;
        Some(ModuleFile {
            name: name.to_string(),
            version: Version::parse(&r.version).ok(),
            path,
        })
    }

    /// The file a registry module serves from: what it resolved to before,
    /// else resolved now; with the registry unreachable, the newest cached
    /// version the entry allows.
    pub async fn file_for(&self, entry: &ModuleEntry, registries: &[RegistryConfig]) -> Result<ModuleFile, String> {
        let name = &entry.name;
        let Some(module) = &entry.registry else {
            return Err(format!("module {name:?} is not a registry module"));
        };
        let registry = registries
            .iter()
            .find(|r| r.name == module.registry)
            .ok_or_else(|| format!("module {name:?}: no registry {:?}", module.registry))?;
        let host = &registry.address.host;
        let known = self
            .state()
            .resolved
            .iter()
            .find(|r| key_matches(r, host, module))
            .cloned();
        if let Some(file) = known.as_ref().and_then(|r| self.file(name, r)) {
            return Ok(file);
        }
        let what = format!("module {name:?} ({host}/{} {})", module.repository, module.version);
        match self.resolve(registry, module, known.as_ref()).await {
            Ok(r) => {
                let file = self
                    .file(name, &r)
                    .ok_or_else(|| format!("{what}: the cached component vanished"))?;
                self.record(name, r);
                Ok(file)
            }
            Err(e) if e.is_unreachable() => match self.best_cached(host, module) {
                Some(r) => {
                    tracing::warn!(module = %name, version = %r.version, "{e}; serving the cached version");
                    self.state().failing.insert(name.clone(), e.to_string());
                    self.file(name, &r)
                        .ok_or_else(|| format!("{what}: {e}, and its cached component is damaged"))
                }
                None => Err(format!("{what}: {e}, and no version of it is cached")),
            },
            Err(e) => Err(format!("{what}: {e}")),
        }
    }

    /// The highest cached version of the repository that `module` allows.
    fn best_cached(&self, host: &str, module: &RegistryModule) -> Option<Resolution> {
        let state = self.state();
        let mut fits: Vec<&Resolution> = state
            .resolved
            .iter()
            .filter(|r| r.registry == host && r.repository == module.repository)
            .filter(|r| {
                let tags = [r.version.clone()];
                module.version.pick(&tags).is_some()
            })
            .collect();
        fits.sort_by_key(|r| tag_version(&r.version));
        fits.last().map(|r| (*r).clone())
    }

    fn client(registry: &RegistryConfig) -> Result<RegistryClient, RegistryError> {
        let credentials = match &registry.credentials_file {
            Some(file) => Credentials::read(file).map_err(|e| RegistryError::Other {
                registry: registry.address.host.clone(),
                reason: e.to_string(),
            })?,
            None => Credentials::Anonymous,
        };
        RegistryClient::new(
            registry.address.clone(),
            credentials,
            registry.credentials_file.as_ref().map(|f| f.display().to_string()),
        )
    }

    /// Looks the entry up on the registry and fetches its component unless
    /// it is cached. `current` is what it resolved to before.
    async fn resolve(
        &self,
        registry: &RegistryConfig,
        module: &RegistryModule,
        current: Option<&Resolution>,
    ) -> Result<Resolution, RegistryError> {
        let client = Self::client(registry)?;
        let repo = &module.repository;
        let tag = client.tag_for_spec(repo, &module.version).await?;
        let (manifest, manifest_digest) = client.manifest(repo, &tag).await?;
        let unchanged =
            |c: &&Resolution| c.manifest_digest == manifest_digest && self.store.blob_path(&c.layer_digest).exists();
        if let Some(current) = current.filter(unchanged) {
            return Ok(current.clone());
        }
        let layer = artifact::wasm_layer(&manifest).map_err(|reason| RegistryError::NotWasm {
            module: format!("{repo}:{tag}"),
            reason,
        })?;
        if self.store.cached(&layer.digest).is_none() {
            let bytes = client.component(repo, layer).await?;
            self.store
                .put(&layer.digest, &bytes)
                .map_err(|e| RegistryError::Other {
                    registry: registry.address.host.clone(),
                    reason: format!("caching {repo}:{tag}: {e}"),
                })?;
        }
        Ok(Resolution {
            registry: registry.address.host.clone(),
            repository: repo.clone(),
            spec: module.version.to_string(),
            version: tag_version(&tag).map_or(tag, |v| v.to_string()),
            manifest_digest,
            layer_digest: layer.digest.clone(),
            previous_layer_digest: current.map(|c| c.layer_digest.clone()),
        })
    }

    /// Stores a resolution in place of the entry's old one.
    fn record(&self, module: &str, new: Resolution) {
        let mut state = self.state();
        state.failing.remove(module);
        state
            .resolved
            .retain(|r| !(r.registry == new.registry && r.repository == new.repository && r.spec == new.spec));
        state.resolved.push(new);
        if let Err(e) = self.store.save_index(&state.resolved) {
            tracing::warn!("saving the registry cache index: {e}; a restart without network may not find this version");
        }
    }

    /// Looks again at every module of `config` that can move (every
    /// unpinned one, and any not resolved yet); returns what changed.
    pub async fn recheck(&self, config: &MachineConfig) -> Vec<Change> {
        let mut changes = Vec::new();
        self.state()
            .failing
            .retain(|name, _| config.modules.iter().any(|e| &e.name == name));
        for entry in &config.modules {
            let Some(module) = &entry.registry else { continue };
            let Some(registry) = config.registries.iter().find(|r| r.name == module.registry) else {
                continue;
            };
            let host = &registry.address.host;
            let current = self
                .state()
                .resolved
                .iter()
                .find(|r| key_matches(r, host, module))
                .cloned();
            if current.is_some() && !module.version.tracks() {
                continue;
            }
            match self.resolve(registry, module, current.as_ref()).await {
                Ok(new) if Some(&new) == current.as_ref() => {
                    if self.state().failing.remove(&entry.name).is_some() {
                        tracing::info!(module = %entry.name, "registry {host} answers again");
                    }
                }
                Ok(new) if self.state().refused.contains(&new.manifest_digest) => {}
                Ok(new) => {
                    tracing::info!(module = %entry.name, version = %new.version, digest = %new.manifest_digest,
                        "registry has a new version for {} {}", module.repository, module.version);
                    self.record(&entry.name, new.clone());
                    changes.push(Change {
                        module: entry.name.clone(),
                        new,
                        old: current,
                    });
                }
                Err(e) => {
                    let text = e.to_string();
                    let mut state = self.state();
                    // Once per streak, not once per check.
                    if state.failing.get(&entry.name) != Some(&text) {
                        tracing::warn!(module = %entry.name, "checking the registry: {text}; the version in use keeps serving");
                        state.failing.insert(entry.name.clone(), text);
                    }
                }
            }
        }
        changes
    }

    /// The machine refused what `changes` brought: go back to what served
    /// before and leave those manifests alone until their tags move.
    pub fn reject(&self, changes: &[Change], why: &str) {
        for c in changes {
            tracing::error!(module = %c.module, version = %c.new.version,
                "the registry's new version was refused; the previous one keeps serving: {why}");
            let mut state = self.state();
            state.refused.insert(c.new.manifest_digest.clone());
            state.failing.insert(
                c.module.clone(),
                format!("version {} was refused: {why}", c.new.version),
            );
            drop(state);
            match &c.old {
                Some(old) => self.record_keeping_failure(old.clone(), &c.new),
                None => {
                    let mut state = self.state();
                    state.resolved.retain(|r| r != &c.new);
                }
            }
        }
    }

    fn record_keeping_failure(&self, old: Resolution, replacing: &Resolution) {
        let mut state = self.state();
        state.resolved.retain(|r| r != replacing);
        state.resolved.push(old);
        if let Err(e) = self.store.save_index(&state.resolved) {
            tracing::warn!("saving the registry cache index: {e}");
        }
    }

    /// Whether a registry module could not be checked or resolved last
    /// time (the loop then looks again sooner).
    pub fn has_failures(&self) -> bool {
        !self.state().failing.is_empty()
    }

    /// Where the module loaded from `path` came from, if from a registry.
    pub fn source_of(&self, module: &str, path: &Path) -> Option<Source> {
        let state = self.state();
        let r = state
            .resolved
            .iter()
            .find(|r| self.store.blob_path(&r.layer_digest) == path)?;
        Some(Source {
            reference: format!("{}/{}:{}", r.registry, r.repository, r.version),
            spec: r.spec.clone(),
            digest: r.manifest_digest.clone(),
            error: state.failing.get(module).cloned(),
        })
    }
}
