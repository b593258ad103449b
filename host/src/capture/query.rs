//! Reading captured samples back: the data manager's DoCommand
//! `{"command": "query", "resource": "temp-1", "method": "Readings",
//! "since": RFC 3339, "until": RFC 3339, "limit": N}` answers the latest
//! `limit` samples in the window, oldest first, from the files on disk
//! (closed ones and the one being written).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

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
        })
    }

    /// Runs the query over `capture_dir`.
    pub fn run(&self, capture_dir: &Path) -> Json {
        let mut files = Vec::new();
        for folder in self.folders(capture_dir) {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == CAPTURE || e == PROG)),
            );
        }
        // Names are creation times in UTC: they sort in time order.
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        let mut samples = Vec::new();
        let mut unreadable = Vec::new();
        for path in files {
            match file::read(&path) {
                Ok(contents) => samples.extend(contents.records.into_iter().filter(|r| self.wants(r))),
                Err(e) => unreadable.push(e.to_string()),
            }
        }
        samples.sort_by_key(|r| requested(r).unwrap_or(SystemTime::UNIX_EPOCH));
        let truncated = samples.len() > self.limit;
        let skip = samples.len().saturating_sub(self.limit);
        let samples: Vec<Json> = samples.into_iter().skip(skip).map(sample_json).collect();
        json!({
            "resource": self.resource,
            "method": self.method,
            "count": samples.len(),
            "truncated": truncated,
            "samples": samples,
            "unreadable_files": unreadable,
        })
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

fn time_json(t: Option<prost_types::Timestamp>) -> Json {
    t.and_then(|t| SystemTime::try_from(t).ok())
        .map(|t| Json::String(humantime::format_rfc3339_nanos(t).to_string()))
        .unwrap_or(Json::Null)
}

fn sample_json(r: SensorData) -> Json {
    let mut out = json!({});
    if let Some(b) = sample_into(&mut out, r) {
        out["binary_bytes"] = json!(b.len());
    }
    out
}

/// Writes a record's times and, when tabular, its `data` into `out`;
/// returns a binary record's bytes for the caller to show as it will.
pub fn sample_into(out: &mut Json, r: SensorData) -> Option<Vec<u8>> {
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
