//! Reading captured samples back: the data manager's DoCommand
//! `{"command": "query", "resource": "temp-1", "method": "Readings",
//! "since": RFC 3339, "until": RFC 3339, "limit": N}` answers the latest
//! `limit` samples in the window, oldest first, from the files on disk
//! (closed ones and the one being written); `"binary": true` adds each
//! image's bytes, base64, for the panel's image strip.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::Engine;
use serde_json::{Map, Value as Json, json};

use crate::capture::file::{self, CAPTURE, PROG};
use crate::grpc::proto::viam::app::datasync::v1::{SensorData, sensor_data};
use crate::values;

/// Samples answered when `limit` is not given, and at most.
pub const DEFAULT_LIMIT: usize = 1000;
pub const MAX_LIMIT: usize = 100_000;

#[derive(Debug, PartialEq)]
pub struct Query {
    pub resource: String,
    pub method: String,
    pub since: Option<SystemTime>,
    pub until: Option<SystemTime>,
    pub limit: usize,
    /// Whether binary samples (images) carry their bytes, base64, or only
    /// their size.
    pub binary: bool,
}

impl Query {
    /// Reads a query command; errors name the key.
    pub fn parse(cmd: &Map<String, Json>) -> Result<Self, String> {
        let text = |key: &str| -> Result<Option<String>, String> {
            match cmd.get(key) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("`{key}` must be a string")),
            }
        };
        let time = |key: &str| -> Result<Option<SystemTime>, String> {
            text(key)?
                .map(|s| {
                    humantime::parse_rfc3339_weak(&s).map_err(|e| {
                        format!("`{key}`: {s:?} is not an RFC 3339 time such as 2026-12-02T10:00:00Z: {e}")
                    })
                })
                .transpose()
        };
        let limit = match cmd.get("limit") {
            None | Some(Json::Null) => DEFAULT_LIMIT,
            Some(v) => match v.as_u64() {
                Some(n) if n > 0 => (n as usize).min(MAX_LIMIT),
                _ => return Err("`limit` must be a whole number above 0".into()),
            },
        };
        Ok(Self {
            resource: text("resource")?.ok_or("`resource` is required: the name of a captured resource")?,
            method: text("method")?.ok_or("`method` is required, e.g. \"Readings\"")?,
            since: time("since")?,
            until: time("until")?,
            limit,
            binary: match cmd.get("binary") {
                None | Some(Json::Null) => false,
                Some(Json::Bool(b)) => *b,
                Some(_) => return Err("`binary` must be true or false".into()),
            },
        })
    }

    /// Runs the query over `capture_dir`. Each folder is read newest file
    /// first and only as far back as the window and the limit need: a
    /// folder's files never overlap in time (one writer, names are creation
    /// times), so a panel polling the last second reads one file, not the
    /// folder's history.
    pub fn run(&self, capture_dir: &Path) -> Json {
        let mut samples: Vec<(SensorData, Option<String>)> = Vec::new();
        let mut unreadable = Vec::new();
        for folder in self.folders(capture_dir) {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == CAPTURE || e == PROG))
                .collect();
            files.sort_by(|a, b| b.file_name().cmp(&a.file_name()));
            let mut found = 0;
            for path in files {
                let contents = match file::read(&path) {
                    Ok(c) => c,
                    Err(e) => {
                        unreadable.push(e.to_string());
                        continue;
                    }
                };
                let starts_before_window = contents
                    .records
                    .first()
                    .and_then(requested)
                    .is_some_and(|first| self.since.is_some_and(|s| first < s));
                let mime = (!contents.metadata.mime_type.is_empty()).then_some(contents.metadata.mime_type);
                for record in contents.records.into_iter().filter(|r| self.wants(r)) {
                    samples.push((record, mime.clone()));
                    found += 1;
                }
                // One more than the limit tells `truncated` the truth.
                if found > self.limit || starts_before_window {
                    break;
                }
            }
        }
        samples.sort_by_key(|(r, _)| requested(r).unwrap_or(SystemTime::UNIX_EPOCH));
        let truncated = samples.len() > self.limit;
        let skip = samples.len().saturating_sub(self.limit);
        let samples: Vec<Json> = samples
            .into_iter()
            .skip(skip)
            .map(|(r, mime)| self.sample_json(r, mime))
            .collect();
        json!({
            "resource": self.resource,
            "method": self.method,
            "count": samples.len(),
            "truncated": truncated,
            "samples": samples,
            "unreadable_files": unreadable,
        })
    }

    fn sample_json(&self, r: SensorData, mime_type: Option<String>) -> Json {
        let mut out = json!({});
        if let Some(b) = sample_into(&mut out, r) {
            out["binary_bytes"] = json!(b.len());
            out["mime_type"] = json!(mime_type.unwrap_or_default());
            if self.binary {
                out["binary_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(b));
            }
        }
        out
    }

    /// `<dir>/<api>/<resource>/<method>` for every API folder.
    fn folders(&self, capture_dir: &Path) -> Vec<PathBuf> {
        let Ok(apis) = std::fs::read_dir(capture_dir) else {
            return Vec::new();
        };
        apis.flatten()
            .map(|api| api.path().join(&self.resource).join(&self.method))
            .filter(|p| p.is_dir())
            .collect()
    }

    fn wants(&self, r: &SensorData) -> bool {
        let Some(at) = requested(r) else { return false };
        self.since.is_none_or(|s| at >= s) && self.until.is_none_or(|u| at <= u)
    }
}

fn requested(r: &SensorData) -> Option<SystemTime> {
    let t = r.metadata.as_ref()?.time_requested?;
    SystemTime::try_from(t).ok()
}

/// A capture timestamp as RFC 3339, or null.
pub fn time_json(t: Option<prost_types::Timestamp>) -> Json {
    t.and_then(|t| SystemTime::try_from(t).ok())
        .map(|t| Json::String(humantime::format_rfc3339_nanos(t).to_string()))
        .unwrap_or(Json::Null)
}

/// Writes a record's times and, when tabular, its `data` into `out`;
/// returns a binary record's bytes for the caller to show as it will.
fn sample_into(out: &mut Json, r: SensorData) -> Option<Vec<u8>> {
    let meta = r.metadata.unwrap_or_default();
    out["time_requested"] = time_json(meta.time_requested);
    out["time_received"] = time_json(meta.time_received);
    match r.data {
        Some(sensor_data::Data::Struct(s)) => {
            out["data"] = values::struct_to_json(&s);
            None
        }
        Some(sensor_data::Data::Binary(b)) => Some(b),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_the_bad_key() {
        let q = |v: Json| Query::parse(v.as_object().unwrap());
        let ok =
            q(json!({"resource": "t", "method": "Readings", "since": "2026-12-02T10:00:00Z", "limit": 5})).unwrap();
        assert_eq!(ok.limit, 5);
        assert!(ok.since.is_some() && ok.until.is_none());
        assert!(q(json!({"method": "Readings"})).unwrap_err().contains("`resource`"));
        assert!(
            q(json!({"resource": "t", "method": "R", "since": "yesterday"}))
                .unwrap_err()
                .contains("`since`")
        );
        assert!(
            q(json!({"resource": "t", "method": "R", "limit": 0}))
                .unwrap_err()
                .contains("`limit`")
        );
    }
}
