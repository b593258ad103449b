//! Cranelift's incremental compilation cache, on disk: compiled functions
//! keyed by their content, so that a new version of a module compiles only
//! the functions that changed.
//!
//! This is what makes an edited Python module quick to load: its component
//! embeds all of CPython, whose thousands of functions are the same in every
//! version; an edit changes the module's own (pre-initialised) data and a
//! handful of functions at most.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::CacheStore;

/// Entries of another Cranelift may not deserialize: a folder per line.
const FORMAT: &str = "functions-wasmtime48";

#[derive(Debug)]
pub struct FunctionCache {
    dir: PathBuf,
}

impl FunctionCache {
    /// Under the component cache's folder.
    pub fn new(cache_dir: &Path) -> Self {
        Self {
            dir: cache_dir.join(FORMAT),
        }
    }

    fn path(&self, key: &[u8]) -> PathBuf {
        let name = hex::encode(Sha256::digest(key));
        // A two-character fan-out keeps folders small (CPython alone has
        // about ten thousand functions).
        self.dir.join(&name[..2]).join(&name[2..])
    }
}

impl CacheStore for FunctionCache {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        std::fs::read(self.path(key)).ok().map(Cow::Owned)
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        let path = self.path(key);
        let Some(dir) = path.parent() else {
            return false;
        };
        // Compiles run in parallel: write aside, then rename into place.
        let tmp = path.with_extension(format!("tmp{}-{:?}", std::process::id(), std::thread::current().id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&tmp, &value))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_inserted_is_found_by_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FunctionCache::new(dir.path());
        assert!(cache.get(b"f").is_none());
        assert!(cache.insert(b"f", vec![1, 2, 3]));
        assert_eq!(cache.get(b"f").as_deref(), Some(&[1u8, 2, 3][..]));
        assert!(cache.get(b"g").is_none());
    }
}
