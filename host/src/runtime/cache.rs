//! On-disk cache of compiled components, keyed by the component's content
//! hash and the engine's compatibility hash, so that a second start (or a
//! module swapped back) does not recompile.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Context;
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

/// The SHA-256 of a component's bytes, in hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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

    /// Compiles `bytes`, or loads the artifact a previous compile left.
    pub fn load(&self, engine: &Engine, bytes: &[u8], digest: &str) -> anyhow::Result<(Component, CacheOutcome)> {
        let Some(entry) = self.entry(digest) else {
            return Ok((Component::new(engine, bytes)?, CacheOutcome::Disabled));
        };
        if entry.exists() {
            // SAFETY: only files this cache wrote are named `<sha256>-<engine>.cwasm`
            // in its folder; wasmtime rejects artifacts of another engine config.
            match unsafe { Component::deserialize_file(engine, &entry) } {
                Ok(c) => return Ok((c, CacheOutcome::Hit)),
                Err(e) => tracing::warn!(file = %entry.display(), "ignoring unusable cache entry: {e:#}"),
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = self.store(&entry, &component) {
            tracing::warn!(file = %entry.display(), "cannot write the compile cache: {e:#}");
        }
        Ok((component, CacheOutcome::Miss))
    }

    fn store(&self, entry: &Path, component: &Component) -> anyhow::Result<()> {
        let dir = entry.parent().context("cache entry has no folder")?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let tmp = entry.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, component.serialize()?)?;
        std::fs::rename(&tmp, entry)?;
        Ok(())
    }
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
