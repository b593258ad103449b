//! Which bytes a registry module serves. A module entry resolves once
//! (online, or from the cache when the registry cannot be reached) and then
//! stays put until [`Resolver::recheck`] finds that its tag moved: the
//! machine's reloads never wait on the network for a module they already
//! have, and a pin, once resolved, is its digest for good.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use semver::Version;
use tokio::sync::Notify;

use super::artifact;
use super::client::{RegistryClient, RegistryError};
use super::credentials::Credentials;
use super::store::{Index, Resolution, Store};
use crate::config::registry::{RegistryConfig, RegistryModule};
use crate::config::versions::{VersionSpec, tag_version};
use crate::config::{MachineConfig, ModuleEntry};
use crate::resources::modules::ModuleFile;
use crate::resources::sources::Source;

pub struct Resolver {
    store: Store,
    state: Mutex<State>,
    /// Held from fetching a component to recording it: the cache cleanup
    /// that follows a record must not delete a blob another path has just
    /// stored and not yet recorded.
    resolving: tokio::sync::Mutex<()>,
    check_now: Notify,
}

/// A module entry's identity in the cache: the same module at another
/// `version` spec resolves on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntryKey {
    registry: String,
    repository: String,
    spec: String,
}

impl EntryKey {
    fn of(registry: &RegistryConfig, module: &RegistryModule) -> Self {
        Self {
            registry: registry.address.host.clone(),
            repository: module.repository.clone(),
            spec: module.version.to_string(),
        }
    }

    fn matches(&self, r: &Resolution) -> bool {
        r.same_entry(&self.registry, &self.repository, &self.spec)
    }
}

#[derive(Default)]
struct State {
    index: Index,
    /// Per module name: the entry whose last look at the registry failed, and why.
    failing: HashMap<String, (EntryKey, String)>,
    /// Per module name: the version the machine refused last, and why.
    refusals: HashMap<String, (EntryKey, String)>,
}

/// A resolution that changed, with the one it replaced.
#[derive(Debug, Clone)]
pub struct Change {
    pub module: String,
    pub new: Resolution,
    pub old: Option<Resolution>,
}

impl Resolver {
    pub fn open(state_dir: &Path) -> Self {
        let store = Store::new(state_dir);
        let index = store.load_index();
        Self {
            store,
            state: Mutex::new(State {
                index,
                ..State::default()
            }),
            resolving: tokio::sync::Mutex::new(()),
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

    fn known(&self, key: &EntryKey) -> Option<Resolution> {
        self.state().index.resolved.iter().find(|r| key.matches(r)).cloned()
    }

    fn file(&self, name: &str, r: &Resolution) -> Option<ModuleFile> {
        let path = self.store.cached(&r.layer_digest)?;
        Some(ModuleFile {
            name: name.to_string(),
            version: Version::parse(&r.version).ok(),
            path,
        })
    }

    fn entry<'a>(
        entry: &'a ModuleEntry,
        registries: &'a [RegistryConfig],
    ) -> Option<(&'a RegistryModule, &'a RegistryConfig)> {
        let module = entry.registry.as_ref()?;
        let registry = registries.iter().find(|r| r.name == module.registry)?;
        Some((module, registry))
    }

    /// The file a registry module serves from: what it resolved to before,
    /// else resolved now; with the registry unreachable, the newest cached
    /// version the entry allows.
    pub async fn file_for(&self, entry: &ModuleEntry, registries: &[RegistryConfig]) -> Result<ModuleFile, String> {
        let name = &entry.name;
        let (module, registry) =
            Self::entry(entry, registries).ok_or_else(|| format!("module {name:?}: no such registry"))?;
        let key = EntryKey::of(registry, module);
        if let Some(file) = self.known(&key).and_then(|r| self.file(name, &r)) {
            return Ok(file);
        }
        let _resolving = self.resolving.lock().await;
        let known = self.known(&key);
        if let Some(file) = known.as_ref().and_then(|r| self.file(name, r)) {
            return Ok(file);
        }
        let what = format!("module {name:?} ({}/{} {})", key.registry, key.repository, key.spec);
        match self.resolve(registry, module, known.as_ref()).await {
            Ok(r) => {
                let file = self
                    .file(name, &r)
                    .ok_or_else(|| format!("{what}: its component could not be cached"))?;
                self.record(r);
                self.state().failing.remove(name);
                Ok(file)
            }
            Err(e) if e.is_unreachable() => match self.best_cached(&key, module) {
                Some((r, file)) => {
                    tracing::warn!(module = %name, version = %r.version, "{e}; serving the cached version");
                    self.state().failing.insert(name.clone(), (key, e.to_string()));
                    Ok(file)
                }
                None => Err(format!("{what}: {e}, and no version of it is cached")),
            },
            Err(e) => Err(format!("{what}: {e}")),
        }
    }

    /// The highest cached version of the repository that `module` allows
    /// (cached under another spec of the same module).
    fn best_cached(&self, key: &EntryKey, module: &RegistryModule) -> Option<(Resolution, ModuleFile)> {
        let mut fits: Vec<Resolution> = {
            let state = self.state();
            state
                .index
                .resolved
                .iter()
                .chain(&state.index.previous)
                .filter(|r| r.registry == key.registry && r.repository == key.repository)
                .filter(|r| !state.index.refused.contains(&r.manifest_digest))
                .filter(|r| module.version.pick(std::slice::from_ref(&r.version)).is_some())
                .cloned()
                .collect()
        };
        fits.sort_by_key(|r| tag_version(&r.version));
        fits.into_iter()
            .rev()
            .find_map(|r| Some((r.clone(), self.file("", &r)?)))
    }

    fn client(registry: &RegistryConfig) -> Result<RegistryClient, RegistryError> {
        RegistryClient::with_credentials_file(
            registry.address.clone(),
            registry.credentials_file.as_deref(),
            Credentials::Anonymous,
        )
    }

    /// Looks the entry up on the registry and fetches its component unless
    /// it is cached. `current` is what it resolved to before. Call with
    /// `resolving` held.
    async fn resolve(
        &self,
        registry: &RegistryConfig,
        module: &RegistryModule,
        current: Option<&Resolution>,
    ) -> Result<Resolution, RegistryError> {
        let client = Self::client(registry)?;
        let repo = &module.repository;
        let (tag, (manifest, manifest_digest)) = match (current, &module.version) {
            // A pin, once resolved, is its digest: a tag moved by hand
            // later does not move the machine.
            (Some(c), VersionSpec::Exact(_)) => (c.version.clone(), client.manifest(repo, &c.manifest_digest).await?),
            (_, spec) => {
                let tag = client.tag_for_spec(repo, spec).await?;
                let found = client.manifest(repo, &tag).await?;
                (tag, found)
            }
        };
        let version = tag_version(&tag).map_or(tag.clone(), |v| v.to_string());
        if let Some(c) = current.filter(|c| c.manifest_digest == manifest_digest)
            && self.store.cached(&c.layer_digest).is_some()
        {
            return Ok(c.clone());
        }
        if self.state().index.refused.contains(&manifest_digest) {
            return Err(RegistryError::Refused {
                module: format!("{repo}:{tag}"),
            });
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
            tracing::info!(repository = %repo, %version, bytes = bytes.len(), "component downloaded from the registry");
        }
        Ok(Resolution {
            registry: registry.address.host.clone(),
            repository: repo.clone(),
            spec: module.version.to_string(),
            version,
            manifest_digest,
            layer_digest: layer.digest.clone(),
        })
    }

    fn save(&self, state: &State) {
        if let Err(e) = self.store.save_index(&state.index) {
            tracing::warn!("saving the registry cache index: {e}; a restart without network may not find this version");
        }
    }

    /// Stores a resolution in place of its entry's old one, which becomes
    /// the entry's previous one.
    fn record(&self, new: Resolution) {
        let mut state = self.state();
        let same = |r: &Resolution| r.same_entry(&new.registry, &new.repository, &new.spec);
        let old = state
            .index
            .resolved
            .iter()
            .position(same)
            .map(|i| state.index.resolved.remove(i));
        if let Some(old) = old.filter(|o| o.layer_digest != new.layer_digest) {
            state.index.previous.retain(|r| !same(r));
            state.index.previous.push(old);
        }
        state.index.resolved.push(new);
        self.save(&state);
    }

    /// Forgets what the config no longer names: errors of removed entries,
    /// and the cache of repositories no module uses.
    fn prune(&self, config: &MachineConfig) {
        let keys: Vec<(String, EntryKey)> = config
            .modules
            .iter()
            .filter_map(|e| Self::entry(e, &config.registries).map(|(m, r)| (e.name.clone(), EntryKey::of(r, m))))
            .collect();
        let mut state = self.state();
        let current = |name: &String, key: &EntryKey| keys.iter().any(|(n, k)| n == name && k == key);
        state.failing.retain(|name, (key, _)| current(name, key));
        state.refusals.retain(|name, (key, _)| current(name, key));
        let used = |r: &Resolution| {
            keys.iter()
                .any(|(_, k)| k.registry == r.registry && k.repository == r.repository)
        };
        let before = state.index.resolved.len() + state.index.previous.len();
        state.index.resolved.retain(used);
        state.index.previous.retain(used);
        if state.index.resolved.len() + state.index.previous.len() != before {
            self.save(&state);
        }
    }

    /// Looks again at every module of `config` that can move (every
    /// unpinned one, and any not resolved yet); returns what changed.
    pub async fn recheck(&self, config: &MachineConfig) -> Vec<Change> {
        let mut changes = Vec::new();
        let _resolving = self.resolving.lock().await;
        self.prune(config);
        for entry in &config.modules {
            let Some((module, registry)) = Self::entry(entry, &config.registries) else {
                continue;
            };
            let key = EntryKey::of(registry, module);
            let current = self.known(&key);
            if current.is_some() && !module.version.tracks() {
                continue;
            }
            match self.resolve(registry, module, current.as_ref()).await {
                Ok(new) if Some(&new) == current.as_ref() => {
                    if self.state().failing.remove(&entry.name).is_some() {
                        tracing::info!(module = %entry.name, "registry {} answers again", key.registry);
                    }
                }
                // Already said when it was refused.
                Err(RegistryError::Refused { .. }) => {
                    self.state().failing.remove(&entry.name);
                }
                Ok(new) => {
                    tracing::info!(module = %entry.name, version = %new.version, digest = %new.manifest_digest,
                        "registry has a new version for {} {}", key.repository, key.spec);
                    self.record(new.clone());
                    self.state().failing.remove(&entry.name);
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
                    if state.failing.get(&entry.name).map(|(_, t)| t) != Some(&text) {
                        tracing::warn!(module = %entry.name, "checking the registry: {text}; the version in use keeps serving");
                        state.failing.insert(entry.name.clone(), (key, text));
                    }
                }
            }
        }
        changes
    }

    /// Puts back what `changes` replaced (to see whether the machine
    /// refused them or something else).
    pub async fn revert(&self, changes: &[Change]) {
        let _resolving = self.resolving.lock().await;
        let mut state = self.state();
        for c in changes {
            let n = &c.new;
            state.index.resolved.retain(|r| r != n);
            // The new one waits as "previous": kept on disk in case the
            // refusal was not its doing (`restore`).
            state
                .index
                .previous
                .retain(|r| !r.same_entry(&n.registry, &n.repository, &n.spec));
            state.index.previous.push(n.clone());
            if let Some(old) = &c.old {
                state.index.resolved.push(old.clone());
            }
        }
        self.save(&state);
    }

    /// Restores `changes` after a [`Resolver::revert`]: the machine's
    /// refusal was not theirs, so they serve at its next successful apply.
    pub async fn restore(&self, changes: &[Change]) {
        let _resolving = self.resolving.lock().await;
        for c in changes {
            self.record(c.new.clone());
        }
    }

    /// The machine refused the versions `changes` brought (they are
    /// reverted already): remember them, so they are not fetched or tried
    /// again until their tags move, and say why in status.
    pub async fn refuse(&self, changes: &[Change], why: &str) {
        let _resolving = self.resolving.lock().await;
        let mut state = self.state();
        for c in changes {
            tracing::error!(module = %c.module, version = %c.new.version,
                "the registry's new version was refused; the previous one keeps serving: {why}");
            state.index.refused.push(c.new.manifest_digest.clone());
            let key = EntryKey {
                registry: c.new.registry.clone(),
                repository: c.new.repository.clone(),
                spec: c.new.spec.clone(),
            };
            state.refusals.insert(
                c.module.clone(),
                (key, format!("version {} was refused: {why}", c.new.version)),
            );
        }
        self.save(&state);
    }

    /// Whether a registry module could not be checked or resolved last
    /// time (the loop then looks again sooner).
    pub fn has_failures(&self) -> bool {
        !self.state().failing.is_empty()
    }

    /// Where the module `module`, loaded from `path`, came from, if from a registry.
    pub fn source_of(&self, module: &str, path: &Path) -> Option<Source> {
        let state = self.state();
        let r = state
            .index
            .resolved
            .iter()
            .find(|r| self.store.blob_path(&r.layer_digest) == path)?;
        let note = |m: &HashMap<String, (EntryKey, String)>| {
            m.get(module)
                .filter(|(key, _)| key.repository == r.repository && key.registry == r.registry)
                .map(|(_, why)| why.clone())
        };
        Some(Source {
            reference: format!("{}/{}:{}", r.registry, r.repository, r.version),
            spec: r.spec.clone(),
            digest: r.manifest_digest.clone(),
            error: note(&state.failing).or_else(|| note(&state.refusals)),
        })
    }
}

impl crate::resources::sources::ModuleSource for Resolver {
    fn serves(&self, entry: &ModuleEntry) -> bool {
        entry.registry.is_some()
    }

    fn file_for<'a>(
        &'a self,
        entry: &'a ModuleEntry,
        config: &'a MachineConfig,
    ) -> futures::future::BoxFuture<'a, Result<ModuleFile, String>> {
        Box::pin(Resolver::file_for(self, entry, &config.registries))
    }

    fn source_of(&self, module: &str, path: &Path) -> Option<Source> {
        Resolver::source_of(self, module, path)
    }

    fn check_now(&self) {
        Resolver::check_now(self);
    }
}
