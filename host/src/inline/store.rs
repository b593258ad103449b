//! Every version of every inline module, on disk under the host's state
//! folder: `inline/NAME/0.0.N/` holds the source (`main.py`), the component
//! built from it (`NAME.wasm`) and what is known of it (`version.json`).
//! A version folder appears whole (built in a staging folder beside it, then
//! renamed) and is never changed after; a failed deploy removes its own.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::config::ModuleEntry;
use crate::resources::modules::ModuleFile;

pub const SOURCE_FILE: &str = "main.py";
const META_FILE: &str = "version.json";

/// What is kept beside a version's source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionMeta {
    /// RFC 3339, UTC.
    pub created: String,
    /// For a rollback: the version whose source this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_from: Option<String>,
    /// How long componentize-py took.
    pub build_seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub version: String,
    #[serde(flatten)]
    pub meta: VersionMeta,
    pub source_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// A version being built: a folder of its own beside the versions, removed
/// unless committed.
pub struct Staging {
    pub dir: tempfile::TempDir,
    pub version: Version,
}

impl Store {
    pub fn open(state_dir: &Path) -> Self {
        Self {
            dir: state_dir.join("inline"),
        }
    }

    fn module_dir(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn version_dir(&self, name: &str, version: &Version) -> PathBuf {
        self.module_dir(name).join(version.to_string())
    }

    pub fn wasm_path(&self, name: &str, version: &Version) -> PathBuf {
        self.version_dir(name, version).join(format!("{name}.wasm"))
    }

    /// Names of the modules with at least one version.
    pub fn modules(&self) -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if crate::core::names::check_inline_module_name(&name).is_ok() && !self.versions(&name)?.is_empty() {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The versions of `name`, oldest first.
    pub fn versions(&self, name: &str) -> std::io::Result<Vec<Version>> {
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(self.module_dir(name)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            // Staging folders start with a dot and are no version.
            if let Ok(v) = Version::parse(&entry.file_name().to_string_lossy())
                && entry.path().join(format!("{name}.wasm")).is_file()
            {
                out.push(v);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Each version with what is known of it, oldest first.
    pub fn history(&self, name: &str) -> std::io::Result<Vec<VersionInfo>> {
        self.versions(name)?
            .into_iter()
            .map(|v| {
                let dir = self.version_dir(name, &v);
                let meta = std::fs::read(dir.join(META_FILE))
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or(VersionMeta {
                        created: String::new(),
                        rolled_back_from: None,
                        build_seconds: 0.0,
                    });
                let source_bytes = std::fs::metadata(dir.join(SOURCE_FILE)).map(|m| m.len()).unwrap_or(0);
                Ok(VersionInfo {
                    version: v.to_string(),
                    meta,
                    source_bytes,
                })
            })
            .collect()
    }

    pub fn source(&self, name: &str, version: &Version) -> std::io::Result<String> {
        std::fs::read_to_string(self.version_dir(name, version).join(SOURCE_FILE))
    }

    /// The version after the newest: 0.0.1, 0.0.2, ...
    pub fn next_version(&self, name: &str) -> std::io::Result<Version> {
        let newest = self.versions(name)?.pop();
        Ok(newest.map_or(Version::new(0, 0, 1), |v| Version::new(v.major, v.minor, v.patch + 1)))
    }

    /// A staging folder for the next version, holding `source`.
    pub fn stage(&self, name: &str, source: &str) -> std::io::Result<Staging> {
        let module_dir = self.module_dir(name);
        std::fs::create_dir_all(&module_dir)?;
        let version = self.next_version(name)?;
        let dir = tempfile::Builder::new().prefix(".staging-").tempdir_in(&module_dir)?;
        std::fs::write(dir.path().join(SOURCE_FILE), source)?;
        Ok(Staging { dir, version })
    }

    /// Makes a built staging folder a version.
    pub fn commit(&self, name: &str, staging: Staging, meta: &VersionMeta) -> std::io::Result<Version> {
        std::fs::write(staging.dir.path().join(META_FILE), serde_json::to_vec_pretty(meta)?)?;
        let dir = staging.dir.keep();
        std::fs::rename(&dir, self.version_dir(name, &staging.version))?;
        Ok(staging.version)
    }

    /// Removes a version that failed to serve; its number is used again.
    pub fn discard(&self, name: &str, version: &Version) -> std::io::Result<()> {
        let dir = self.version_dir(name, version);
        // Out of sight at once (a load in between sees no half-removed folder).
        let aside = self.module_dir(name).join(format!(".discarded-{version}"));
        std::fs::rename(&dir, &aside)?;
        std::fs::remove_dir_all(&aside)
    }

    /// The file serving an inline module's config entry: the version it pins,
    /// else the newest.
    pub fn file_for(&self, entry: &ModuleEntry) -> Result<ModuleFile, String> {
        let name = &entry.name;
        let versions = self
            .versions(name)
            .map_err(|e| format!("inline module {name:?}: {}: {e}", self.module_dir(name).display()))?;
        let pick = match &entry.version {
            Some(req) => versions.iter().rev().find(|v| req.matches(v)),
            None => versions.last(),
        };
        match pick {
            Some(v) => Ok(ModuleFile {
                name: name.clone(),
                version: Some(v.clone()),
                path: self.wasm_path(name, v),
            }),
            None if versions.is_empty() => Err(format!(
                "module {name:?}: inline module {name:?} has no version yet (deploy one from the panel or with `armature inline push {name} main.py`)"
            )),
            None => Err(format!(
                "module {name:?}: inline module {name:?} has no version {} (it has {})",
                entry.version.as_ref().map(ToString::to_string).unwrap_or_default(),
                versions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

impl crate::resources::sources::ModuleSource for Store {
    fn serves(&self, entry: &ModuleEntry) -> bool {
        entry.inline
    }

    fn file_for<'a>(
        &'a self,
        entry: &'a ModuleEntry,
        _config: &'a crate::config::MachineConfig,
    ) -> futures::future::BoxFuture<'a, Result<ModuleFile, String>> {
        Box::pin(std::future::ready(Store::file_for(self, entry)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(store: &Store, name: &str, source: &str) -> Version {
        let staging = store.stage(name, source).unwrap();
        std::fs::write(staging.dir.path().join(format!("{name}.wasm")), b"\0asm").unwrap();
        let meta = VersionMeta {
            created: now_rfc3339(),
            rolled_back_from: None,
            build_seconds: 1.0,
        };
        store.commit(name, staging, &meta).unwrap()
    }

    fn entry(name: &str, pin: Option<&str>) -> ModuleEntry {
        ModuleEntry {
            name: name.into(),
            path: None,
            version: pin.map(|p| semver::VersionReq::parse(&format!("={p}")).unwrap()),
            registry: None,
            inline: true,
            limits: Default::default(),
            allowed_dependencies: None,
        }
    }

    #[test]
    fn versions_count_up_and_the_newest_serves_unless_pinned() {
        let state = tempfile::tempdir().unwrap();
        let store = Store::open(state.path());
        assert!(
            store
                .file_for(&entry("a", None))
                .unwrap_err()
                .contains("no version yet")
        );
        assert_eq!(commit(&store, "a", "one"), Version::new(0, 0, 1));
        assert_eq!(commit(&store, "a", "two"), Version::new(0, 0, 2));
        let newest = store.file_for(&entry("a", None)).unwrap();
        assert_eq!(newest.version, Some(Version::new(0, 0, 2)));
        let pinned = store.file_for(&entry("a", Some("0.0.1"))).unwrap();
        assert_eq!(
            store.source(&pinned.name, pinned.version.as_ref().unwrap()).unwrap(),
            "one"
        );
        assert!(
            store
                .file_for(&entry("a", Some("0.0.9")))
                .unwrap_err()
                .contains("it has 0.0.1, 0.0.2")
        );
        assert_eq!(store.modules().unwrap(), vec!["a".to_string()]);
    }

    #[test]
    fn a_discarded_version_is_gone_and_its_number_reused() {
        let state = tempfile::tempdir().unwrap();
        let store = Store::open(state.path());
        commit(&store, "a", "one");
        let two = commit(&store, "a", "two");
        store.discard("a", &two).unwrap();
        assert_eq!(store.versions("a").unwrap(), vec![Version::new(0, 0, 1)]);
        assert_eq!(store.next_version("a").unwrap(), two);
        // An abandoned staging folder is no version.
        let staging = store.stage("a", "three").unwrap();
        drop(staging);
        assert_eq!(store.versions("a").unwrap().len(), 1);
        assert_eq!(store.history("a").unwrap()[0].source_bytes, 3);
    }
}
