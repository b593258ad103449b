//! Scenario 6: hot swap under load. Two clients call a sensor in closed
//! loops while its module's `.wasm` changes in the watched modules folder:
//! version 2 lands (compiled afresh: cold cache), is removed (version 1
//! serves again, from the cache: warm), lands again (warm). Three hosts,
//! each with a fresh cache. Per swap: the longest call in flight between
//! the file landing and the new version's first answer (plus 50 ms), and
//! that landing-to-serving time, which includes the watcher's 300 ms
//! debounce. Every call of the run counts for "failed calls".

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use prost_types::value::Kind;
use serde_json::{Value, json};

use bench::proto::viam::common::v1::GetReadingsRequest;
use bench::proto::viam::component::sensor::v1::sensor_service_client::SensorServiceClient;
use bench::stats::Figure;
use bench::target::{Target, connect};

use super::ms;
use crate::Ctx;
use crate::procs::{ArmatureSpec, start_armature};
use crate::report::Row;

const CLIENTS: usize = 2;
const HOSTS: usize = 3;

pub(super) struct Record {
    start: Instant,
    end: Instant,
    pub(super) version: Result<String, String>,
}

/// Calls `v` until `stop`, keeping the latest version seen in `latest`.
pub(super) async fn hammer(
    target: Target,
    stop: Arc<AtomicBool>,
    latest: Arc<Mutex<String>>,
) -> anyhow::Result<Vec<Record>> {
    let mut client = SensorServiceClient::new(connect(&target).await?);
    let mut records = Vec::with_capacity(1 << 16);
    while !stop.load(Ordering::Relaxed) {
        let start = Instant::now();
        let r = client
            .get_readings(GetReadingsRequest {
                name: "v".into(),
                extra: None,
            })
            .await;
        let end = Instant::now();
        let version = match r {
            Ok(resp) => match resp.into_inner().readings.get("version").and_then(|v| v.kind.clone()) {
                Some(Kind::StringValue(v)) => Ok(v),
                other => Err(format!("no version in the readings: {other:?}")),
            },
            Err(status) => Err(status.to_string()),
        };
        if let Ok(v) = &version {
            *latest.lock().unwrap_or_else(|e| e.into_inner()) = v.clone();
        } else {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        records.push(Record { start, end, version });
    }
    Ok(records)
}

struct Swap {
    warm: bool,
    to: &'static str,
    landed: Instant,
}

pub(super) async fn wait_for(latest: &Mutex<String>, version: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while *latest.lock().unwrap_or_else(|e| e.into_inner()) != version {
        if Instant::now() > deadline {
            bail!("version {version} never served");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// Copies `src` beside the folder, then renames it in: the file lands whole.
fn land(src: &Path, staging: &Path, modules: &Path) -> anyhow::Result<Instant> {
    let name = src.file_name().context("no file name")?;
    let tmp = staging.join(name);
    std::fs::copy(src, &tmp).with_context(|| format!("copying {}", src.display()))?;
    std::fs::rename(&tmp, modules.join(name))?;
    Ok(Instant::now())
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let v1 = ctx.fixtures.join("versioned@1.0.0.wasm");
    let v2 = ctx.fixtures.join("versioned@2.0.0.wasm");
    let (mut stalls_cold, mut stalls_warm, mut serve_cold, mut serve_warm) = (vec![], vec![], vec![], vec![]);
    let (mut failures, mut calls, mut first_failure, mut steady_max) = (0u64, 0u64, None, vec![]);
    for h in 0..HOSTS {
        let dir = ctx.work.join(format!("swap-{h}"));
        let (modules, staging) = (dir.join("modules"), dir.join("staging"));
        std::fs::create_dir_all(&modules)?;
        std::fs::create_dir_all(&staging)?;
        land(&v1, &staging, &modules)?;
        let host = start_armature(
            ctx,
            ArmatureSpec {
                label: &format!("swap-host-{h}"),
                config: json!({"modules_dir": modules.display().to_string(),
                               "components": [{"name": "v", "api": "rdk:component:sensor",
                                               "model": "armature-test:versioned:sensor"}]}),
                listen: format!("unix:{}", ctx.socket(&format!("swap-{h}.sock")).display()),
                cache_dir: Some(dir.join("cache")),
                watch: true,
                extra_args: Vec::new(),
            },
        )?;
        let stop = Arc::new(AtomicBool::new(false));
        let latest = Arc::new(Mutex::new(String::new()));
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|_| tokio::spawn(hammer(host.target.clone(), stop.clone(), latest.clone())))
            .collect();
        wait_for(&latest, "1.0.0").await?;
        let steady_from = Instant::now();
        tokio::time::sleep(Duration::from_millis(300)).await;

        let mut swaps = Vec::new();
        let landed = land(&v2, &staging, &modules)?;
        swaps.push(Swap {
            warm: false,
            to: "2.0.0",
            landed,
        });
        wait_for(&latest, "2.0.0").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        std::fs::remove_file(modules.join("versioned@2.0.0.wasm"))?;
        swaps.push(Swap {
            warm: true,
            to: "1.0.0",
            landed: Instant::now(),
        });
        wait_for(&latest, "1.0.0").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let landed = land(&v2, &staging, &modules)?;
        swaps.push(Swap {
            warm: true,
            to: "2.0.0",
            landed,
        });
        wait_for(&latest, "2.0.0").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;

        stop.store(true, Ordering::Relaxed);
        let mut records = Vec::new();
        for t in tasks {
            records.extend(t.await??);
        }
        drop(host);

        calls += records.len() as u64;
        for r in &records {
            if let Err(e) = &r.version {
                failures += 1;
                first_failure.get_or_insert_with(|| e.clone());
            }
        }
        let longest = |from: Instant, to: Instant| {
            records
                .iter()
                .filter(|r| r.end >= from && r.start <= to)
                .map(|r| ms(r.end - r.start))
                .fold(0.0, f64::max)
        };
        steady_max.push(longest(steady_from, swaps[0].landed));
        for s in &swaps {
            let served = records
                .iter()
                .filter(|r| r.end > s.landed && r.version.as_deref() == Ok(s.to))
                .map(|r| r.end)
                .min()
                .context("the new version never answered")?;
            let stall = longest(s.landed, served + Duration::from_millis(50));
            let (stalls, serve) = if s.warm {
                (&mut stalls_warm, &mut serve_warm)
            } else {
                (&mut stalls_cold, &mut serve_cold)
            };
            stalls.push(stall);
            serve.push(ms(served - s.landed));
        }
        eprintln!("hot swap: host {}/{HOSTS}", h + 1);
    }

    let s6 = "6 hot swap";
    let swaps = HOSTS * 3;
    let rows = vec![
        Row::new(
            s6,
            format!("failed calls in {swaps} swaps ({calls} calls)"),
            Figure::of(&[failures as f64], "calls"),
        )
        .goal("zero", failures == 0),
        Row::new(s6, "longest client stall, warm cache", Figure::of(&stalls_warm, "ms")).at_most(5.0, "≤ 5 ms"),
        Row::new(s6, "longest client stall, cold cache", Figure::of(&stalls_cold, "ms")),
        Row::new(s6, "longest call, steady (no swap)", Figure::of(&steady_max, "ms")),
        Row::new(
            s6,
            ".wasm landed → new version serving, warm (incl. 300 ms debounce)",
            Figure::of(&serve_warm, "ms"),
        ),
        Row::new(
            s6,
            ".wasm landed → new version serving, cold (incl. 300 ms debounce)",
            Figure::of(&serve_cold, "ms"),
        ),
    ];
    Ok((
        rows,
        json!({
            "clients": CLIENTS, "hosts": HOSTS, "calls": calls, "failures": failures, "first_failure": first_failure,
            "stall_ms_warm": stalls_warm, "stall_ms_cold": stalls_cold, "steady_max_ms": steady_max,
            "landed_to_serving_ms_warm": serve_warm, "landed_to_serving_ms_cold": serve_cold,
        }),
    ))
}
