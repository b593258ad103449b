//! Builds the control panel with npm and Vite into `OUT_DIR/panel` and
//! writes `OUT_DIR/panel_assets.rs`, which embeds every built file.
//!
//! `ARMATURE_PANEL_DIST=<folder>` embeds a panel built elsewhere instead.
//! Without npm the host still builds, with a page saying why the panel is
//! missing (and a cargo warning), so that Rust-only work needs no Node.js;
//! `ARMATURE_REQUIRE_PANEL=1` (set by `cargo xtask build`) makes it an error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What npm writes inside the panel's folder: not sources.
const GENERATED: &[&str] = &["node_modules", "dist"];

pub fn embed(out: &Path) -> anyhow::Result<()> {
    println!("cargo:rerun-if-env-changed=ARMATURE_PANEL_DIST");
    let panel = Path::new(env!("CARGO_MANIFEST_DIR")).join("../panel");
    watch_sources(&panel);
    let built = match std::env::var_os("ARMATURE_PANEL_DIST") {
        Some(dist) => {
            println!("cargo:rerun-if-changed={}", Path::new(&dist).display());
            Ok(PathBuf::from(dist))
        }
        None => build(&panel, &out.join("panel")),
    };
    let mut files = Vec::new();
    let built = built.and_then(|dist| {
        list(&dist, &dist, &mut files).map_err(|e| format!("reading {}: {e}", dist.display()))?;
        if files.iter().any(|(rel, _)| rel == "index.html") {
            Ok(())
        } else {
            Err(format!("{} has no index.html", dist.display()))
        }
    });
    if let Err(why) = &built {
        if std::env::var_os("ARMATURE_REQUIRE_PANEL").is_some() {
            anyhow::bail!("the control panel could not be built: {why}");
        }
        // One line: cargo reads the lines after a warning's as directives.
        println!(
            "cargo:warning=the control panel is not embedded: {}",
            why.replace('\n', " | ")
        );
        // Watched only now: a build that has its panel must not rerun when
        // these come and go (xtask sets the variable, plain cargo does not;
        // PATH changes when npm gets installed).
        println!("cargo:rerun-if-env-changed=ARMATURE_REQUIRE_PANEL");
        println!("cargo:rerun-if-env-changed=PATH");
        files.clear();
    }
    files.sort();
    let mut code = String::from("pub static ASSETS: &[(&str, &[u8])] = &[\n");
    for (rel, path) in &files {
        writeln!(code, "    ({rel:?}, include_bytes!({:?})),", path.display().to_string())?;
    }
    code.push_str("];\n");
    match &built {
        Ok(()) => code.push_str("pub const BUILT: Result<(), &str> = Ok(());\n"),
        Err(why) => writeln!(code, "pub const BUILT: Result<(), &str> = Err({why:?});")?,
    }
    std::fs::write(out.join("panel_assets.rs"), code)?;
    Ok(())
}

/// Rebuild when a source of the panel changes. Only paths that exist are
/// named: cargo reruns a build script on every build while a watched path
/// is missing.
fn watch_sources(panel: &Path) {
    let mut watched = false;
    if let Ok(entries) = std::fs::read_dir(panel) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !GENERATED.iter().any(|g| name == *g) {
                println!("cargo:rerun-if-changed={}", entry.path().display());
                watched = true;
            }
        }
    }
    if !watched {
        println!("cargo:rerun-if-changed={}", panel.join("package.json").display());
    }
}

/// `npm ci` (when the lockfile changed) and `npm run build` into `dist`.
fn build(panel: &Path, dist: &Path) -> Result<PathBuf, String> {
    // npm's cache stays inside the checkout, beside cargo's.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| panel.join("../target"));
    let npm = |args: &[&str]| -> Result<(), String> {
        let shown = format!("npm {}", args.join(" "));
        let output = Command::new("npm")
            .args(args)
            .current_dir(panel)
            .env("npm_config_cache", target.join("npm-cache"))
            .env("npm_config_update_notifier", "false")
            .output()
            .map_err(|e| format!("running `{shown}` (is Node.js/npm installed?): {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "`{shown}` in {} failed: {}\n{}{}",
                panel.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    };
    let installed = panel.join("node_modules/.package-lock.json");
    let stale = match (modified(&installed), modified(&panel.join("package-lock.json"))) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    };
    if stale {
        npm(&["ci", "--no-audit", "--no-fund"])?;
    }
    let dist_arg = dist.display().to_string();
    npm(&["run", "build", "--", "--outDir", &dist_arg, "--emptyOutDir"])?;
    Ok(dist.to_path_buf())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Every file under `dir`, as (path relative to `root` with `/`, absolute path).
fn list(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, std::fs::canonicalize(&path)?));
        }
    }
    Ok(())
}
