//! `armature build`: a Python module folder into a component.

use std::path::PathBuf;

/// Build a Python module folder (its main.py, or the entry point its
/// pyproject.toml names) into a component. Needs componentize-py.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// The module folder, or its entry .py file.
    pub path: PathBuf,
    /// Where the component goes (default: NAME.wasm here).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// The module's version (default: pyproject.toml's [project] version).
    #[arg(long)]
    pub version: Option<semver::Version>,
}

/// Runs `armature build`.
pub fn run(args: BuildArgs) -> anyhow::Result<()> {
    let BuildArgs { path, out, version } = args;
    let built = super::build(&super::Options { path, out, version })?;
    let version = built.version.map(|v| format!(" {v}")).unwrap_or_default();
    println!(
        "built {}{version} → {} in {:.1} s",
        built.name,
        built.out.display(),
        built.took.as_secs_f64()
    );
    Ok(())
}
