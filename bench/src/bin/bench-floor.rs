//! The floor: a tonic server that answers SensorService/GetReadings with
//! three fixed numbers, SensorService/DoCommand with the command it was sent
//! and CameraService/GetImages with one fixed frame, and does nothing else —
//! what tonic, HTTP/2 and protobuf cost alone. It runs on the same tokio runtime as `armature run`
//! (multi-threaded, one worker per core) and serves TCP with TCP_NODELAY, as
//! Armature does, so that the difference between the two is what the host
//! adds.
//!
//! `bench-floor ADDR...` with ADDR `host:port` or `unix:PATH`; prints
//! `floor listening on ADDR` for each, then serves until killed.

use std::collections::HashMap;

use anyhow::Context;
use bench::proto::viam::common::v1 as common;
use bench::proto::viam::component::camera::v1 as camera;
use bench::proto::viam::component::camera::v1::camera_service_server::{CameraService, CameraServiceServer};
use bench::proto::viam::component::sensor::v1::sensor_service_server::{SensorService, SensorServiceServer};
use prost_types::Value;
use prost_types::value::Kind;
use tokio::net::{TcpListener, UnixListener};
use tokio_stream::wrappers::UnixListenerStream;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

struct Floor;

#[tonic::async_trait]
impl SensorService for Floor {
    async fn get_readings(
        &self,
        _request: Request<common::GetReadingsRequest>,
    ) -> Result<Response<common::GetReadingsResponse>, Status> {
        let readings: HashMap<String, Value> = bench::READINGS
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    Value {
                        kind: Some(Kind::NumberValue(*v)),
                    },
                )
            })
            .collect();
        Ok(Response::new(common::GetReadingsResponse { readings }))
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        Ok(Response::new(common::DoCommandResponse {
            result: request.into_inner().command,
        }))
    }
}

#[tonic::async_trait]
impl CameraService for Floor {
    async fn get_images(
        &self,
        _request: Request<camera::GetImagesRequest>,
    ) -> Result<Response<camera::GetImagesResponse>, Status> {
        Ok(Response::new(camera::GetImagesResponse {
            images: vec![camera::Image {
                source_name: "frame".into(),
                image: bench::FRAME.to_vec(),
                mime_type: "image/jpeg".into(),
                annotations: None,
            }],
            response_metadata: None,
        }))
    }
}

async fn serve(addr: String) -> anyhow::Result<()> {
    let router = Server::builder()
        .add_service(SensorServiceServer::new(Floor))
        .add_service(CameraServiceServer::new(Floor));
    if let Some(path) = addr.strip_prefix("unix:") {
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path).with_context(|| format!("listening on {addr}"))?;
        println!("floor listening on {addr}");
        router.serve_with_incoming(UnixListenerStream::new(listener)).await?;
    } else {
        let listener = TcpListener::bind(&addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        println!("floor listening on {}", listener.local_addr()?);
        let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
        router.serve_with_incoming(incoming).await?;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let addrs: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(!addrs.is_empty(), "usage: bench-floor ADDR... (host:port or unix:PATH)");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let servers: Vec<_> = addrs.into_iter().map(|a| tokio::spawn(serve(a))).collect();
        for s in servers {
            s.await??;
        }
        Ok(())
    })
}
