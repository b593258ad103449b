//! Scenario 11: the module registry, against a Distribution registry
//! (Debian's `docker-registry`) on loopback. `armature registry push` and
//! `pull` are timed as whole commands (push loads the component first, from
//! a warm compile cache) for a small Rust module and a Python one; then, on
//! a host tracking "latest" under load, the time from a new tag's push
//! finishing to the new version answering, with `armature reload` (SIGHUP)
//! as the "look now" signal a fleet would send. Every call of that host
//! counts for "failed calls".

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use bench::stats::Figure;

use super::ms;
use super::swap::{hammer, wait_for};
use crate::Ctx;
use crate::procs::{ArmatureSpec, Proc, start_armature};
use crate::report::Row;

const REGISTRY: &str = "/usr/bin/docker-registry";

pub(super) fn start_registry(ctx: &Ctx) -> anyhow::Result<(Proc, String)> {
    let dir = ctx.work.join("registry");
    std::fs::create_dir_all(&dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = format!("127.0.0.1:{port}");
    let config = format!(
        "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n  secret: bench-only\n",
        dir.join("data").display()
    );
    std::fs::write(dir.join("config.yml"), config)?;
    let proc = Proc::spawn(
        "docker-registry",
        Command::new(REGISTRY).arg("serve").arg(dir.join("config.yml")),
        &dir.join("registry.log"),
    )
    .with_context(|| format!("{REGISTRY} (cargo xtask bench installs Debian's docker-registry)"))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&addr).is_err() {
        if Instant::now() > deadline {
            bail!("docker-registry did not listen on {addr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((proc, addr))
}

/// Runs `armature registry ARGS…` and returns how long it took.
async fn timed(ctx: &Ctx, args: &[&str]) -> anyhow::Result<f64> {
    let started = Instant::now();
    let out = tokio::process::Command::new(&ctx.armature)
        .arg("registry")
        .args(args)
        .output()
        .await?;
    let took = ms(started.elapsed());
    if !out.status.success() {
        bail!(
            "armature registry {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(took)
}

pub(super) async fn push(ctx: &Ctx, file: &Path, reference: &str) -> anyhow::Result<f64> {
    let cache = ctx.warm_cache.display().to_string();
    let file = file.display().to_string();
    timed(
        ctx,
        &[
            "push",
            &file,
            reference,
            "--visibility",
            "public",
            "--cache-dir",
            &cache,
        ],
    )
    .await
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let (_registry, addr) = start_registry(ctx)?;
    let modules: [(&str, PathBuf); 2] = [
        ("rust", ctx.fixtures.join("versioned@1.0.0.wasm")),
        ("python", ctx.py_modules.join("py-sensor.wasm")),
    ];
    let mut rows = Vec::new();
    let mut raw = serde_json::Map::new();
    let s11 = "11 registry";
    for (kind, file) in &modules {
        let size_kb = std::fs::metadata(file)?.len() as f64 / 1024.0;
        // Untimed: compiles the component into the warm cache.
        push(ctx, file, &format!("{addr}/bench/{kind}:0.0.0")).await?;
        let (mut pushes, mut pulls) = (Vec::new(), Vec::new());
        for i in 1..=ctx.runs {
            let reference = format!("{addr}/bench/{kind}:0.0.{i}");
            pushes.push(push(ctx, file, &reference).await?);
            let out = ctx.work.join(format!("registry/pulled-{kind}.wasm"));
            pulls.push(timed(ctx, &["pull", &reference, "--out", &out.display().to_string()]).await?);
        }
        let size = if size_kb > 1024.0 {
            format!("{:.0} MB", size_kb / 1024.0)
        } else {
            format!("{size_kb:.0} KB")
        };
        rows.push(Row::new(
            s11,
            format!("`registry push`, {size} {kind} module (whole command)"),
            Figure::of(&pushes, "ms"),
        ));
        rows.push(Row::new(
            s11,
            format!("`registry pull`, {size} {kind} module (whole command)"),
            Figure::of(&pulls, "ms"),
        ));
        raw.insert(
            kind.to_string(),
            json!({"size_kb": size_kb, "push_ms": pushes, "pull_ms": pulls}),
        );
    }

    // A host on "latest", under load; each new tag alternates the bytes
    // of versions 1 and 2 of the versioned sensor.
    let v = |n: u8| ctx.fixtures.join(format!("versioned@{n}.0.0.wasm"));
    push(ctx, &v(1), &format!("{addr}/bench/versioned:1.0.0")).await?;
    let empty = ctx.work.join("registry/no-modules");
    std::fs::create_dir_all(&empty)?;
    let host = start_armature(
        ctx,
        ArmatureSpec {
            label: "registry-host",
            config: json!({
                "modules_dir": empty.display().to_string(),
                "registries": [{"url": format!("http://{addr}")}],
                "modules": [{"type": "registry", "name": "versioned", "module_id": "bench/versioned", "version": "latest"}],
                "components": [{"name": "v", "api": "rdk:component:sensor", "model": "armature-test:versioned:sensor"}],
            }),
            listen: format!("unix:{}", ctx.socket("registry.sock").display()),
            cache_dir: Some(ctx.warm_cache.clone()),
            watch: false,
            extra_args: Vec::new(),
        },
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    let latest = Arc::new(Mutex::new(String::new()));
    let client = tokio::spawn(hammer(host.target.clone(), stop.clone(), latest.clone()));
    wait_for(&latest, "1.0.0").await?;
    let mut to_serving = Vec::new();
    for i in 1..=ctx.runs {
        let (bytes, answer) = if i % 2 == 1 { (v(2), "2.0.0") } else { (v(1), "1.0.0") };
        push(ctx, &bytes, &format!("{addr}/bench/versioned:1.0.{i}")).await?;
        let pushed = Instant::now();
        // SAFETY: kill(2) with SIGHUP on our own child's pid.
        if unsafe { libc::kill(host.proc.pid() as i32, libc::SIGHUP) } != 0 {
            bail!("signalling the host: {}", std::io::Error::last_os_error());
        }
        wait_for(&latest, answer).await?;
        to_serving.push(ms(pushed.elapsed()));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let records = client.await??;
    drop(host);
    let failures = records.iter().filter(|r| r.version.is_err()).count();
    let first_failure = records.iter().find_map(|r| r.version.as_ref().err().cloned());
    rows.push(Row::new(
        s11,
        "new tag pushed → serving on \"latest\" (armature reload as the signal)",
        Figure::of(&to_serving, "ms"),
    ));
    rows.push(
        Row::new(
            s11,
            format!(
                "failed calls in {} upgrades from the registry ({} calls)",
                ctx.runs,
                records.len()
            ),
            Figure::of(&[failures as f64], "calls"),
        )
        .goal("zero", failures == 0),
    );
    raw.insert(
        "upgrades".into(),
        json!({"tag_to_serving_ms": to_serving, "calls": records.len(), "failures": failures, "first_failure": first_failure}),
    );
    Ok((rows, Value::Object(raw)))
}
