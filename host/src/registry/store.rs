//! The host's registry cache, under `<state_dir>/registry/`: components by
//! digest (`blobs/sha256-<hex>.wasm`) and an index (`resolved.json`) of
//! what each registry module entry last resolved to (and the one before),
//! and which manifests the
//! machine refused, so that a machine boots with no network, an offline
//! machine keeps the version it had, and a refused version stays refused
//! across restarts.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

/// What a registry module entry resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The registry's `host:port`.
    pub registry: String,
    pub repository: String,
    /// The entry's `version` as written.
    pub spec: String,
    pub version: String,
    pub manifest_digest: String,
    pub layer_digest: String,
}

impl Resolution {
    pub fn same_entry(&self, registry: &str, repository: &str, spec: &str) -> bool {
        self.registry == registry && self.repository == repository && self.spec == spec
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub resolved: Vec<Resolution>,
    /// Per entry, the resolution the current one replaced: its component
    /// stays on disk, so that going back to it (a refused upgrade, an
    /// offline fallback) needs no download.
    #[serde(default)]
    pub previous: Vec<Resolution>,
    /// Manifest digests the machine refused to load.
    #[serde(default)]
    pub refused: Vec<String>,
}

pub struct Store {
    dir: PathBuf,
    /// Set when the index could not be read: its blobs are then not
    /// deleted as unreferenced, since nothing is known to reference them.
    keep_blobs: AtomicBool,
}

const INDEX: &str = "resolved.json";

/// `sha256:<hex>` of `bytes`, as OCI digests are written.
pub fn oci_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::runtime::cache::digest(bytes))
}

/// Writes `bytes` to `path` through a temporary file beside it, synced and
/// renamed: a crash leaves the old file or the new one, never a part.
pub fn write_whole(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    io::Write::write_all(&mut tmp, bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

impl Store {
    pub fn new(state_dir: &Path) -> Self {
        Self {
            dir: state_dir.join("registry"),
            keep_blobs: AtomicBool::new(false),
        }
    }

    pub fn blob_path(&self, digest: &str) -> PathBuf {
        self.dir
            .join("blobs")
            .join(format!("{}.wasm", digest.replace(':', "-")))
    }

    /// The cached component of `digest`, if it is there and intact; a
    /// damaged one is deleted, so that it is fetched again.
    pub fn cached(&self, digest: &str) -> Option<PathBuf> {
        let path = self.blob_path(digest);
        let bytes = std::fs::read(&path).ok()?;
        if oci_digest(&bytes) == digest {
            return Some(path);
        }
        tracing::warn!(file = %path.display(), "a cached component does not match its digest; fetching it again");
        let _ = std::fs::remove_file(&path);
        None
    }

    /// Writes a verified component; a crash midway leaves no partial file
    /// under the final name.
    pub fn put(&self, digest: &str, bytes: &[u8]) -> io::Result<PathBuf> {
        let path = self.blob_path(digest);
        write_whole(&path, bytes)?;
        Ok(path)
    }

    pub fn load_index(&self) -> Index {
        let file = self.dir.join(INDEX);
        let Ok(bytes) = std::fs::read(&file) else {
            return Index::default();
        };
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            let aside = self.dir.join(format!("{INDEX}.unreadable"));
            let _ = std::fs::rename(&file, &aside);
            tracing::warn!(file = %file.display(), "unreadable ({e}); kept as {}; registry modules resolve afresh", aside.display());
            self.keep_blobs.store(true, Ordering::Relaxed);
            Index::default()
        })
    }

    /// Saves the index, then deletes the components it does not name.
    pub fn save_index(&self, index: &Index) -> io::Result<()> {
        write_whole(&self.dir.join(INDEX), &serde_json::to_vec_pretty(index)?)?;
        if self.keep_blobs.load(Ordering::Relaxed) {
            return Ok(());
        }
        let keep: BTreeSet<PathBuf> = index
            .resolved
            .iter()
            .chain(&index.previous)
            .map(|r| self.blob_path(&r.layer_digest))
            .collect();
        if let Ok(entries) = std::fs::read_dir(self.dir.join("blobs")) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "wasm") && !keep.contains(&path) {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_checked_and_unreferenced_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let (a, b, c) = (oci_digest(b"a"), oci_digest(b"b"), oci_digest(b"c"));
        store.put(&a, b"a").unwrap();
        store.put(&b, b"b").unwrap();
        store.put(&c, b"c").unwrap();
        std::fs::write(store.blob_path(&b), b"tampered").unwrap();
        assert!(store.cached(&a).is_some());
        assert!(
            store.cached(&b).is_none(),
            "a blob that does not hash to its name is not used"
        );
        assert!(!store.blob_path(&b).exists(), "and is deleted");
        let index = Index {
            resolved: vec![Resolution {
                registry: "r".into(),
                repository: "acme/x".into(),
                spec: "latest".into(),
                version: "1.0.0".into(),
                manifest_digest: "m".into(),
                layer_digest: a.clone(),
            }],
            previous: Vec::new(),
            refused: vec!["sha256:bad".into()],
        };
        store.save_index(&index).unwrap();
        assert_eq!(Store::new(dir.path()).load_index(), index);
        assert!(store.blob_path(&a).exists());
        assert!(!store.blob_path(&c).exists());
    }

    #[test]
    fn an_unreadable_index_deletes_no_blob() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let a = oci_digest(b"a");
        store.put(&a, b"a").unwrap();
        std::fs::write(dir.path().join("registry").join(INDEX), b"{ not json").unwrap();
        assert_eq!(store.load_index(), Index::default());
        store.save_index(&Index::default()).unwrap();
        assert!(store.blob_path(&a).exists());
    }
}
