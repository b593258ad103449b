//! Where the server listens: a TCP address (`127.0.0.1:8080`,
//! `localhost:8080`) or a Unix socket (`unix:/run/armature.sock`), the
//! transport viam-server uses to reach its modules.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::net::{TcpListener, UnixListener};

/// A bound listener, ready to serve.
pub enum Listener {
    Tcp(TcpListener),
    Unix { listener: UnixListener, path: PathBuf },
}

/// The prefix that makes `--listen` a Unix socket path.
pub const UNIX_PREFIX: &str = "unix:";

impl Listener {
    /// Binds `addr`: `unix:PATH` or a TCP `host:port`. Returns the listener
    /// and the address as it should be printed (the real port for `:0`).
    pub async fn bind(addr: &str) -> anyhow::Result<(Self, String)> {
        if let Some(path) = addr.strip_prefix(UNIX_PREFIX) {
            let path = PathBuf::from(path);
            remove_stale_socket(&path)?;
            let listener = UnixListener::bind(&path).with_context(|| format!("listening on {addr}"))?;
            return Ok((Self::Unix { listener, path }, addr.to_string()));
        }
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        let local = listener.local_addr()?.to_string();
        Ok((Self::Tcp(listener), local))
    }
}

impl Listener {
    /// Whether only this machine can connect: a TCP listener on a loopback
    /// address. (A Unix socket is local too, but no browser reaches it.)
    pub fn is_loopback(&self) -> bool {
        match self {
            Self::Tcp(l) => l.local_addr().is_ok_and(|a| a.ip().is_loopback()),
            Self::Unix { .. } => false,
        }
    }
}

/// Whether every address `addr` (`host:port`) resolves to is a loopback
/// address; false when it does not resolve.
pub async fn resolves_to_loopback(addr: &str) -> bool {
    match tokio::net::lookup_host(addr).await {
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback())
        }
        Err(_) => false,
    }
}

/// A socket file left by a host that did not exit cleanly would make bind
/// fail; remove it. Anything else at that path is left alone (bind reports it).
fn remove_stale_socket(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            std::fs::remove_file(path).with_context(|| format!("removing the stale socket {}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn binds_tcp_and_unix_and_replaces_a_stale_socket() {
        let (l, printed) = Listener::bind("127.0.0.1:0").await.unwrap();
        assert!(matches!(l, Listener::Tcp(_)));
        assert!(!printed.ends_with(":0"), "{printed}");

        let dir = tempfile::tempdir().unwrap();
        let addr = format!("unix:{}", dir.path().join("a.sock").display());
        let (first, printed) = Listener::bind(&addr).await.unwrap();
        assert_eq!(printed, addr);
        drop(first); // the socket file stays behind, as after a crash
        let (second, _) = Listener::bind(&addr).await.unwrap();
        assert!(matches!(second, Listener::Unix { .. }));

        let file = dir.path().join("not-a-socket");
        std::fs::write(&file, b"x").unwrap();
        assert!(Listener::bind(&format!("unix:{}", file.display())).await.is_err());
        assert!(file.exists(), "a regular file is never removed");
    }
}
