//! Which module files serve: the `.wasm` files of the modules folder (one
//! per module name: the newest version allowed), plus the files the config
//! names. A file `name@1.2.0.wasm` is version 1.2.0 of module `name`; a
//! file without a version in its name may carry one inside, as the
//! `version` custom section that `wasm-tools metadata add --version` (and
//! the wasm-metadata crate, and `armature build`) write at the component's
//! top level, or that the guest SDK's `export_module!` puts in the core
//! module a Rust component holds.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use semver::Version;

use crate::config::ModuleEntry;

/// A module file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleFile {
    pub name: String,
    pub version: Option<Version>,
    pub path: PathBuf,
}

impl ModuleFile {
    /// Reads `name@version.wasm` (the version is optional), else the
    /// version embedded in the component.
    pub fn from_path(path: &Path) -> Self {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let (name, version) = match stem.split_once('@') {
            Some((name, v)) => (name, Version::parse(v).ok()),
            None => (stem, None),
        };
        let version = version.or_else(|| embedded_version(path));
        Self {
            name: name.to_string(),
            version,
            path: path.to_path_buf(),
        }
    }
}

/// The `version` custom section of a component, if it has a semver in it.
/// A file that cannot be read or parsed has none; loading it reports why.
/// Read section by section, skipping the rest: a Python module is 21 MB,
/// and a buffer that size, freed, stays in the allocator.
pub fn embedded_version(path: &Path) -> Option<Version> {
    let file = std::fs::File::open(path).ok()?;
    version_in(&mut std::io::BufReader::new(file))
}

#[cfg(test)]
fn version_section(bytes: &[u8]) -> Option<Version> {
    version_in(&mut std::io::Cursor::new(bytes))
}

/// The component's own (top-level) `version` section; else the first one in
/// a module nested in it: a Rust guest's, which `export_module!` writes into
/// its core module as `CARGO_PKG_VERSION`.
fn version_in(r: &mut (impl Read + Seek)) -> Option<Version> {
    let end = r.seek(SeekFrom::End(0)).ok()?;
    r.seek(SeekFrom::Start(0)).ok()?;
    let mut nested = None;
    let top = sections(r, end, 0, &mut nested)?;
    top.or(nested)
}

/// A `version` section's text is a semver: a few bytes.
const MAX_VERSION_SECTION: u64 = 256;

/// Walks the binary (header, then sections) of one component or core
/// module ending at `end`: its own `version` section if it has one; the
/// first of a module nested in it goes into `nested`. None if malformed.
fn sections(
    r: &mut (impl Read + Seek),
    end: u64,
    depth: usize,
    nested: &mut Option<Version>,
) -> Option<Option<Version>> {
    let mut header = [0u8; 8];
    r.read_exact(&mut header).ok()?;
    if &header[..4] != b"\0asm" {
        return None;
    }
    // A component's layer is 1 (`0d 00 01 00`), a core module's 0.
    let component = header[6] == 1;
    let mut at = r.stream_position().ok()?;
    while at < end {
        let id = read_u8(r)?;
        let size = read_leb(r)?;
        let body = r.stream_position().ok()?;
        let body_end = body.checked_add(size).filter(|e| *e <= end)?;
        match id {
            0 => {
                let name_len = read_leb(r)?;
                let name_end = r
                    .stream_position()
                    .ok()?
                    .checked_add(name_len)
                    .filter(|e| *e <= body_end)?;
                if name_len == b"version".len() as u64 {
                    let mut name = [0u8; 7];
                    r.read_exact(&mut name).ok()?;
                    let data_len = body_end - name_end;
                    if &name == b"version" && data_len <= MAX_VERSION_SECTION {
                        let mut data = vec![0; data_len as usize];
                        r.read_exact(&mut data).ok()?;
                        let parsed = std::str::from_utf8(&data)
                            .ok()
                            .and_then(|t| Version::parse(t.trim()).ok());
                        if depth == 0 {
                            return Some(parsed);
                        }
                        if nested.is_none() {
                            *nested = parsed;
                        }
                    }
                }
            }
            // A component's core module (1) and nested component (4).
            1 | 4 if component => {
                sections(r, body_end, depth + 1, nested)?;
            }
            _ => {}
        }
        r.seek(SeekFrom::Start(body_end)).ok()?;
        at = body_end;
    }
    Some(None)
}

fn read_u8(r: &mut impl Read) -> Option<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b).ok()?;
    Some(b[0])
}

/// An unsigned LEB128 of at most 32 bits, as section sizes are.
fn read_leb(r: &mut impl Read) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..35).step_by(7) {
        let byte = read_u8(r)?;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Every `.wasm` file of a folder, sorted by path.
pub fn wasm_files(dir: &Path) -> std::io::Result<Vec<ModuleFile>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") && path.is_file() {
            out.push(ModuleFile::from_path(&path));
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Picks the files to load: per module name in the folder, the newest
/// version the config's requirement allows (an unversioned file only when
/// there is no versioned one); plus every file a config entry names.
pub fn select(folder: Vec<ModuleFile>, entries: &[ModuleEntry]) -> (Vec<ModuleFile>, Vec<String>) {
    let mut problems = Vec::new();
    let mut by_name: BTreeMap<String, Vec<ModuleFile>> = BTreeMap::new();
    for f in folder {
        by_name.entry(f.name.clone()).or_default().push(f);
    }
    let mut chosen = Vec::new();
    for entry in entries {
        if entry.registry.is_some() || entry.inline {
            // Resolved by `registry::Resolver` or the inline store; a folder
            // file of that name steps aside.
            by_name.remove(&entry.name);
        } else if let Some(path) = &entry.path {
            // An explicit file replaces whatever the folder has of that name.
            by_name.remove(&entry.name);
            let mut file = ModuleFile::from_path(path);
            file.name = entry.name.clone();
            chosen.push(file);
        } else if !by_name.contains_key(&entry.name) {
            problems.push(format!(
                "module {:?}: no {}*.wasm in the modules folder",
                entry.name, entry.name
            ));
        }
    }
    for (name, mut files) in by_name {
        let requirement = entries.iter().find(|e| e.name == name).and_then(|e| e.version.as_ref());
        files.sort_by(|a, b| a.version.cmp(&b.version));
        let pick = match requirement {
            Some(req) => files
                .iter()
                .rev()
                .find(|f| f.version.as_ref().is_some_and(|v| req.matches(v))),
            None => files.last(),
        };
        match pick {
            Some(f) => chosen.push(f.clone()),
            None => {
                let found: Vec<String> = files
                    .iter()
                    .map(|f| f.version.as_ref().map_or("unversioned".into(), ToString::to_string))
                    .collect();
                problems.push(format!(
                    "module {name:?}: no version matching {} in the modules folder (found {})",
                    requirement.map(ToString::to_string).unwrap_or_default(),
                    found.join(", ")
                ));
            }
        }
    }
    (chosen, problems)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_version_section_is_read_from_the_component() {
        // An empty component with a `version` custom section appended.
        let mut bytes = vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
        let (name, data) = (b"version", b"2.5.1");
        bytes.extend([0, (1 + name.len() + data.len()) as u8, name.len() as u8]);
        bytes.extend(name);
        bytes.extend(data);
        assert_eq!(super::version_section(&bytes), Some(semver::Version::new(2, 5, 1)));
        assert_eq!(super::version_section(&bytes[..8]), None);
        // Cut short, or claiming more than it holds: none, and no panic.
        assert_eq!(super::version_section(&bytes[..bytes.len() - 1]), None);
        assert_eq!(super::version_section(&bytes[..4]), None);
        let mut lying = bytes.clone();
        lying[9] = 0x7f;
        assert_eq!(super::version_section(&lying), None);
    }

    #[test]
    fn a_rust_guests_version_is_read_from_its_core_module() {
        use wasm_encoder::{Component, CustomSection, Module, ModuleSection};
        let section = |v: &'static str| CustomSection {
            name: "version".into(),
            data: v.as_bytes().into(),
        };
        // As wasm-component-ld leaves a Rust guest: the section that
        // `export_module!` writes is in the core module inside.
        let mut core = Module::new();
        core.section(&section("1.4.0"));
        let mut component = Component::new();
        component.section(&ModuleSection(&core));
        let bytes = component.finish();
        assert_eq!(super::version_section(&bytes), Some(semver::Version::new(1, 4, 0)));
        // The component's own section, even after it, wins.
        let mut component = Component::new();
        component.section(&ModuleSection(&core)).section(&section("2.5.1"));
        assert_eq!(
            super::version_section(&component.finish()),
            Some(semver::Version::new(2, 5, 1))
        );
    }

    use super::*;

    fn f(name: &str) -> ModuleFile {
        ModuleFile::from_path(Path::new(&format!("/m/{name}.wasm")))
    }

    fn entry(name: &str, version: Option<&str>) -> ModuleEntry {
        ModuleEntry {
            name: name.into(),
            path: None,
            version: version.map(|v| semver::VersionReq::parse(v).unwrap()),
            registry: None,
            inline: false,
            limits: Default::default(),
            allowed_dependencies: None,
        }
    }

    #[test]
    fn newest_allowed_version_wins() {
        let files = vec![f("a@1.2.0"), f("a@1.10.0"), f("a@2.0.0"), f("b"), f("c@0.1.0")];
        let (chosen, problems) = select(files.clone(), &[]);
        assert!(problems.is_empty());
        let names: Vec<_> = chosen
            .iter()
            .map(|c| c.path.file_stem().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(names, vec!["a@2.0.0", "b", "c@0.1.0"]);
        let (chosen, _) = select(files, &[entry("a", Some("^1.2"))]);
        assert_eq!(chosen[0].version, Some(Version::new(1, 10, 0)));
    }

    #[test]
    fn unmatched_requirements_are_problems() {
        let (_, problems) = select(vec![f("a@1.0.0")], &[entry("a", Some("^2")), entry("zz", None)]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("found 1.0.0")));
    }
}
