//! The Python SDK's imports, checked like the host's: no module of
//! `guest-sdk/python/armature` may import another that imports it back,
//! directly or round a longer circle. Imports inside functions count too:
//! a lazy import is how a circle hides.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::layers::cycle_edges;

/// The package, and the folders in it that are not the SDK's own code.
const PACKAGE: &str = "guest-sdk/python/armature";
const NOT_OURS: &[&str] = &["_vendor", "proto"];

pub fn check(root: &Path) -> Result<()> {
    let dir = root.join(PACKAGE);
    let modules = modules(&dir, &dir, &mut Vec::new())?;
    let mut edges: BTreeMap<(String, String), (String, usize)> = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(dir.join(file)).with_context(|| format!("reading {PACKAGE}/{file}"))?;
        let package = package_of(module, file);
        for (line, target) in imports(&text, &package) {
            let Some(target) = resolve(&modules, &target) else {
                continue;
            };
            if target != *module {
                edges.entry((module.clone(), target)).or_insert((file.clone(), line));
            }
        }
    }
    let circles = cycle_edges(&edges);
    for ((from, to), (file, line)) in &circles {
        eprintln!("error: {PACKAGE}/{file}:{line}: `{from}` imports `{to}`, which imports it back");
    }
    eprintln!(
        "python imports: {} modules, {} imports, {} on a circle",
        modules.len(),
        edges.len(),
        circles.len()
    );
    if !circles.is_empty() {
        bail!("the Python SDK's imports go round in a circle (docs/contributing/layers.md)");
    }
    Ok(())
}

/// Every module of the package: dotted name (`armature.components.servo`,
/// `armature` for the top `__init__.py`) → file, relative to the package.
fn modules(base: &Path, dir: &Path, under: &mut Vec<String>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            if NOT_OURS.contains(&name.as_str()) || name.starts_with('.') || name == "__pycache__" {
                continue;
            }
            under.push(name);
            out.extend(modules(base, &path, under)?);
            under.pop();
        } else if let Some(stem) = name.strip_suffix(".py") {
            let mut dotted = vec!["armature".to_string()];
            dotted.extend(under.iter().cloned());
            if stem != "__init__" {
                dotted.push(stem.to_string());
            }
            let file = path.strip_prefix(base)?.to_string_lossy().into_owned();
            out.insert(dotted.join("."), file);
        }
    }
    Ok(out)
}

/// The package a module's relative imports start from: itself for an
/// `__init__.py`, else its parent.
fn package_of(module: &str, file: &str) -> String {
    if file.ends_with("__init__.py") {
        module.to_string()
    } else {
        module.rsplit_once('.').map_or(module, |(p, _)| p).to_string()
    }
}

/// Every module an import statement names, absolute, with its line:
/// `from .x import y` names `pkg.x.y`, which [`resolve`] takes to the
/// submodule `pkg.x.y` if there is one, else to `pkg.x` that holds `y`.
fn imports(text: &str, package: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        let line = line.split('#').next().unwrap_or("").trim_end();
        if let Some(rest) = line.strip_prefix("from ") {
            let Some((from, names)) = rest.split_once(" import ") else {
                continue;
            };
            let Some(base) = absolute(from.trim(), package) else {
                continue;
            };
            let names = names.trim_matches(|c| c == '(' || c == ')' || c == ' ');
            for name in names.split(',') {
                let name = name.split(" as ").next().unwrap_or("").trim();
                match name {
                    "" => {}
                    "*" => out.push((i + 1, base.clone())),
                    name => out.push((i + 1, format!("{base}.{name}"))),
                }
            }
        } else if let Some(rest) = line.strip_prefix("import ") {
            for name in rest.split(',') {
                let name = name.split(" as ").next().unwrap_or("").trim();
                if name == "armature" || name.starts_with("armature.") {
                    out.push((i + 1, name.to_string()));
                }
            }
        }
    }
    out
}

/// `from`'s module as an absolute dotted name, if it is of this package.
fn absolute(from: &str, package: &str) -> Option<String> {
    let dots = from.chars().take_while(|&c| c == '.').count();
    if dots == 0 {
        return (from == "armature" || from.starts_with("armature.")).then(|| from.to_string());
    }
    let mut base: Vec<&str> = package.split('.').collect();
    for _ in 1..dots {
        base.pop();
    }
    if base.is_empty() {
        return None; // above the top package: not an import Python allows
    }
    let rest = &from[dots..];
    let mut out = base.join(".");
    if !rest.is_empty() {
        out = format!("{out}.{rest}");
    }
    Some(out)
}

/// The module a dotted name lands in: itself if it is a module, else the
/// module that holds the name (`armature.errors.ArmatureError` → `armature.errors`).
fn resolve(modules: &BTreeMap<String, String>, name: &str) -> Option<String> {
    let mut name = name;
    loop {
        if modules.contains_key(name) {
            return Some(name.to_string());
        }
        name = name.rsplit_once('.')?.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_lazy_imports_resolve_to_modules() {
        let text = "import os\nfrom . import _runtime\nfrom ._calls import fatal, short\n\
                    def f():\n    from .errors import (ArmatureError as E)\nfrom ..x import y\n";
        let found: Vec<_> = imports(text, "armature")
            .into_iter()
            .map(|(l, m)| format!("{l}:{m}"))
            .collect();
        assert_eq!(
            found,
            [
                "2:armature._runtime",
                "3:armature._calls.fatal",
                "3:armature._calls.short",
                "5:armature.errors.ArmatureError",
            ]
        );
        assert_eq!(
            absolute("..errors", "armature.components").as_deref(),
            Some("armature.errors")
        );
        let modules: BTreeMap<String, String> = [("armature", "__init__.py"), ("armature.errors", "errors.py")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(
            resolve(&modules, "armature.errors.E").as_deref(),
            Some("armature.errors")
        );
        assert_eq!(resolve(&modules, "armature.nothing").as_deref(), Some("armature"));
        assert_eq!(resolve(&modules, "os"), None);
    }
}
