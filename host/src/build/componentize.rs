//! Running `componentize-py`, and turning its failures into messages that
//! name the module's own files.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use super::embedded::Sdk;
use super::error::BuildError;
use super::project::Project;

/// The componentize-py release the SDK is tested with.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// The app module componentize-py is pointed at: it imports the module's
/// entry point (whose classes register the models) and exposes the SDK's
/// implementation of every exported interface under the interface's name.
const APP: &str = "armature_app";

pub struct Tool {
    pub componentize_py: PathBuf,
    /// The Python beside it (its venv's), for pip.
    pub python: PathBuf,
}

/// The CPython componentize-py embeds: what `requirements.txt` is resolved for.
pub const GUEST_PYTHON_VERSION: &str = "3.14";

/// `ARMATURE_COMPONENTIZE_PY` (when set and not empty), else
/// `componentize-py` on the PATH.
pub fn find_tool() -> Result<Tool, BuildError> {
    let named = std::env::var_os("ARMATURE_COMPONENTIZE_PY").filter(|v| !v.is_empty());
    let componentize_py = match named {
        Some(path) => {
            let path = PathBuf::from(path);
            if !path.is_file() {
                return Err(BuildError::Project(format!(
                    "ARMATURE_COMPONENTIZE_PY names {}, which is not a file",
                    path.display()
                )));
            }
            path
        }
        None => on_path("componentize-py").ok_or(BuildError::ToolMissing(COMPONENTIZE_PY_VERSION))?,
    };
    let beside = componentize_py
        .parent()
        .map(|d| d.join("python3"))
        .filter(|p| p.exists());
    let python = beside
        .or_else(|| on_path("python3"))
        .unwrap_or_else(|| PathBuf::from("python3"));
    Ok(Tool {
        componentize_py,
        python,
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `site_packages` holds the bundled requirements (maybe none); it is the
/// only site-packages componentize-py sees, so nothing of the build
/// machine's own Python environment slips into the component.
pub fn run(tool: &Tool, project: &Project, sdk: &Sdk, site_packages: &Path, out: &Path) -> anyhow::Result<()> {
    let app_dir = sdk.python.with_file_name("app");
    std::fs::create_dir_all(&app_dir)?;
    // componentize-py names the i-th `-p` folder `/i/` in tracebacks.
    let mut search = vec![project.entry_dir.clone()];
    if project.dir != project.entry_dir {
        search.push(project.dir.clone());
    }
    search.push(sdk.python.clone());
    search.push(app_dir.clone());
    std::fs::write(
        app_dir.join(format!("{APP}.py")),
        app_source(&project.entry_module, &search),
    )?;
    let venv = site_packages
        .parent()
        .and_then(Path::parent)
        .context("site-packages sits in <venv>/lib/")?;
    let mut cmd = Command::new(&tool.componentize_py);
    cmd.arg("-d").arg(&sdk.wit).args(["-w", "module", "componentize"]);
    for dir in &search {
        cmd.arg("-p").arg(dir);
    }
    cmd.arg(APP).arg("-o").arg(out);
    // Its Rust backtraces say nothing about the module.
    cmd.env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        // componentize-py adds $VIRTUAL_ENV's site-packages (else pipenv's,
        // else the system Python's) to the search path.
        .env("VIRTUAL_ENV", venv)
        .env_remove("PYTHONPATH");
    let output = cmd
        .output()
        .with_context(|| format!("running {}", tool.componentize_py.display()))?;
    if output.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Err(BuildError::Python(python_failure(&text, &search, &project.entry_module)).into())
}

fn app_source(entry_module: &str, search: &[PathBuf]) -> String {
    let folders: Vec<String> = search
        .iter()
        .enumerate()
        .map(|(i, dir)| format!("{:?}: {:?}", format!("/{i}/"), format!("{}/", dir.display())))
        .collect();
    format!(
        "from armature import _failures as _armature_failures\n\
         _armature_failures.SOURCE_FOLDERS.update({{{}}})\n\
         import {entry_module}  # noqa: F401,E402  defining the models registers them\n\
         from armature.resource import registry as _registry\n\
         if not _registry.models():\n    \
             raise SystemExit(\"{entry_module}.py defines no model: subclass an API class and EasyResource, \
         e.g. class MySensor(Sensor, EasyResource)\")\n\
         from armature._apis import Board, Camera, Encoder, Motor, MovementSensor, Sensor, Servo  # noqa: E402,F401\n\
         from armature._apis import Arm, Base, Button, Gantry, Gripper, PowerSensor, Switch, Vision  # noqa: E402,F401\n\
         from armature._exports import Lifecycle, Model  # noqa: E402,F401\n",
        folders.join(", ")
    )
}

/// The Python traceback inside componentize-py's report, with its `/i/`
/// folders put back to the real ones and the app module's frame left out.
fn python_failure(text: &str, search: &[PathBuf], entry_module: &str) -> String {
    let inner = text
        .split_once("AssertionError: ")
        .map(|(_, rest)| rest)
        .map(|rest| rest.split_once("\n\nCaused by:").map_or(rest, |(tb, _)| tb))
        .unwrap_or_else(|| text.split_once("Stack backtrace:").map_or(text, |(head, _)| head));
    let mut lines: Vec<String> = Vec::new();
    let mut skip_app_frame = false;
    for line in inner.lines() {
        if skip_app_frame && line.starts_with("    ") {
            continue;
        }
        skip_app_frame = line.contains(&format!("/{APP}.py\""));
        if skip_app_frame {
            continue;
        }
        let mut line = line.to_string();
        for (i, dir) in search.iter().enumerate() {
            line = line.replace(&format!("\"/{i}/"), &format!("\"{}/", dir.display()));
        }
        lines.push(line);
    }
    let body = lines.join("\n");
    let last = lines
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .cloned()
        .unwrap_or_default();
    let location = lines
        .iter()
        .rev()
        .find(|l| l.trim_start().starts_with("File \""))
        .map(|l| l.trim().to_string());
    match location {
        Some(at) => format!("{last}\n  at {at}\n\n{body}"),
        None if body.trim().is_empty() => format!("componentize-py failed on {entry_module}.py"),
        None => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNTAX: &str = "Traceback (most recent call last):\n  File \"x\", line 8, in <module>\nAssertionError: Traceback (most recent call last):\n  File \"/3/armature_app.py\", line 1, in <module>\n    import main  # noqa\n    ^^^^^^^^^^^\n  File \"/0/main.py\", line 3\n    def f(:\n          ^\nSyntaxError: invalid syntax\n\n\nCaused by:\n    SyntaxError: invalid syntax (main.py, line 3)\n\nStack backtrace:\n   0: anyhow\n";

    #[test]
    fn a_syntax_error_names_the_real_file_and_line() {
        let search = vec![PathBuf::from("/home/me/sensor"), PathBuf::from("/tmp/x/sdk")];
        let msg = python_failure(SYNTAX, &search, "main");
        assert!(msg.starts_with("SyntaxError: invalid syntax\n"), "{msg}");
        assert!(msg.contains("File \"/home/me/sensor/main.py\", line 3"), "{msg}");
        assert!(!msg.contains("armature_app"), "{msg}");
        assert!(!msg.contains("Stack backtrace"), "{msg}");
    }
}
