//! The WIT package and the Python SDK, compiled into the binary so that a
//! build uses exactly the contract this host speaks.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

static WIT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../wit");
static PYTHON_SDK: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../guest-sdk/python/armature");

/// The folder in the `armature` package holding the pure-Python modules
/// viam-sdk brings to a Viam module (typing_extensions 4.16.0, its license
/// beside it): a module ported by its imports imports them too.
const VENDOR: &str = "_vendor";

/// Where `unpack` put things.
pub struct Sdk {
    /// The WIT package folder.
    pub wit: PathBuf,
    /// A folder holding the `armature` package.
    pub python: PathBuf,
    /// The vendored modules, taken out of the package (see `add_vendored`).
    pub vendored: PathBuf,
}

pub fn unpack(dir: &Path) -> std::io::Result<Sdk> {
    let wit = dir.join("wit");
    let python = dir.join("sdk");
    std::fs::create_dir_all(&wit)?;
    WIT.extract(&wit)?;
    let package = python.join("armature");
    std::fs::create_dir_all(&package)?;
    PYTHON_SDK.extract(&package)?;
    remove_bytecode(&package)?;
    let vendored = dir.join("vendored");
    std::fs::rename(package.join(VENDOR), &vendored)?;
    Ok(Sdk { wit, python, vendored })
}

/// Moves each vendored module (`name.py` or `name/`, with files such as
/// `name.LICENSE`) into `site_packages` as a top-level module, unless the
/// module's `requirements.txt` installed its own copy there: that one wins.
pub fn add_vendored(sdk: &Sdk, site_packages: &Path) -> std::io::Result<()> {
    let installed =
        |module: &str| site_packages.join(module).exists() || site_packages.join(format!("{module}.py")).exists();
    let mut moves = Vec::new();
    for entry in std::fs::read_dir(&sdk.vendored)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        // Decided before anything moves, so that `name.LICENSE` is not
        // taken for a copy the module brought of `name.py`, moved first.
        let module = name.split('.').next().unwrap_or_default();
        if !installed(module) {
            moves.push((path, site_packages.join(&name)));
        }
    }
    for (from, to) in moves {
        std::fs::rename(from, to)?;
    }
    Ok(())
}

/// A `__pycache__` that was in the source tree when the binary was built.
fn remove_bytecode(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "__pycache__") {
                std::fs::remove_dir_all(&path)?;
            } else {
                remove_bytecode(&path)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_modules_go_to_site_packages_unless_the_module_brought_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let sdk = unpack(dir.path()).unwrap();
        assert!(!sdk.python.join("armature").join(VENDOR).exists());
        let bare = dir.path().join("bare");
        std::fs::create_dir_all(&bare).unwrap();
        add_vendored(&sdk, &bare).unwrap();
        assert!(bare.join("typing_extensions.py").is_file());
        assert!(bare.join("typing_extensions.LICENSE").is_file());

        let dir = tempfile::tempdir().unwrap();
        let sdk = unpack(dir.path()).unwrap();
        let own = dir.path().join("own");
        std::fs::create_dir_all(&own).unwrap();
        std::fs::write(own.join("typing_extensions.py"), "# the module's own\n").unwrap();
        add_vendored(&sdk, &own).unwrap();
        let kept = std::fs::read_to_string(own.join("typing_extensions.py")).unwrap();
        assert_eq!(kept, "# the module's own\n");
        assert!(!own.join("typing_extensions.LICENSE").exists());
    }
}
