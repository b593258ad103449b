//! The `version` custom section, as `wasm-tools metadata add --version`
//! writes it and as the host reads it (`resources::modules`).

use std::io::Write;
use std::path::Path;

use semver::Version;
use wasm_encoder::{ComponentSection, CustomSection};

pub fn append(component: &Path, version: &Version) -> std::io::Result<()> {
    let text = version.to_string();
    let section = CustomSection {
        name: "version".into(),
        data: text.as_bytes().into(),
    };
    let mut bytes = Vec::new();
    // A custom section may stand anywhere, also last in a component.
    section.append_to_component(&mut bytes);
    std::fs::OpenOptions::new()
        .append(true)
        .open(component)?
        .write_all(&bytes)
}
