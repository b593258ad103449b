//! The baseline: the benchmark sensor as a Python Viam module, started the
//! way viam-server starts a module — `<exe> <socket>`, wait for the socket,
//! ModuleService/Ready (retried while the module is not up), AddResource —
//! and then called directly on its socket.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench::proto::viam::app::v1::{ComponentConfig, LogConfiguration};
use bench::proto::viam::common::v1::GetReadingsRequest;
use bench::proto::viam::component::sensor::v1::sensor_service_client::SensorServiceClient;
use bench::proto::viam::module::v1::module_service_client::ModuleServiceClient;
use bench::proto::viam::module::v1::{AddResourceRequest, ReadyRequest};
use bench::target::{Target, connect};

use crate::Ctx;
use crate::procs::Proc;

/// The resource the module serves.
pub const SENSOR: &str = "sensor-1";

pub struct PythonModule {
    pub proc: Proc,
    pub target: Target,
    /// Spawn to a successful Ready.
    pub to_ready: Duration,
    /// Spawn to the resource's first answer (Ready, AddResource, GetReadings).
    pub to_serving: Duration,
}

/// Starts the module with its socket in `dir` (the parent must be serving
/// at `parent`), and adds the sensor.
pub async fn start(ctx: &Ctx, label: &str, parent: &std::path::Path) -> anyhow::Result<PythonModule> {
    let dir = ctx.work.join(label);
    std::fs::create_dir_all(&dir)?;
    let socket = dir.join("module.sock");
    let _ = std::fs::remove_file(&socket);
    let mut cmd = Command::new(&ctx.python);
    cmd.arg(&ctx.python_module)
        .arg(&socket)
        .env("VIAM_MODULE_NAME", "bench-sensor")
        .current_dir(&dir);
    let spawned = Instant::now();
    let mut proc = Proc::spawn(&format!("python module ({label})"), &mut cmd, &dir.join("module.log"))?;

    // viam-server polls for the socket every 100 ms; poll every millisecond
    // so the figure is the module's, not the poll's.
    let deadline = spawned + Duration::from_secs(60);
    while !socket.exists() {
        if proc.exited() || Instant::now() > deadline {
            bail!("the Python module did not create its socket; log:\n{}", proc.log_text());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let target = Target::Unix(socket.clone());
    let parent_address = parent.display().to_string();
    let to_ready = loop {
        let attempt = async {
            let mut module = ModuleServiceClient::new(connect(&target).await?);
            let ready = module
                .ready(ReadyRequest {
                    parent_address: parent_address.clone(),
                    webrtc_offer: String::new(),
                    raw_parent_address: parent_address.clone(),
                })
                .await?
                .into_inner();
            anyhow::Ok(ready.ready)
        };
        match attempt.await {
            Ok(true) => break spawned.elapsed(),
            Ok(false) | Err(_) if Instant::now() < deadline && !proc.exited() => {
                tokio::time::sleep(Duration::from_millis(1)).await
            }
            Ok(false) => bail!("the Python module never became ready"),
            Err(e) => bail!("Ready failed: {e:#}; log:\n{}", proc.log_text()),
        }
    };

    let channel = connect(&target).await?;
    ModuleServiceClient::new(channel.clone())
        .add_resource(AddResourceRequest {
            config: Some(ComponentConfig {
                name: SENSOR.into(),
                api: "rdk:component:sensor".into(),
                model: "armature:bench:sensor".into(),
                log_configuration: Some(LogConfiguration { level: "info".into() }),
                ..Default::default()
            }),
            dependencies: Vec::new(),
        })
        .await
        .context("AddResource on the Python module")?;
    let readings = SensorServiceClient::new(channel)
        .get_readings(GetReadingsRequest {
            name: SENSOR.into(),
            extra: None,
        })
        .await
        .context("GetReadings on the Python module")?
        .into_inner()
        .readings;
    anyhow::ensure!(readings.len() == 3, "the Python module answered {readings:?}");
    Ok(PythonModule {
        proc,
        target,
        to_ready,
        to_serving: spawned.elapsed(),
    })
}
