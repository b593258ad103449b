//! The host's registry cache, under `<state_dir>/registry/`: components by
//! digest (`blobs/sha256-<hex>.wasm`) and what each registry module last
//! resolved to (`resolved.json`), so that a machine boots with no network
//! and an offline machine keeps the version it had. The version before the
//! current one stays too, for a rollback that needs no registry.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    /// The layer this one replaced, kept on disk.
    #[serde(default)]
    pub previous_layer_digest: Option<String>,
}

pub struct Store {
    dir: PathBuf,
}

const INDEX: &str = "resolved.json";

impl Store {
    pub fn new(state_dir: &Path) -> Self {
        Self {
            dir: state_dir.join("registry"),
        }
    }

    pub fn blob_path(&self, digest: &str) -> PathBuf {
        self.dir
            .join("blobs")
            .join(format!("{}.wasm", digest.replace(':', "-")))
    }

    /// The cached component of `digest`, if it is there and intact.
    pub fn cached(&self, digest: &str) -> Option<PathBuf> {
        let path = self.blob_path(digest);
        let bytes = std::fs::read(&path).ok()?;
        (format!("sha256:{}", hex::encode(Sha256::digest(&bytes))) == digest).then_some(path)
    }

    /// Writes a verified component; a crash midway leaves no partial file
    /// under the final name.
    pub fn put(&self, digest: &str, bytes: &[u8]) -> io::Result<PathBuf> {
        let path = self.blob_path(digest);
        let dir = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        io::Write::write_all(&mut tmp, bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(path)
    }

    pub fn load_index(&self) -> Vec<Resolution> {
        match std::fs::read(self.dir.join(INDEX)) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(file = %self.dir.join(INDEX).display(), "unreadable, so registry modules resolve afresh: {e}");
                Vec::new()
            }),
            Err(_) => Vec::new(),
        }
    }

    /// Saves the index, then deletes the components none of it names.
    pub fn save_index(&self, all: &[Resolution]) -> io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        serde_json::to_writer_pretty(&mut tmp, all)?;
        tmp.as_file().sync_all()?;
        tmp.persist(self.dir.join(INDEX)).map_err(|e| e.error)?;
        let keep: BTreeSet<PathBuf> = all
            .iter()
            .flat_map(|r| std::iter::once(&r.layer_digest).chain(r.previous_layer_digest.as_ref()))
            .map(|d| self.blob_path(d))
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
        let digest = |b: &[u8]| format!("sha256:{}", hex::encode(Sha256::digest(b)));
        let (a, b, c) = (digest(b"a"), digest(b"b"), digest(b"c"));
        store.put(&a, b"a").unwrap();
        store.put(&b, b"b").unwrap();
        store.put(&c, b"c").unwrap();
        std::fs::write(store.blob_path(&b), b"tampered").unwrap();
        assert!(store.cached(&a).is_some());
        assert!(
            store.cached(&b).is_none(),
            "a blob that does not hash to its name is not used"
        );
        let r = Resolution {
            registry: "r".into(),
            repository: "acme/x".into(),
            spec: "latest".into(),
            version: "1.0.0".into(),
            manifest_digest: "m".into(),
            layer_digest: a.clone(),
            previous_layer_digest: Some(c.clone()),
        };
        store.save_index(std::slice::from_ref(&r)).unwrap();
        assert_eq!(store.load_index(), vec![r]);
        assert!(store.blob_path(&a).exists() && store.blob_path(&c).exists());
        assert!(!store.blob_path(&b).exists());
    }
}
