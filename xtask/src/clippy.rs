//! `cargo xtask test --clippy`, CI's lint gate: every workspace crate is
//! compiled through clippy-driver, warnings denied, in the builds the tests
//! make anyway. `cargo clippy --workspace --all-targets -- -D warnings` runs
//! the same lints, but in a check build of its own, which checks every
//! dependency again (wasmtime, cranelift, tonic, ...): almost three of CI's
//! thirty minutes.
//!
//! How: cargo's `RUSTC_WORKSPACE_WRAPPER` puts clippy-driver in front of
//! rustc for workspace members only, so dependencies build as they always
//! do, and `CLIPPY_ARGS` carries the lint options, both as `cargo clippy`
//! itself sets them. Cargo keeps the wrapper in a member's fingerprint: a
//! crate built without it is built again, and linted, with it.
//!
//! What the tests do not build is built here too ([`rest`]): the host's
//! micro-benchmarks, xtask's and the benchmark's binaries, the benchmark's
//! guest. Guest crates are linted as what they are, wasm32 components, not
//! for the machine's own target.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Result, bail};

use crate::{cargo, run};

/// The options `cargo clippy -- -D warnings` passes to clippy-driver,
/// each followed by clippy's separator.
const CLIPPY_ARGS: &str = "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__";
const DRIVER: &str = "clippy-driver";

static ON: OnceLock<()> = OnceLock::new();

/// From here on, every cargo this task starts lints the workspace.
pub fn enable() -> Result<()> {
    let runs = || {
        Command::new(DRIVER)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !runs() {
        eprintln!("{DRIVER} is missing; adding clippy with rustup");
        run(Command::new("rustup").args(["component", "add", "clippy"]))?;
        if !runs() {
            bail!("{DRIVER} does not run after `rustup component add clippy`");
        }
    }
    let _ = ON.set(());
    Ok(())
}

/// Adds the lint to `cmd` (a cargo) once [`enable`] has run.
pub fn apply(cmd: &mut Command) {
    if ON.get().is_some() {
        cmd.env("RUSTC_WORKSPACE_WRAPPER", DRIVER)
            .env("CLIPPY_ARGS", CLIPPY_ARGS);
    }
}

/// Builds, and so lints, the workspace's targets that `cargo xtask test`
/// does not otherwise build: the micro-benchmarks, and the binaries the
/// tests build only as test harnesses (code outside `cfg(test)` has lints
/// of its own, dead code first).
pub fn rest(root: &Path) -> Result<()> {
    run(cargo()
        .current_dir(root)
        .args(["build", "--release", "-p", "armature-host", "--benches"]))?;
    run(cargo()
        .current_dir(root)
        .args(["build", "--release", "-p", "xtask", "-p", "armature-bench", "--bins"]))?;
    crate::build_bench_guest(root)
}
