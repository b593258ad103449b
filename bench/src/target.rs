//! A server address, TCP (`127.0.0.1:8080`) or Unix socket (`unix:/path`),
//! and a tonic channel to it. Every client of the benchmark connects through
//! here, so all servers are measured with the same client library.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Tcp(String),
    Unix(PathBuf),
}

impl Target {
    /// `tcp` or `unix`, for tables.
    pub fn transport(&self) -> &'static str {
        match self {
            Target::Tcp(_) => "tcp",
            Target::Unix(_) => "unix",
        }
    }
}

impl FromStr for Target {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.strip_prefix("unix:") {
            Some(path) => Target::Unix(PathBuf::from(path)),
            None => Target::Tcp(s.to_string()),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp(addr) => write!(f, "{addr}"),
            Target::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// One HTTP/2 connection to `target`.
pub async fn connect(target: &Target) -> anyhow::Result<Channel> {
    match target {
        Target::Tcp(addr) => Endpoint::from_shared(format!("http://{addr}"))?
            .tcp_nodelay(true)
            .connect()
            .await
            .with_context(|| format!("connecting to {target}")),
        Target::Unix(path) => {
            let path = path.clone();
            // The URI only sets the :authority; hyper's h2 rejects a socket
            // path there, and Python's grpclib accepts "localhost".
            Endpoint::from_static("http://localhost")
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(path).await?)) }
                }))
                .await
                .with_context(|| format!("connecting to {target}"))
        }
    }
}
