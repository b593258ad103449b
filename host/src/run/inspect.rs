//! `armature check` and `armature models`: a config and a modules folder
//! looked at without running them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::config::MachineConfig;
use crate::registry::resolver::Resolver;
use crate::resources::machine::Machine;
use crate::resources::modules::wasm_files;
use crate::runtime::component::Runtime;

/// `armature check`: every problem of a config and its modules, printed;
/// whether there were none.
pub async fn check(config_path: &Path, modules: Option<PathBuf>, cache_dir: Option<PathBuf>) -> anyhow::Result<bool> {
    let mut problems: Vec<String> = Vec::new();
    let config = match MachineConfig::load_lenient(config_path) {
        Ok((config, errors)) => {
            problems.extend(errors.iter().map(ToString::to_string));
            Some(config)
        }
        Err(e) => {
            problems.extend(e.0.iter().map(ToString::to_string));
            None
        }
    };
    if let Some(config) = config {
        let runtime = Runtime::new(cache_dir)?;
        // A check resolves online, into a cache of its own that goes with
        // it: what it finds is not trusted later by anyone. Inline modules
        // are looked for where a check keeps its state, the temporary folder.
        let check_cache = tempfile::tempdir().context("a temporary folder for the check")?;
        let registry = Arc::new(Resolver::open(check_cache.path()));
        let sources = super::sources::sources(registry, &std::env::temp_dir());
        problems.extend(Machine::check(runtime, &config, modules, sources, crate::builtin::MODELS).await);
    }
    if problems.is_empty() {
        println!("{}: ok", config_path.display());
        Ok(true)
    } else {
        for p in &problems {
            println!("{p}");
        }
        println!("{} problem(s)", problems.len());
        Ok(false)
    }
}

/// `armature models`: the module, API and model of every component in a
/// folder; whether every one loaded.
pub async fn models(dir: &Path, json: bool, cache_dir: Option<PathBuf>) -> anyhow::Result<bool> {
    let runtime = Runtime::new(cache_dir)?;
    let files = wasm_files(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut rows = Vec::new();
    let mut failed = false;
    for file in files {
        let path = file.path;
        match runtime.load(&file.name, &path, file.version).await {
            Ok(m) => {
                for (api, model) in &m.models {
                    rows.push(serde_json::json!({
                        "module": m.name, "file": path.display().to_string(), "version": m.version(),
                        "api": api.to_string(), "model": model.to_string(),
                    }));
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("{e}");
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!("{:<20} {:<32} MODEL", "MODULE", "API");
        for r in &rows {
            println!(
                "{:<20} {:<32} {}",
                r["module"].as_str().unwrap_or(""),
                r["api"].as_str().unwrap_or(""),
                r["model"].as_str().unwrap_or("")
            );
        }
    }
    Ok(!failed)
}
