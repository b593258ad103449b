//! The parent side of Viam's module protocol, as much as a Python module
//! needs: on Ready it connects back to the parent's socket with a
//! RobotClient, which asks ResourceNames at once and every 10 s after (and
//! exits when that fails), and sends its log lines with RobotService/Log.
//! viam-server serves far more there; none of it is on the benchmarked path.

use std::path::{Path, PathBuf};

use anyhow::Context;
use bench::proto::viam::robot::v1 as robot;
use robot::robot_service_server::{RobotService, RobotServiceServer};
use tokio::net::UnixListener;
use tokio_stream::wrappers::UnixListenerStream;
use tonic::{Request, Response, Status};

struct Parent;

#[tonic::async_trait]
impl RobotService for Parent {
    async fn resource_names(
        &self,
        _request: Request<robot::ResourceNamesRequest>,
    ) -> Result<Response<robot::ResourceNamesResponse>, Status> {
        Ok(Response::new(robot::ResourceNamesResponse { resources: Vec::new() }))
    }

    async fn log(&self, _request: Request<robot::LogRequest>) -> Result<Response<robot::LogResponse>, Status> {
        Ok(Response::new(robot::LogResponse {}))
    }
}

/// A running parent socket; stops serving when dropped.
pub struct ParentSocket {
    pub path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ParentSocket {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Serves the parent on `path` (a Unix socket), in this process.
pub fn serve(path: &Path) -> anyhow::Result<ParentSocket> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).with_context(|| format!("listening on {}", path.display()))?;
    let task = tokio::spawn(async move {
        let served = tonic::transport::Server::builder()
            .add_service(RobotServiceServer::new(Parent))
            .serve_with_incoming(UnixListenerStream::new(listener))
            .await;
        if let Err(e) = served {
            eprintln!("the module parent socket stopped: {e}");
        }
    });
    Ok(ParentSocket {
        path: path.to_path_buf(),
        task,
    })
}
