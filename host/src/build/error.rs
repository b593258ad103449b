//! Why a build failed.

use std::path::PathBuf;

/// Why a build failed, in words that name the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// componentize-py is not on the machine; the version to install.
    #[error(
        "componentize-py is not installed (armature build needs it to turn Python into a component): \
         pip install componentize-py=={0}"
    )]
    ToolMissing(&'static str),
    #[error("{0}")]
    Project(String),
    #[error("{file}: package {package} has native code ({native}); only pure-Python packages can go into a module")]
    NativePackage {
        file: PathBuf,
        package: String,
        native: String,
    },
    #[error("{0}")]
    Python(String),
}
