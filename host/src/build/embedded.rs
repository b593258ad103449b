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
    Ok(Sdk { wit, python })
}
