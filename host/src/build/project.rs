//! What a Python module folder says about itself: its entry module, its
//! name and its version.
//!
//! The entry point is `main.py` in the folder, or the file named by
//! `[tool.armature] entry-point` in `pyproject.toml`; the name and version
//! come from `[project]` there (else the folder's name, no version).

use std::path::{Path, PathBuf};

use semver::Version;
use serde::Deserialize;

use super::error::BuildError;

pub struct Project {
    /// The module folder.
    pub dir: PathBuf,
    /// The folder holding the entry file (on the import path).
    pub entry_dir: PathBuf,
    /// The entry file's module name, e.g. `main`.
    pub entry_module: String,
    pub name: String,
    pub version: Option<Version>,
}

#[derive(Deserialize, Default)]
struct PyProject {
    #[serde(default)]
    project: ProjectTable,
    #[serde(default)]
    tool: ToolTable,
}

#[derive(Deserialize, Default)]
struct ProjectTable {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize, Default)]
struct ToolTable {
    #[serde(default)]
    armature: ArmatureTable,
}

#[derive(Deserialize, Default)]
struct ArmatureTable {
    #[serde(rename = "entry-point")]
    entry_point: Option<String>,
}

impl Project {
    /// Reads the folder at `path` (a `.py` file stands for its folder, with
    /// itself as the entry point).
    pub fn read(path: &Path) -> Result<Self, BuildError> {
        // Absolute, so that `main.py` alone has a folder and errors say where.
        let path = &std::fs::canonicalize(path).map_err(|e| BuildError::Project(format!("{}: {e}", path.display())))?;
        let (dir, file) = if path.is_file() {
            (
                path.parent().unwrap_or(Path::new(".")).to_path_buf(),
                Some(path.to_path_buf()),
            )
        } else if path.is_dir() {
            (path.to_path_buf(), None)
        } else {
            return Err(BuildError::Project(format!(
                "{}: no such file or folder",
                path.display()
            )));
        };
        let pyproject_path = dir.join("pyproject.toml");
        let pyproject = match std::fs::read_to_string(&pyproject_path) {
            Ok(text) => toml::from_str::<PyProject>(&text)
                .map_err(|e| BuildError::Project(format!("{}: {e}", pyproject_path.display())))?,
            Err(_) => PyProject::default(),
        };
        let entry = match (file, &pyproject.tool.armature.entry_point) {
            (Some(f), _) => f,
            (None, Some(p)) => dir.join(p),
            (None, None) => dir.join("main.py"),
        };
        if !entry.is_file() {
            let hint = if pyproject.tool.armature.entry_point.is_some() {
                format!(
                    "the entry point {} named by {} does not exist",
                    entry.display(),
                    pyproject_path.display()
                )
            } else {
                format!(
                    "{}: no main.py (or set [tool.armature] entry-point in pyproject.toml)",
                    dir.display()
                )
            };
            return Err(BuildError::Project(hint));
        }
        let entry_module = entry
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| entry.extension().is_some_and(|e| e == "py") && is_identifier(s))
            .ok_or_else(|| {
                BuildError::Project(format!(
                    "{}: the entry point must be a .py file with a Python module name",
                    entry.display()
                ))
            })?
            .to_string();
        let version = match &pyproject.project.version {
            Some(v) => Some(Version::parse(v).map_err(|e| {
                BuildError::Project(format!(
                    "{}: [project] version {v:?} is not a semver: {e}",
                    pyproject_path.display()
                ))
            })?),
            None => None,
        };
        let folder_name = std::fs::canonicalize(&dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "module".into());
        Ok(Self {
            entry_dir: entry.parent().unwrap_or(&dir).to_path_buf(),
            dir,
            entry_module,
            name: pyproject.project.name.unwrap_or(folder_name),
            version,
        })
    }

    pub fn requirements(&self) -> Option<PathBuf> {
        Some(self.dir.join("requirements.txt")).filter(|p| p.is_file())
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_main_py_is_a_project_named_after_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let module = dir.path().join("my-sensor");
        std::fs::create_dir(&module).unwrap();
        std::fs::write(module.join("main.py"), "").unwrap();
        let p = Project::read(&module).unwrap();
        assert_eq!(
            (p.name.as_str(), p.entry_module.as_str(), p.version),
            ("my-sensor", "main", None)
        );
    }

    #[test]
    fn pyproject_names_entry_point_name_and_version() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/alerts.py"), "").unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"alerts\"\nversion = \"1.2.3\"\n[tool.armature]\nentry-point = \"src/alerts.py\"\n",
        )
        .unwrap();
        let p = Project::read(dir.path()).unwrap();
        assert_eq!(p.entry_module, "alerts");
        assert_eq!(p.entry_dir, dir.path().join("src"));
        assert_eq!(p.version, Some(Version::new(1, 2, 3)));
    }

    #[test]
    fn missing_entry_and_bad_version_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = Project::read(dir.path()).err().unwrap().to_string();
        assert!(e.contains("no main.py"), "{e}");
        std::fs::write(dir.path().join("main.py"), "").unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "[project]\nversion = \"one\"\n").unwrap();
        let e = Project::read(dir.path()).err().unwrap().to_string();
        assert!(e.contains("pyproject.toml") && e.contains("\"one\""), "{e}");
    }
}
