//! `armature build`: a Python module folder becomes a component.
//!
//! The folder holds the module's own code (`main.py`, or the entry point a
//! `pyproject.toml` names) and optionally a `requirements.txt` of pure-Python
//! packages. Everything else comes from inside this binary: the WIT package
//! and the Python SDK (`armature`), so a user needs only `componentize-py`,
//! which embeds CPython and pre-initialises the module's code.

pub mod cli;
mod componentize;
mod embedded;
mod error;
mod project;
mod requirements;
mod version_section;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use semver::Version;

pub use componentize::COMPONENTIZE_PY_VERSION;
pub use error::BuildError;
pub use project::Project;

pub struct Options {
    /// The module folder (or its `main.py`).
    pub path: PathBuf,
    /// Where the component goes (default: `NAME.wasm` in the current folder).
    pub out: Option<PathBuf>,
    /// Overrides the version in `pyproject.toml`.
    pub version: Option<Version>,
}

pub struct Built {
    pub out: PathBuf,
    pub name: String,
    pub version: Option<Version>,
    pub took: Duration,
}

pub fn build(options: &Options) -> anyhow::Result<Built> {
    let started = Instant::now();
    let project = Project::read(&options.path)?;
    let tool = componentize::find_tool()?;
    let work = tempfile::Builder::new()
        .prefix("armature-build-")
        .tempdir()
        .context("making a build folder")?;
    let sdk = embedded::unpack(work.path()).context("unpacking the WIT package and the Python SDK")?;
    let site_packages = work.path().join("env/lib/site-packages");
    std::fs::create_dir_all(&site_packages)?;
    requirements::install(&project, &tool, &site_packages)?;
    embedded::add_vendored(&sdk, &site_packages).context("adding the vendored modules to the build")?;
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.wasm", project.name)));
    // Built beside its destination and renamed into place: a modules folder
    // that is watched sees the finished file only, and two builds never
    // share a half-written one.
    let out_dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let partial = tempfile::Builder::new()
        .prefix(".armature-build-")
        .suffix(".wasm.partial")
        .tempfile_in(out_dir)
        .with_context(|| format!("making a file in {}", out_dir.display()))?;
    componentize::run(&tool, &project, &sdk, &site_packages, partial.path())?;
    let version = options.version.clone().or_else(|| project.version.clone());
    if let Some(v) = &version {
        version_section::append(partial.path(), v)
            .with_context(|| format!("writing the version into {}", partial.path().display()))?;
    }
    partial
        .persist(&out)
        .with_context(|| format!("moving the component to {}", out.display()))?;
    Ok(Built {
        out,
        name: project.name,
        version,
        took: started.elapsed(),
    })
}
