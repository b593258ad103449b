//! Reading captured samples back: the data manager's DoCommand
//! `{"command": "query", "resource": "temp-1", "method": "Readings",
//! "since": RFC 3339, "until": RFC 3339, "limit": N}` answers the latest
//! `limit` samples in the window, oldest first, from the files on disk
//! (closed ones and the one being written); `"binary": true` adds each
//! image's bytes, base64, for the panel's image strip (then at most
//! [`MAX_BINARY_LIMIT`] samples).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Map, Value as Json, json};

use crate::capture::file::{self, CAPTURE, PROG};
use crate::capture::row::Row;

/// Samples answered when `limit` is not given, and at most.
pub const DEFAULT_LIMIT: usize = 1000;
pub const MAX_LIMIT: usize = 100_000;
/// At most this many samples with `"binary": true` (images in one reply).
pub const MAX_BINARY_LIMIT: usize = 100;

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
        let binary = match cmd.get("binary") {
            None | Some(Json::Null) => false,
            Some(Json::Bool(b)) => *b,
            Some(_) => return Err("`binary` must be true or false".into()),
        };
        Ok(Self {
            resource: text("resource")?.ok_or("`resource` is required: the name of a captured resource")?,
            method: text("method")?.ok_or("`method` is required, e.g. \"Readings\"")?,
            since: time("since")?,
            until: time("until")?,
            limit: if binary { limit.min(MAX_BINARY_LIMIT) } else { limit },
            binary,
        })
    }

    /// Runs the query over `capture_dir`. Files are read last-modified
    /// first, and only those that can hold a sample the answer needs:
    /// every sample in a file was requested before the file's last write,
    /// so a file last written before `since`, or before the oldest of the
    /// `limit` newest samples already found, holds none. A panel polling
    /// the last second reads one file per writer, not the folder's history,
    /// and writers sharing a folder (the same method with other parameters)
    /// are all read.
    pub fn run(&self, folders: &[PathBuf], capture_dir: &Path) -> Json {
        let mut files: Vec<(PathBuf, SystemTime)> = folders
            .iter()
            .filter_map(|folder| std::fs::read_dir(folder).ok())
            .flat_map(|entries| entries.flatten())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == CAPTURE || e == PROG))
            .filter_map(|p| {
                let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok()?;
                Some((p, modified))
            })
            .collect();
        files.sort_by_key(|f| std::cmp::Reverse(f.1));
        let mut rows: Vec<Row> = Vec::new();
        let mut unreadable = Vec::new();
        for (path, modified) in files {
            if self.since.is_some_and(|s| modified < s) {
                break;
            }
            // One more than the limit tells `truncated` the truth.
            if rows.len() > self.limit {
                let mut times: Vec<SystemTime> = rows.iter().filter_map(Row::requested).collect();
                // The limit-th newest: an older sample cannot make the answer.
                let (_, oldest_needed, _) = times.select_nth_unstable_by(self.limit - 1, |a, b| b.cmp(a));
                if modified < *oldest_needed {
                    break;
                }
            }
            match file::read(&path) {
                Ok(contents) => rows.extend(
                    contents
                        .records
                        .into_iter()
                        .map(|r| Row::new(&contents.metadata, r))
                        .filter(|r| self.wants(r)),
                ),
                // Named from the capture folder, not the disk's root.
                Err(e) => unreadable.push(e.to_string().replace(&format!("{}/", capture_dir.display()), "")),
            }
        }
        rows.sort_by_key(|r| r.requested().unwrap_or(SystemTime::UNIX_EPOCH));
        let truncated = rows.len() > self.limit;
        let skip = rows.len().saturating_sub(self.limit);
        let samples: Vec<Json> = rows
            .into_iter()
            .skip(skip)
            .map(|mut r| r.sample_json(self.binary))
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

    fn wants(&self, r: &Row) -> bool {
        let Some(at) = r.requested() else { return false };
        self.since.is_none_or(|s| at >= s) && self.until.is_none_or(|u| at <= u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a query over every API folder of `capture_dir` that has the
    /// queried resource and method, as the data manager does with its
    /// collectors' folders.
    fn query(capture_dir: &Path, command: Json) -> Json {
        let q = Query::parse(command.as_object().unwrap()).unwrap();
        let folders: Vec<PathBuf> = std::fs::read_dir(capture_dir)
            .unwrap()
            .flatten()
            .map(|api| api.path().join(&q.resource).join(&q.method))
            .filter(|p| p.is_dir())
            .collect();
        q.run(&folders, capture_dir)
    }

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

    fn sample(secs: i64) -> crate::core::proto::viam::app::datasync::v1::SensorData {
        use crate::core::proto::viam::app::datasync::v1::{SensorData, SensorMetadata, sensor_data};
        let mut data = prost_types::Struct::default();
        data.fields.insert(
            "t".into(),
            prost_types::Value {
                kind: Some(prost_types::value::Kind::NumberValue(secs as f64)),
            },
        );
        SensorData {
            metadata: Some(SensorMetadata {
                time_requested: Some(prost_types::Timestamp {
                    seconds: secs,
                    nanos: 0,
                }),
                ..Default::default()
            }),
            data: Some(sensor_data::Data::Struct(data)),
        }
    }

    /// Two writers in one folder (one method, two parameter sets), their
    /// files overlapping in time: the answer holds both, newest first cut.
    #[test]
    fn writers_sharing_a_folder_are_all_read() {
        use crate::capture::file::CaptureFile;
        use crate::core::proto::viam::app::datasync::v1::DataCaptureMetadata;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("rdk_component_board/b/Analogs");
        let mut a = CaptureFile::create(&folder, &DataCaptureMetadata::default()).unwrap();
        let mut b = CaptureFile::create(&folder, &DataCaptureMetadata::default()).unwrap();
        for t in [1, 3, 5] {
            a.append(&sample(t)).unwrap();
        }
        for t in [2, 4, 6] {
            b.append(&sample(t)).unwrap();
        }
        // `a` closed last: read first, yet `b` holds the newest sample.
        b.close().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        a.close().unwrap();
        let q = |v: Json| query(dir.path(), v);
        let ts = |answer: &Json| -> Vec<f64> {
            answer["samples"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["data"]["t"].as_f64().unwrap())
                .collect()
        };
        let newest = q(json!({"resource": "b", "method": "Analogs", "limit": 3}));
        assert_eq!(ts(&newest), [4.0, 5.0, 6.0]);
        assert_eq!(newest["truncated"], true);
        let all = q(json!({"resource": "b", "method": "Analogs", "since": "1970-01-01T00:00:02Z"}));
        assert_eq!(ts(&all), [2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(all["truncated"], false);
    }

    /// Files last written before the window, or before the newest `limit`
    /// samples found, are not read: a corrupt one there goes unreported.
    #[test]
    fn files_outside_the_window_are_not_read() {
        use crate::capture::file::CaptureFile;
        use crate::core::proto::viam::app::datasync::v1::DataCaptureMetadata;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("rdk_component_sensor/s/Readings");
        std::fs::create_dir_all(&folder).unwrap();
        let old = folder.join("2000-01-01T00_00_00Z.capture");
        std::fs::write(&old, [0xff, 0xff]).unwrap();
        let past = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(past)
            .unwrap();
        let mut f = CaptureFile::create(&folder, &DataCaptureMetadata::default()).unwrap();
        for t in [2_000, 2_001] {
            f.append(&sample(t)).unwrap();
        }
        f.close().unwrap();
        let q = |v: Json| query(dir.path(), v);
        let unreadable = |a: &Json| a["unreadable_files"].as_array().unwrap().len();
        let windowed = q(json!({"resource": "s", "method": "Readings", "since": "1970-01-01T00:30:00Z"}));
        assert_eq!((windowed["count"].as_u64(), unreadable(&windowed)), (Some(2), 0));
        let limited = q(json!({"resource": "s", "method": "Readings", "limit": 1}));
        assert_eq!((limited["count"].as_u64(), unreadable(&limited)), (Some(1), 0));
        let everything = q(json!({"resource": "s", "method": "Readings"}));
        assert_eq!(unreadable(&everything), 1, "without a bound the old file is read");
    }
}
