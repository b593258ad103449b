//! The data manager service's attributes, with Viam's names and defaults
//! (`../shared/spec/viam-data-capture.md` 1.2).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::config::{Api, MachineConfig, resolve_path};

/// The data manager's API and its one model.
pub const API: &str = "rdk:service:data_manager";
pub const MODEL: &str = "rdk:builtin:builtin";

/// Tabular files are closed (`.prog` → `.capture`) past this size.
const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 10;

#[derive(Debug, Clone, PartialEq)]
pub struct DataManagerConfig {
    /// The resource's name.
    pub name: String,
    /// `capture_dir`; unset, `capture` under the host's state folder.
    pub capture_dir: Option<PathBuf>,
    pub tags: Vec<String>,
    pub capture_disabled: bool,
    pub sync_disabled: bool,
    pub sync_interval_mins: f64,
    pub delete_every_nth_when_disk_full: u64,
    /// The filesystem's used share at which the disk-full policy deletes.
    pub disk_usage_deletion_threshold: f64,
    /// The capture folder's share of the filesystem below which it does not.
    pub capture_dir_deletion_threshold: f64,
    pub maximum_capture_file_size_bytes: u64,
    /// `sync_target`: where closed capture files go. None keeps them on disk.
    pub sync_target: Option<SyncTarget>,
}

/// `sync_target: {"nats": "nats://127.0.0.1:4222", "stream": "ARMATURE_DATA", "creds_file": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncTarget {
    pub url: String,
    pub stream: String,
    pub creds_file: Option<PathBuf>,
}

impl SyncTarget {
    fn parse(v: &Value, base: &Path) -> Result<Self, String> {
        let Some(m) = v.as_object() else {
            return Err("attribute `sync_target` must be an object such as {\"nats\": \"nats://127.0.0.1:4222\", \"stream\": \"ARMATURE_DATA\"}".into());
        };
        let text = |key: &str| match m.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            None | Some(Value::Null) => Ok(None),
            Some(_) => Err(format!("attribute `sync_target.{key}` must be a string")),
        };
        let url = text("nats")?
            .ok_or("attribute `sync_target.nats` is required: the server, e.g. \"nats://127.0.0.1:4222\"")?;
        let stream =
            text("stream")?.ok_or("attribute `sync_target.stream` is required: the JetStream stream's name")?;
        if stream
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\'))
        {
            return Err(format!(
                "attribute `sync_target.stream`: {stream:?} is not a stream name (no spaces, '.', '*', '>', '/' or '\\')"
            ));
        }
        Ok(Self {
            url,
            stream,
            creds_file: text("creds_file")?.map(|p| resolve_path(base, &p)),
        })
    }
}

impl DataManagerConfig {
    /// The data manager of a config, if it has one (the parser allows one).
    pub fn of(config: &MachineConfig) -> Option<Result<Self, String>> {
        config
            .resources
            .iter()
            .find(|r| is_data_manager(&r.api))
            .map(|r| Self::parse(&r.name, &r.attributes, &config.base_dir()))
    }

    /// Reads the attributes; an error names the attribute. `base` anchors a
    /// relative `capture_dir`.
    pub fn parse(name: &str, a: &Map<String, Value>, base: &Path) -> Result<Self, String> {
        let capture_dir = match a.get("capture_dir") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() => Some(resolve_path(base, s)),
            Some(_) => return Err("attribute `capture_dir` must be a folder path".into()),
        };
        let tags = match a.get("tags") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|t| t.as_str().map(String::from))
                .collect::<Option<Vec<_>>>()
                .ok_or("attribute `tags` must be a list of strings")?,
            Some(_) => return Err("attribute `tags` must be a list of strings".into()),
        };
        let flag = |key: &str| match a.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("attribute `{key}` must be true or false")),
        };
        let count = |key: &str, default: u64| match a.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("attribute `{key}` can't be negative (or other than a whole number)")),
        };
        let sync_interval_mins = match a.get("sync_interval_mins") {
            None | Some(Value::Null) => 0.1,
            Some(v) => match v.as_f64() {
                Some(m) if m < 0.0 => return Err("attribute `sync_interval_mins` can't be negative".into()),
                Some(m) if m < 0.0001 => 0.1,
                Some(m) => m,
                None => return Err("attribute `sync_interval_mins` must be a number of minutes".into()),
            },
        };
        let max = count("maximum_capture_file_size_bytes", DEFAULT_MAX_FILE_BYTES)?;
        let share = |key: &str, default: f64| match a.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => match v.as_f64() {
                Some(f) if (0.0..=1.0).contains(&f) => Ok(f),
                _ => Err(format!("attribute `{key}` must be a share between 0 and 1")),
            },
        };
        let sync_target = match a.get("sync_target") {
            None | Some(Value::Null) => None,
            Some(v) => Some(SyncTarget::parse(v, base)?),
        };
        Ok(Self {
            name: name.to_string(),
            capture_dir,
            tags,
            capture_disabled: flag("capture_disabled")?,
            sync_disabled: flag("sync_disabled")?,
            sync_interval_mins,
            delete_every_nth_when_disk_full: count("delete_every_nth_when_disk_full", 5)?,
            disk_usage_deletion_threshold: share("disk_usage_deletion_threshold", 0.9)?,
            capture_dir_deletion_threshold: share("capture_dir_deletion_threshold", 0.5)?,
            maximum_capture_file_size_bytes: if max == 0 { DEFAULT_MAX_FILE_BYTES } else { max },
            sync_target,
        })
    }

    /// How often scheduled sync runs.
    pub fn sync_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.sync_interval_mins * 60.0)
    }

    /// The disk-full policy.
    pub fn disk_policy(&self) -> crate::capture::disk::Policy {
        crate::capture::disk::Policy {
            nth: self.delete_every_nth_when_disk_full,
            disk_threshold: self.disk_usage_deletion_threshold,
            dir_threshold: self.capture_dir_deletion_threshold,
        }
    }

    /// The capture folder in force.
    pub fn dir(&self, state_dir: &Path) -> PathBuf {
        self.capture_dir.clone().unwrap_or_else(|| state_dir.join("capture"))
    }
}

pub fn is_data_manager(api: &Api) -> bool {
    api.to_string() == API
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<DataManagerConfig, String> {
        DataManagerConfig::parse("dm", v.as_object().unwrap(), Path::new("/etc/robot"))
    }

    #[test]
    fn viams_defaults() {
        let c = parse(json!({})).unwrap();
        assert_eq!(c.capture_dir, None);
        assert_eq!(c.sync_interval_mins, 0.1);
        assert_eq!(c.delete_every_nth_when_disk_full, 5);
        assert_eq!(c.maximum_capture_file_size_bytes, 256 << 10);
        assert_eq!(c.dir(Path::new("/var/lib/a")), Path::new("/var/lib/a/capture"));
        let c = parse(json!({"capture_dir": "data", "tags": ["a"]})).unwrap();
        assert_eq!(c.capture_dir.as_deref(), Some(Path::new("/etc/robot/data")));
    }

    #[test]
    fn errors_name_the_attribute() {
        assert!(
            parse(json!({"sync_interval_mins": -1}))
                .unwrap_err()
                .contains("sync_interval_mins")
        );
        assert!(parse(json!({"tags": [1]})).unwrap_err().contains("tags"));
        assert!(
            parse(json!({"delete_every_nth_when_disk_full": -2}))
                .unwrap_err()
                .contains("delete_every_nth")
        );
        let err = |v: Value| parse(v).unwrap_err();
        assert!(err(json!({"disk_usage_deletion_threshold": 1.5})).contains("disk_usage_deletion_threshold"));
        assert!(err(json!({"sync_target": {"stream": "S"}})).contains("sync_target.nats"));
        assert!(err(json!({"sync_target": {"nats": "nats://a", "stream": "a.b"}})).contains("sync_target.stream"));
        let t = parse(json!({"sync_target": {"nats": "nats://a", "stream": "S", "creds_file": "x.creds"}})).unwrap();
        assert_eq!(
            t.sync_target.unwrap().creds_file.as_deref(),
            Some(Path::new("/etc/robot/x.creds"))
        );
    }
}
