//! Viam's disk-full policy (`../shared/spec/viam-data-capture.md` 3.3):
//! every [`CHECK_EVERY`] while capture is on, when the capture folder's
//! filesystem is at least `disk_usage_deletion_threshold` full and the
//! capture folder holds at least `capture_dir_deletion_threshold` of the
//! filesystem, every `delete_every_nth_when_disk_full`-th closed capture
//! file is deleted, oldest first in each folder. Unlike Viam, which logs a
//! count, every deleted file is logged by name and counted in status; and
//! a write that finds the disk full asks for a check at once
//! ([`report_if_full`]) instead of failing until the next scheduled one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::capture::file::{CAPTURE, FAILED};

/// How often the disk is looked at (Viam's interval).
pub const CHECK_EVERY: Duration = Duration::from_secs(30);
/// The least time between checks asked for by full-disk writes: a disk
/// filled by something else fails every write, and the folder walk need
/// not run for each.
pub const FULL_CHECK_GAP: Duration = Duration::from_secs(1);

/// Wakes the disk check; one wake-up is kept while it is busy. One per
/// process, as the data manager is (Viam allows one per machine).
static FULL: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Called on every failed capture write: one that failed because the disk
/// is full wakes the disk check.
pub fn report_if_full(e: &std::io::Error) {
    if matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) {
        FULL.notify_one();
    }
}

/// Waits for [`report_if_full`].
pub async fn full_reported() {
    FULL.notified().await;
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Delete every nth file; 0 never deletes.
    pub nth: u64,
    /// The filesystem's used share at which deletion starts.
    pub disk_threshold: f64,
    /// The capture folder's share of the filesystem below which it does not.
    pub dir_threshold: f64,
}

/// What one check found and did.
#[derive(Debug, Default)]
pub struct Checked {
    pub deleted: Vec<PathBuf>,
    pub failed: Vec<(PathBuf, std::io::Error)>,
    /// Why nothing was deleted, when the disk was full but the folder small.
    pub spared: Option<String>,
}

/// The filesystem holding `dir`: (used share, total bytes).
pub fn usage(dir: &Path) -> std::io::Result<(f64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::other("a path with a NUL byte"))?;
    // SAFETY: statvfs fills the zeroed struct it is given; the path is a
    // valid C string for the call's duration.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let block = st.f_frsize as u64;
    let total = st.f_blocks as u64 * block;
    if total == 0 {
        return Ok((0.0, 0));
    }
    Ok((1.0 - st.f_bavail as f64 / st.f_blocks as f64, total))
}

/// Closed capture files under `dir` (not `failed/`), each folder's oldest
/// first, and their total size with every other file's.
fn files(dir: &Path) -> (Vec<PathBuf>, u64) {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, bytes: &mut u64) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut here: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        here.sort();
        for path in here {
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != FAILED) {
                    walk(&path, out, bytes);
                }
            } else {
                *bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                if path.extension().is_some_and(|e| e == CAPTURE) {
                    out.push(path);
                }
            }
        }
    }
    let (mut out, mut bytes) = (Vec::new(), 0);
    walk(dir, &mut out, &mut bytes);
    (out, bytes)
}

/// The files to delete: the 1st, (n+1)th, (2n+1)th, ... (Viam's `index % n == 0`).
pub fn victims(files: &[PathBuf], nth: u64) -> Vec<PathBuf> {
    if nth == 0 {
        return Vec::new();
    }
    files
        .iter()
        .enumerate()
        .filter(|(i, _)| (*i as u64).is_multiple_of(nth))
        .map(|(_, p)| p.clone())
        .collect()
}

/// One check of `dir`, with the filesystem's usage as `usage` reports it.
pub fn check(dir: &Path, policy: Policy, usage: (f64, u64)) -> Checked {
    let (used, total) = usage;
    let mut out = Checked::default();
    if used < policy.disk_threshold || total == 0 {
        return out;
    }
    let (closed, bytes) = files(dir);
    let share = bytes as f64 / total as f64;
    if share < policy.dir_threshold {
        out.spared = Some(format!(
            "the disk is {:.0} % full, but the capture folder holds only {:.1} % of it \
             (capture_dir_deletion_threshold {}): nothing deleted",
            used * 100.0,
            share * 100.0,
            policy.dir_threshold
        ));
        return out;
    }
    for path in victims(&closed, policy.nth) {
        match std::fs::remove_file(&path) {
            Ok(()) => out.deleted.push(path),
            Err(e) => out.failed.push((path, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_from_the_first() {
        let files: Vec<PathBuf> = (0..11).map(|i| PathBuf::from(format!("{i:02}"))).collect();
        let names: Vec<String> = victims(&files, 5).iter().map(|p| p.display().to_string()).collect();
        assert_eq!(names, ["00", "05", "10"]);
        assert!(victims(&files, 0).is_empty());
    }

    #[test]
    fn deletes_only_when_the_disk_is_full_and_the_folder_big() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("rdk_component_sensor/t/Readings");
        std::fs::create_dir_all(&folder).unwrap();
        for i in 0..6 {
            std::fs::write(folder.join(format!("2026-01-0{i}.capture")), [0u8; 100]).unwrap();
        }
        std::fs::write(folder.join("2026-01-09.prog"), [0u8; 100]).unwrap();
        let policy = Policy {
            nth: 5,
            disk_threshold: 0.9,
            dir_threshold: 0.5,
        };
        assert!(
            check(dir.path(), policy, (0.5, 1000)).deleted.is_empty(),
            "disk not full"
        );
        let spared = check(dir.path(), policy, (0.95, 1_000_000));
        assert!(spared.deleted.is_empty() && spared.spared.is_some(), "folder small");
        let done = check(dir.path(), policy, (0.95, 1000));
        let names: Vec<_> = done.deleted.iter().map(|p| p.file_name().unwrap().to_owned()).collect();
        assert_eq!(names, ["2026-01-00.capture", "2026-01-05.capture"]);
        assert!(
            folder.join("2026-01-09.prog").exists(),
            "a file being written is never deleted"
        );
    }

    #[test]
    fn reads_the_real_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        let (used, total) = usage(dir.path()).unwrap();
        assert!(total > 0 && (0.0..=1.0).contains(&used));
    }
}
