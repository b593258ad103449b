//! On-disk cache of compiled components, keyed by the component's content
//! hash and the engine's compatibility hash, so that a second start (or a
//! module swapped back) does not recompile; and beside each artifact its
//! index entry (the module's contract, models and world), so that a start
//! lists a module without loading its code (`module.rs`).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

pub struct ComponentCache {
    dir: Option<PathBuf>,
    engine_key: String,
}

/// Where a compiled component came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Hit,
    Miss,
    Disabled,
}

impl CacheOutcome {
    /// The metric label: `hit`, `miss`, `disabled`.
    pub fn label(self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Miss => "miss",
            CacheOutcome::Disabled => "disabled",
        }
    }
}

/// What the cache keeps of a module beside its compiled code: enough to
/// list it without loading that code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The contract version, `0.2.1`.
    pub contract: String,
    /// (API, model) pairs, as the module listed them.
    pub models: Vec<(String, String)>,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// The SHA-256 of a component's bytes, in hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The SHA-256 of a file, in hex, and its first eight bytes (fewer if it
/// is shorter), read in small pieces: a module known to the cache is never
/// held in memory whole (a Python module is tens of megabytes, which the
/// allocator would keep).
pub fn digest_file(path: &Path) -> std::io::Result<(String, Vec<u8>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(8);
    let mut buf = vec![0; 64 << 10];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if head.len() < 8 {
            let take = (8 - head.len()).min(n);
            head.extend_from_slice(&buf[..take]);
        }
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), head))
}

impl ComponentCache {
    /// `dir` None disables the cache.
    pub fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut h = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        Self {
            dir,
            engine_key: format!("{:016x}", h.finish()),
        }
    }

    /// The default place: `$XDG_CACHE_HOME/armature` or `~/.cache/armature`.
    pub fn default_dir() -> Option<PathBuf> {
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
            .map(|d| d.join("armature"))
    }

    fn entry(&self, digest: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{digest}-{}.cwasm", self.engine_key)))
    }

    fn index_file(&self, digest: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{digest}-{}.json", self.engine_key)))
    }

    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// The index entry of a module compiled before, if its artifact is
    /// still there to load its code from. An unreadable entry is none.
    pub fn indexed(&self, digest: &str) -> Option<IndexEntry> {
        if !self.entry(digest)?.exists() {
            return None;
        }
        let file = self.index_file(digest)?;
        let text = std::fs::read(&file).ok()?;
        match serde_json::from_slice(&text) {
            Ok(entry) => Some(entry),
            Err(e) => {
                tracing::warn!(file = %file.display(), "ignoring unusable cache index entry: {e}");
                None
            }
        }
    }

    /// Records what a module is, once it was listed from its code.
    pub fn write_index(&self, digest: &str, entry: &IndexEntry) {
        let Some(file) = self.index_file(digest) else { return };
        let written = serde_json::to_vec(entry)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| write_whole(&file, &bytes));
        if let Err(e) = written {
            tracing::warn!(file = %file.display(), "cannot write the cache index: {e:#}");
        }
    }

    /// The artifact a previous compile left for `digest`, if any.
    pub fn cached(&self, engine: &Engine, digest: &str) -> Option<Component> {
        let entry = self.entry(digest).filter(|e| e.exists())?;
        // SAFETY: only files this cache wrote are named `<sha256>-<engine>.cwasm`
        // in its folder; wasmtime rejects artifacts of another engine config.
        match unsafe { Component::deserialize_file(engine, &entry) } {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(file = %entry.display(), "ignoring unusable cache entry: {e:#}");
                None
            }
        }
    }

    /// Compiles `bytes`, or loads the artifact a previous compile left.
    pub fn load(&self, engine: &Engine, bytes: &[u8], digest: &str) -> anyhow::Result<(Component, CacheOutcome)> {
        let Some(entry) = self.entry(digest) else {
            return Ok((Component::new(engine, bytes)?, CacheOutcome::Disabled));
        };
        if let Some(c) = self.cached(engine, digest) {
            return Ok((c, CacheOutcome::Hit));
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = self.store(&entry, &component) {
            tracing::warn!(file = %entry.display(), "cannot write the compile cache: {e:#}");
        }
        Ok((component, CacheOutcome::Miss))
    }

    fn store(&self, entry: &Path, component: &Component) -> anyhow::Result<()> {
        write_whole(entry, &component.serialize()?)
    }
}

/// Writes `file` whole or not at all: beside it, then renamed over it.
fn write_whole(file: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = file.parent().context("cache entry has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, file)?;
    Ok(())
}

/// `--cache-dir DIR` / `--no-cache`, for every command that compiles modules.
#[derive(clap::Args, Debug, Clone)]
pub struct CacheArgs {
    /// Where compiled components are cached (default: ~/.cache/armature).
    #[arg(long, env = "ARMATURE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile every module afresh and cache nothing.
    #[arg(long)]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The cache folder in force, or None for no cache.
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache_dir.clone().or_else(ComponentCache::default_dir)
        }
    }
}
