//! Changes to the config file made for a user (the panel's "add resource",
//! an inline module's first deploy): the file is read, changed as JSON,
//! checked as a whole like any edit, and written back only once the
//! machine has applied it, so that a refused change leaves the file as it
//! was. Keys keep their order (serde_json's `preserve_order`).

use std::path::Path;

use serde_json::{Map, Value};

use super::MachineConfig;

/// The changed file's text and the config it parses to.
pub struct Edited {
    pub text: String,
    pub config: MachineConfig,
}

/// Reads `path`, lets `change` edit the top-level object, and parses the
/// result strictly. Errors name the file.
pub fn edit(path: &Path, change: impl FnOnce(&mut Map<String, Value>) -> Result<(), String>) -> Result<Edited, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?;
    let mut json: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON, so not changed: {e}", path.display()))?;
    let object = json
        .as_object_mut()
        .ok_or_else(|| format!("{}: not a JSON object, so not changed", path.display()))?;
    change(object)?;
    let mut text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    text.push('\n');
    let config = MachineConfig::parse(path, &text).map_err(|e| e.to_string())?;
    Ok(Edited { text, config })
}

/// Replaces the file's bytes at once (a reader sees the old or the new file,
/// never half of one).
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new().prefix(".armature-config-").tempfile_in(dir)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = file.as_file().set_permissions(meta.permissions());
    }
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Appends `entry` to the list `key` (created when missing).
pub fn push(object: &mut Map<String, Value>, key: &str, entry: Value) -> Result<(), String> {
    match object.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(list) => {
            list.push(entry);
            Ok(())
        }
        _ => Err(format!("`{key}` is not a list, so nothing was added to it")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_keeps_key_order_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("machine.json");
        std::fs::write(&path, r#"{"components": [], "modules": [], "agent": {"z": 1, "a": 2}}"#).unwrap();
        let edited = edit(&path, |o| {
            push(
                o,
                "services",
                serde_json::json!({"name": "g", "api": "rdk:service:generic", "model": "x:y:z"}),
            )
        })
        .unwrap();
        assert!(
            edited.text.find("components") < edited.text.find("agent"),
            "{}",
            edited.text
        );
        assert!(edited.text.find("\"z\"") < edited.text.find("\"a\""), "{}", edited.text);
        assert_eq!(edited.config.resources.len(), 1);
        write(&path, &edited.text).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), edited.text);

        let refused = edit(&path, |o| push(o, "services", serde_json::json!({"name": "no api"})))
            .err()
            .unwrap();
        assert!(refused.contains("machine.json"), "{refused}");
        assert!(edit(&path, |o| push(o, "agent", Value::Null)).is_err());
    }
}
