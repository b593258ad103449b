//! A resource's data folder, `<state>/data/<api>/<name>`, opened without
//! following symbolic links. The folders below the state folder's `data`
//! were written by guests (each sees its own as `/data`), so a link planted
//! there must never turn another resource's folder into a path outside:
//! each level is created and opened with `O_NOFOLLOW`, relative to the one
//! above, and the sandbox gets the folder that was opened, by descriptor.

use std::ffi::CString;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    /// `<state>/data`: the host's own, trusted.
    pub root: PathBuf,
    /// The folders below it, one name each (checked names: no `/`, `.`, `..`).
    pub parts: Vec<String>,
}

impl DataDir {
    /// Creates what is missing and opens the folder, refusing a symbolic
    /// link (or anything but a folder) at any level below `root`.
    pub fn open(&self) -> io::Result<OwnedFd> {
        std::fs::create_dir_all(&self.root)?;
        let mut dir = open_dir(libc::AT_FDCWD, &self.root, false)?;
        for part in &self.parts {
            if part.is_empty() || part == "." || part == ".." || part.contains(['/', '\0']) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{part:?} is not a folder name"),
                ));
            }
            let name = cstring(Path::new(part))?;
            // SAFETY: mkdirat with an open directory descriptor and a NUL-terminated name.
            if unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), 0o700) } != 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return Err(e);
                }
            }
            dir = open_dir(dir.as_raw_fd(), Path::new(part), true).map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) || e.raw_os_error() == Some(libc::ENOTDIR) {
                    io::Error::other(format!(
                        "{} is a symbolic link or not a folder: refused",
                        self.path().display()
                    ))
                } else {
                    e
                }
            })?;
        }
        Ok(dir)
    }

    pub fn path(&self) -> PathBuf {
        self.parts.iter().fold(self.root.clone(), |p, part| p.join(part))
    }
}

impl fmt::Display for DataDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path().display())
    }
}

fn cstring(path: &Path) -> io::Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in a path"))
}

fn open_dir(at: libc::c_int, path: &Path, nofollow: bool) -> io::Result<OwnedFd> {
    let name = cstring(path)?;
    let mut flags = libc::O_DIRECTORY | libc::O_CLOEXEC | libc::O_RDONLY;
    if nofollow {
        flags |= libc::O_NOFOLLOW;
    }
    // SAFETY: openat with a valid descriptor (or AT_FDCWD) and a NUL-terminated path.
    let fd = unsafe { libc::openat(at, name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The path that names an open folder itself (not whatever its path names
/// now): for APIs that take a path.
pub fn proc_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_link_is_not_followed() {
        let state = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = state.path().join("data");
        let dir = |name: &str| DataDir {
            root: root.clone(),
            parts: vec!["sensor".into(), name.into()],
        };
        let fd = dir("good").open().unwrap();
        std::fs::write(proc_path(&fd).join("f"), b"x").unwrap();
        assert!(root.join("sensor/good/f").exists());

        std::os::unix::fs::symlink(outside.path(), root.join("sensor/victim")).unwrap();
        let e = dir("victim").open().unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        std::os::unix::fs::symlink("../../../..", root.join("sensor/relative")).unwrap();
        assert!(dir("relative").open().is_err());
        assert!(dir("..").open().is_err());
    }
}
