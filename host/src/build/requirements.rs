//! The module's `requirements.txt`, installed with pip into the build folder
//! and bundled. The component holds a CPython compiled to WebAssembly, which
//! cannot load native extensions, so a package with any is refused by name.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use super::componentize::{GUEST_PYTHON_VERSION, Tool};
use super::error::BuildError;
use super::project::Project;

/// Installs the requirements into `target`, resolved for the guest's
/// CPython and for no platform: pure-Python wheels only.
pub fn install(project: &Project, tool: &Tool, target: &Path) -> anyhow::Result<()> {
    let Some(requirements) = project.requirements() else {
        return Ok(());
    };
    let output = Command::new(&tool.python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
        ])
        .args([
            "--only-binary=:all:",
            "--platform",
            "any",
            "--implementation",
            "py",
            "--abi",
            "none",
        ])
        .args(["--python-version", GUEST_PYTHON_VERSION, "--target"])
        .arg(target)
        .arg("-r")
        .arg(&requirements)
        .output()
        .with_context(|| format!("running {} -m pip", tool.python.display()))?;
    if !output.status.success() {
        return Err(BuildError::Project(format!(
            "{}: pip found no pure-Python wheel for a package (one with native code cannot go into a \
             module, and a package without wheels cannot be resolved for the guest):\n{}",
            requirements.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
        .into());
    }
    if let Some((package, native)) = first_native(target)? {
        return Err(BuildError::NativePackage {
            file: requirements,
            package,
            native,
        }
        .into());
    }
    Ok(())
}

/// The first native extension under `dir`: (top-level package, file).
fn first_native(dir: &Path) -> std::io::Result<Option<(String, String)>> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if is_native(&path) {
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                let package = relative
                    .components()
                    .next()
                    .map(|c| c.as_os_str().to_string_lossy().trim_end_matches(".libs").to_string())
                    .unwrap_or_default();
                return Ok(Some((package, relative.display().to_string())));
            }
        }
    }
    Ok(None)
}

fn is_native(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.ends_with(".so") || name.contains(".so.") || name.ends_with(".pyd") || name.ends_with(".dylib")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_object_names_its_package() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pure")).unwrap();
        std::fs::write(dir.path().join("pure/__init__.py"), "").unwrap();
        assert_eq!(first_native(dir.path()).unwrap(), None);
        std::fs::create_dir_all(dir.path().join("numpy/core")).unwrap();
        std::fs::write(
            dir.path()
                .join("numpy/core/_multiarray.cpython-311-x86_64-linux-gnu.so"),
            "",
        )
        .unwrap();
        let (package, file) = first_native(dir.path()).unwrap().unwrap();
        assert_eq!(package, "numpy");
        assert!(file.ends_with(".so"), "{file}");
    }
}
