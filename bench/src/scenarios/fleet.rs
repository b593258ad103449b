//! Scenario 12: a fleet of hosts on this machine (50; 10 with --quick),
//! each a real `armature run --fleet` process following its KV key on a
//! local nats-server (JetStream), with its one module from a Distribution
//! registry. Measured: a fragment put → every host applied it (each host's
//! report arrives on a status watch right after its apply; p50 and p99 over
//! hosts, per round), `armature fleet rollout` of a new module version to
//! all (the whole command, 10 hosts a wave), the registry downloads each
//! host made for it (from the hosts' logs), and each host's memory.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use serde_json::{Value, json};

use armature::fleet::FleetTarget;
use armature::fleet::connect::{Buckets, connect};
use armature::fleet::keys::{fragment_key, machine_key};
use armature::fleet::report::MachineReport;
use bench::stats::{Figure, quantile};

use super::capture::free_port;
use super::ms;
use super::registry::{push, start_registry};
use crate::Ctx;
use crate::procs::Proc;
use crate::report::Row;
use bench::procfs::{pss_bytes, rss_bytes};

const ROLLOUT_WAVE: usize = 10;

fn fragment(addr: &str, round: u64) -> Value {
    json!({
        "registries": [{"url": format!("http://{addr}")}],
        "modules": [{"type": "registry", "name": "versioned", "module_id": "bench/fleet-versioned", "version": "1.0.0"}],
        "components": [{"name": "v", "api": "rdk:component:sensor", "model": "armature-test:versioned:sensor",
                        "attributes": {"round": round}}],
    })
}

async fn put(b: &Buckets, key: &str, value: &Value) -> anyhow::Result<u64> {
    b.config
        .put(key, serde_json::to_vec(value)?.into())
        .await
        .with_context(|| format!("putting {key}"))
}

/// Waits on the status watch until every host reports `done`; returns each
/// host's time from `since`.
async fn until_all(
    watch: &mut async_nats::jetstream::kv::Watch,
    hosts: usize,
    since: Instant,
    what: &str,
    done: impl Fn(&MachineReport) -> bool,
) -> anyhow::Result<Vec<f64>> {
    let mut seen: BTreeMap<String, f64> = BTreeMap::new();
    let deadline = since + Duration::from_secs(120);
    while seen.len() < hosts {
        let left = deadline.saturating_duration_since(Instant::now());
        let entry = match tokio::time::timeout(left, watch.next()).await {
            Ok(Some(Ok(e))) => e,
            Ok(Some(Err(e))) => bail!("the status watch failed: {e}"),
            Ok(None) => bail!("the status watch ended"),
            Err(_) => bail!("{what}: {} of {hosts} hosts after 120 s", seen.len()),
        };
        if let Ok(report) = serde_json::from_slice::<MachineReport>(&entry.value)
            && done(&report)
        {
            seen.entry(report.machine).or_insert_with(|| ms(since.elapsed()));
        }
    }
    Ok(seen.into_values().collect())
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let hosts = if ctx.quick { 10 } else { 50 };
    let s12 = "12 fleet";
    let (_registry, addr) = start_registry(ctx)?;
    for v in ["1.0.0", "2.0.0"] {
        let file = ctx.fixtures.join(format!("versioned@{v}.wasm"));
        push(ctx, &file, &format!("{addr}/bench/fleet-versioned:{v}")).await?;
    }
    let server_bin = ctx.root.join("target/bench/venv/bin/nats-server");
    anyhow::ensure!(
        server_bin.exists(),
        "{} is missing (cargo xtask bench installs it)",
        server_bin.display()
    );
    let port = free_port()?;
    let store = ctx.work.join("fleet-nats");
    let _ = std::fs::remove_dir_all(&store);
    let _server = Proc::spawn(
        "nats-server",
        Command::new(&server_bin)
            .args(["-js", "-sd"])
            .arg(&store)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()]),
        &ctx.work.join("fleet-nats.log"),
    )?;
    let url = format!("nats://127.0.0.1:{port}");
    super::capture::connect_retrying(&url).await?;
    let target = FleetTarget {
        url: url.clone(),
        creds: None,
    };
    let buckets = connect(&target).await.context("the fleet's buckets")?;
    let mut round = 0;
    let mut fragment_rev = put(&buckets, &fragment_key("bench"), &fragment(&addr, round)).await?;
    let empty = ctx.work.join("fleet-no-modules");
    std::fs::create_dir_all(&empty)?;
    let names: Vec<String> = (0..hosts).map(|i| format!("h-{i:02}")).collect();
    for name in &names {
        let config = json!({"modules_dir": empty.display().to_string(), "fragments": ["bench"]});
        put(&buckets, &machine_key(name), &config).await?;
    }
    let mut status = buckets
        .status
        .watch("machine.>")
        .await
        .context("watching the reports")?;

    // The hosts, started one after another (each prints its address).
    let started = Instant::now();
    let mut procs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let dir = ctx.work.join(format!("fleet/{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let socket = ctx.socket(&format!("fleet-{i}.sock"));
        let mut proc = Proc::spawn(
            name,
            Command::new(&ctx.armature)
                .args(["run", "--fleet", &url, "--machine", name, "--listen"])
                .arg(format!("unix:{}", socket.display()))
                .arg("--state-dir")
                .arg(dir.join("state"))
                .arg("--cache-dir")
                .arg(&ctx.warm_cache)
                .env("ARMATURE_LOG", "info"),
            &dir.join("armature.log"),
        )?;
        proc.next_line(Duration::from_secs(60))?;
        procs.push(proc);
    }
    let first = until_all(&mut status, hosts, started, "hosts serving 1.0.0", |r| {
        r.applied.fragments.get("bench") == Some(&fragment_rev)
            && r.resources
                .iter()
                .any(|res| res.state == "ready" && res.version.as_deref() == Some("1.0.0"))
    })
    .await?;
    let boot_s = first.iter().copied().fold(0.0, f64::max) / 1e3;
    eprintln!("fleet: {hosts} hosts serving in {boot_s:.1} s");

    // A fragment change, `runs` times.
    let (mut p50s, mut p99s, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ctx.runs {
        round += 1;
        let put_at = Instant::now();
        fragment_rev = put(&buckets, &fragment_key("bench"), &fragment(&addr, round)).await?;
        let rev = fragment_rev;
        let mut times = until_all(&mut status, hosts, put_at, "hosts on the new fragment", |r| {
            r.applied.fragments.get("bench") == Some(&rev) && r.refused.is_none()
        })
        .await?;
        times.sort_by(f64::total_cmp);
        p50s.push(quantile(&times, 0.5));
        p99s.push(quantile(&times, 0.99));
        all.push(times);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // A rollout of 2.0.0 to every host: canary, then waves of 10.
    let logs_before: Vec<usize> = procs.iter().map(|p| downloads(&p.log_text())).collect();
    let rollout_at = Instant::now();
    let out = tokio::process::Command::new(&ctx.armature)
        .args([
            "fleet",
            "rollout",
            "versioned",
            "2.0.0",
            "--machines",
            "h-*",
            "--canary",
            "1",
        ])
        .args([
            "--wave",
            &ROLLOUT_WAVE.to_string(),
            "--health-window",
            "1s",
            "--fleet",
            &url,
        ])
        .env("ARMATURE_LOG", "warn")
        .output()
        .await?;
    let rollout_s = rollout_at.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "fleet rollout failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let pulls: Vec<f64> = procs
        .iter()
        .zip(&logs_before)
        .map(|(p, before)| (downloads(&p.log_text()) - before) as f64)
        .collect();
    let rss: Vec<f64> = procs
        .iter()
        .map(|p| rss_bytes(p.pid()).map_or(f64::NAN, |b| b as f64 / 1048576.0))
        .collect();
    let pss: Vec<f64> = procs
        .iter()
        .map(|p| pss_bytes(p.pid()).map_or(f64::NAN, |b| b as f64 / 1048576.0))
        .collect();
    drop(procs);

    let waves = 1 + (hosts - 1).div_ceil(ROLLOUT_WAVE);
    let rows = vec![
        Row::new(
            s12,
            format!("fragment put → every host applied, {hosts} hosts: p50 over hosts"),
            Figure::of(&p50s, "ms"),
        ),
        Row::new(
            s12,
            format!("fragment put → every host applied, {hosts} hosts: p99 over hosts"),
            Figure::of(&p99s, "ms"),
        ),
        Row::new(
            s12,
            format!("`fleet rollout` of a new version to {hosts} hosts ({waves} waves, 1 s health window each)"),
            Figure::of(&[rollout_s], "s"),
        ),
        Row::new(
            s12,
            "registry downloads per host for the rollout",
            Figure::of(&pulls, "downloads"),
        ),
        Row::new(
            s12,
            format!("RSS per host ({hosts} hosts, one sensor each)"),
            Figure::of(&rss, "MB"),
        ),
        Row::new(
            s12,
            "PSS per host (shared pages split among the hosts)",
            Figure::of(&pss, "MB"),
        ),
    ];
    let raw = json!({
        "hosts": hosts, "boot_s": boot_s, "apply_ms": all, "p50_ms": p50s, "p99_ms": p99s,
        "rollout_s": rollout_s, "rollout_waves": waves, "downloads": pulls, "rss_mb": rss, "pss_mb": pss,
        "rollout_output": String::from_utf8_lossy(&out.stdout),
    });
    Ok((rows, raw))
}

/// How many components a host's log says it downloaded.
fn downloads(log: &str) -> usize {
    log.matches("component downloaded from the registry").count()
}
