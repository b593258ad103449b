//! The WIT package and the Python SDK, compiled into the binary so that a
//! build uses exactly the contract this host speaks.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

static WIT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../wit");
static PYTHON_SDK: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../guest-sdk/python/armature");

/// Where `unpack` put things.
pub struct Sdk {
    /// The WIT package folder.
    pub wit: PathBuf,
    /// A folder holding the `armature` package.
    pub python: PathBuf,
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
    Ok(Sdk { wit, python })
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
