//! The scenarios, one file each (1, 2 and 7 share a load matrix; 8 is
//! DoCommand and GetImages; 9 is Python guests; 10 is data capture; 11 is the module registry; 12 is a fleet; 13 is inline modules; 14 is the vision service), and what
//! they share: running the load generator, and asking every resource of a
//! host for its readings.

pub mod calls;
pub mod capture;
pub mod deps;
pub mod fleet;
pub mod inline;
pub mod instructions;
pub mod memory;
pub mod methods;
pub mod python_guests;
pub mod registry;
pub mod startup;
pub mod swap;
pub mod vision;

use std::time::Duration;

use anyhow::{Context, bail};
use bench::proto::viam::common::v1::GetReadingsRequest;
use bench::proto::viam::component::sensor::v1::sensor_service_client::SensorServiceClient;
use bench::target::{Target, connect};

use crate::Ctx;
use crate::load::{LoadResult, LoadSpec};

/// Runs the load generator in its own process and waits for its result.
pub async fn run_load(ctx: &Ctx, spec: &LoadSpec) -> anyhow::Result<LoadResult> {
    let out = tokio::process::Command::new(&ctx.me)
        .args(spec.to_args())
        .output()
        .await
        .context("running the load generator")?;
    if !out.status.success() {
        bail!(
            "load generator failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(line.trim()).with_context(|| format!("load generator printed {line:?}"))
}

/// Asks each sensor in `names` for its readings, `parallel` at a time over
/// one connection; fails on the first that does not answer three readings.
pub async fn answer_all(target: &Target, names: &[String], parallel: usize) -> anyhow::Result<()> {
    let client = SensorServiceClient::new(connect(target).await?);
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..parallel.max(1) {
        let mut client = client.clone();
        let mine: Vec<String> = names.iter().skip(lane).step_by(parallel.max(1)).cloned().collect();
        tasks.spawn(async move {
            for name in mine {
                let readings = client
                    .get_readings(GetReadingsRequest {
                        name: name.clone(),
                        extra: None,
                    })
                    .await
                    .with_context(|| format!("GetReadings on {name}"))?
                    .into_inner()
                    .readings;
                anyhow::ensure!(readings.len() == 3, "{name} answered {readings:?}");
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(())
}

/// Milliseconds, for figures.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
