//! Capture files in Viam's format: a uvarint-length-delimited
//! `DataCaptureMetadata`, then one delimited `SensorData` per sample
//! (`../shared/spec/viam-data-capture.md` 2.3). A file is written as
//! `<time>.prog` and renamed `<time>.capture` when closed. Unlike Viam, a
//! `.prog` left by a crash is recovered at start (its torn last record cut
//! off), not abandoned.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use prost::Message;

use crate::core::proto::viam::app::datasync::v1::{DataCaptureMetadata, SensorData};

pub const PROG: &str = "prog";
pub const CAPTURE: &str = "capture";

/// A close that failed, with the file still open.
#[derive(Debug, thiserror::Error)]
#[error("closing {}: {error}", .file.prog.display())]
pub struct CloseError {
    pub file: CaptureFile,
    pub error: io::Error,
}

/// A capture file being written.
#[derive(Debug)]
pub struct CaptureFile {
    prog: PathBuf,
    out: BufWriter<File>,
    /// Bytes written so far, buffered ones included.
    size: u64,
}

impl CaptureFile {
    /// Creates `<dir>/<now>.prog` (folders 0700, file 0600, as Viam) and
    /// writes the metadata record.
    pub fn create(dir: &Path, metadata: &DataCaptureMetadata) -> io::Result<Self> {
        create_private_dir(dir)?;
        let (prog, file) = new_file(dir)?;
        let mut this = Self {
            prog,
            out: BufWriter::with_capacity(64 << 10, file),
            size: 0,
        };
        this.write(&metadata.encode_length_delimited_to_vec())?;
        Ok(this)
    }

    pub fn append(&mut self, data: &SensorData) -> io::Result<()> {
        self.write(&data.encode_length_delimited_to_vec())
    }

    fn write(&mut self, record: &[u8]) -> io::Result<()> {
        self.out.write_all(record)?;
        self.size += record.len() as u64;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn path(&self) -> &Path {
        &self.prog
    }

    /// Hands what is buffered to the kernel: from then on a killed process
    /// loses none of it.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and renames the file `.capture`; returns the new path. When
    /// either fails (a full disk), the file comes back still open, with
    /// what it could not write still buffered, for a later try: closing a
    /// file never throws samples away.
    pub fn close(mut self) -> Result<PathBuf, CloseError> {
        if let Err(error) = self.out.flush() {
            return Err(CloseError { file: self, error });
        }
        let done = self.prog.with_extension(CAPTURE);
        match std::fs::rename(&self.prog, &done) {
            Ok(()) => Ok(done),
            Err(error) => Err(CloseError { file: self, error }),
        }
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// A new file named for the time now (RFC 3339 in UTC with microseconds,
/// `:` written `_`, as Viam names them); a name already taken, by a file
/// made in the same microsecond, moves on by a microsecond.
fn new_file(dir: &Path) -> io::Result<(PathBuf, File)> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut at = SystemTime::now();
    loop {
        let name = humantime::format_rfc3339_micros(at).to_string().replace(':', "_");
        let path = dir.join(format!("{name}.{PROG}"));
        let taken = path.with_extension(CAPTURE).exists();
        if !taken {
            match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
                Ok(file) => return Ok((path, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        at += std::time::Duration::from_micros(1);
    }
}

/// A capture file read back.
#[derive(Debug)]
pub struct Contents {
    pub metadata: DataCaptureMetadata,
    pub records: Vec<SensorData>,
    /// Where the last whole record ends: less than the file's length when
    /// its tail is torn (a crash mid-write).
    pub whole_len: u64,
}

/// Why a capture file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: no whole metadata record at its start ({reason})")]
    NoMetadata { path: PathBuf, reason: String },
}

/// Reads a capture file; a torn or undecodable record ends it, as Viam's
/// reader does.
pub fn read(path: &Path) -> Result<Contents, ReadError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let mut rest = &bytes[..];
    let metadata = DataCaptureMetadata::decode_length_delimited(&mut rest).map_err(|e| ReadError::NoMetadata {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut records = Vec::new();
    let mut whole_len = (bytes.len() - rest.len()) as u64;
    while !rest.is_empty() {
        let mut next = rest;
        match SensorData::decode_length_delimited(&mut next) {
            Ok(record) => {
                records.push(record);
                whole_len += (rest.len() - next.len()) as u64;
                rest = next;
            }
            Err(_) => break,
        }
    }
    Ok(Contents {
        metadata,
        records,
        whole_len,
    })
}

/// What recovering a `.prog` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Recovered {
    /// Renamed `.capture`, with this many records; `torn` bytes cut off its end.
    Kept { records: usize, torn: u64 },
    /// Not even its metadata was whole: moved under `failed/`.
    Failed(PathBuf),
    /// Nothing was ever written to it (killed before its first flush): deleted.
    Empty,
}

/// Turns every `.prog` under `dir` (none of which may be open for writing)
/// into a `.capture`, cutting off a torn last record. Returns what it did,
/// per file.
pub fn recover(dir: &Path) -> Vec<(PathBuf, io::Result<Recovered>)> {
    let progs = files_under(dir, &[PROG]);
    progs
        .into_iter()
        .map(|path| {
            let outcome = recover_one(dir, &path);
            (path, outcome)
        })
        .collect()
}

/// Every file under `dir` with one of `extensions`, `failed/` left out,
/// sorted by path (in a collector's folder, oldest first).
pub fn files_under(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != FAILED) {
                    walk(&path, extensions, out);
                }
            } else if path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, extensions, &mut out);
    out.sort();
    out
}

/// Files that cannot be read are moved here, keeping their relative path
/// (Viam's `failed/`).
pub const FAILED: &str = "failed";

fn recover_one(root: &Path, path: &Path) -> io::Result<Recovered> {
    if std::fs::metadata(path)?.len() == 0 {
        std::fs::remove_file(path)?;
        return Ok(Recovered::Empty);
    }
    match read(path) {
        Ok(contents) => {
            let len = std::fs::metadata(path)?.len();
            if contents.whole_len < len {
                OpenOptions::new().write(true).open(path)?.set_len(contents.whole_len)?;
            }
            std::fs::rename(path, path.with_extension(CAPTURE))?;
            Ok(Recovered::Kept {
                records: contents.records.len(),
                torn: len - contents.whole_len,
            })
        }
        Err(ReadError::Io { source, .. }) => Err(source),
        Err(ReadError::NoMetadata { .. }) => {
            let relative = path.strip_prefix(root).unwrap_or(path);
            let target = root.join(FAILED).join(relative);
            if let Some(parent) = target.parent() {
                create_private_dir(parent)?;
            }
            std::fs::rename(path, &target)?;
            Ok(Recovered::Failed(target))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::proto::viam::app::datasync::v1::{DataType, SensorMetadata, sensor_data};

    fn metadata() -> DataCaptureMetadata {
        DataCaptureMetadata {
            component_type: "rdk:component:sensor".into(),
            component_name: "temp".into(),
            method_name: "Readings".into(),
            r#type: DataType::TabularSensor as i32,
            file_extension: ".dat".into(),
            ..Default::default()
        }
    }

    fn sample(n: f64) -> SensorData {
        SensorData {
            metadata: Some(SensorMetadata::default()),
            data: Some(sensor_data::Data::Struct(crate::core::values::json_to_struct(
                serde_json::json!({"n": n}).as_object().unwrap(),
            ))),
        }
    }

    #[test]
    fn writes_reads_and_closes_as_capture() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = CaptureFile::create(dir.path(), &metadata()).unwrap();
        f.append(&sample(1.0)).unwrap();
        f.append(&sample(2.0)).unwrap();
        let done = f.close().unwrap();
        assert_eq!(done.extension().unwrap(), CAPTURE);
        let c = read(&done).unwrap();
        assert_eq!(c.metadata, metadata());
        assert_eq!(c.records, vec![sample(1.0), sample(2.0)]);
    }

    #[test]
    fn two_files_in_one_microsecond_get_two_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = CaptureFile::create(dir.path(), &metadata()).unwrap();
        let b = CaptureFile::create(dir.path(), &metadata()).unwrap();
        assert_ne!(a.path(), b.path());
    }

    #[test]
    fn a_torn_prog_is_cut_to_its_whole_records_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("rdk_component_sensor/temp/Readings");
        let mut f = CaptureFile::create(&sub, &metadata()).unwrap();
        f.append(&sample(1.0)).unwrap();
        f.flush().unwrap();
        let prog = f.path().to_path_buf();
        drop(f);
        // Half of a second record, as a kill mid-write leaves it.
        let half = &sample(2.0).encode_length_delimited_to_vec()[..6];
        OpenOptions::new()
            .append(true)
            .open(&prog)
            .unwrap()
            .write_all(half)
            .unwrap();

        let outcome = recover(dir.path());
        assert_eq!(outcome.len(), 1);
        assert_eq!(outcome[0].1.as_ref().unwrap(), &Recovered::Kept { records: 1, torn: 6 });
        let c = read(&prog.with_extension(CAPTURE)).unwrap();
        assert_eq!(c.records, vec![sample(1.0)]);
        assert!(!prog.exists());
    }

    #[test]
    fn a_prog_without_metadata_moves_to_failed() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("x.prog"), [0x7f, 1, 2]).unwrap();
        let outcome = recover(dir.path());
        let failed = dir.path().join(FAILED).join("a/b/x.prog");
        assert_eq!(outcome[0].1.as_ref().unwrap(), &Recovered::Failed(failed.clone()));
        assert!(failed.exists());
        assert!(recover(dir.path()).is_empty(), "failed/ is not looked into again");
    }

    #[test]
    fn an_empty_prog_is_deleted_not_failed() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("x.prog");
        std::fs::write(&empty, []).unwrap();
        let outcome = recover(dir.path());
        assert_eq!(outcome[0].1.as_ref().unwrap(), &Recovered::Empty);
        assert!(!empty.exists() && !dir.path().join(FAILED).exists());
    }
}
