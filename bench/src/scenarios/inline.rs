//! Scenario 13: inline modules, Save → serving. A host with one resource of
//! an inline Python sensor (the panel's sensor template); each edit changes
//! the value it returns and is deployed with `armature inline push`, as an
//! editor's save hook would; the figure is from the push starting to a
//! client calling the sensor in a loop seeing the new value. Also each
//! deploy's phases as the host reports them, and the calls that failed
//! during all the edits.

use std::io::{Read, Write};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench::proto::viam::common::v1::GetReadingsRequest;
use bench::proto::viam::component::sensor::v1::sensor_service_client::SensorServiceClient;
use bench::stats::Figure;
use bench::target::connect;
use prost_types::value::Kind;
use serde_json::{Value, json};

use crate::Ctx;
use crate::procs::{ArmatureSpec, start_armature};
use crate::report::Row;

const MODULE: &str = "bench-inline";
const RESOURCE: &str = "inline-1";

fn source(value: u32) -> anyhow::Result<String> {
    let template = armature::inline::templates::find("sensor").context("the sensor template")?;
    let source = template.source_for(MODULE);
    let from = "\"value\": 1.0 + self.offset";
    if !source.contains(from) {
        bail!("the sensor template no longer returns {from}");
    }
    Ok(source.replace(from, &format!("\"value\": {value}.0 + self.offset")))
}

/// One JSON POST, as the panel sends it.
fn post(addr: &str, path: &str, body: &Value) -> anyhow::Result<String> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let body = body.to_string();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    if !answer.starts_with("HTTP/1.1 200") {
        bail!("POST {path}: {answer}");
    }
    Ok(answer)
}

/// `armature inline push`; the phases it printed ("built 6.1 s, ...").
fn push(
    armature: &std::path::Path,
    addr: &str,
    dir: &std::path::Path,
    value: u32,
) -> anyhow::Result<Vec<(String, f64)>> {
    let file = dir.join(format!("main-{value}.py"));
    std::fs::write(&file, source(value)?)?;
    let out = Command::new(armature)
        .args(["inline", "push", MODULE])
        .arg(&file)
        .args(["--host", &format!("http://{addr}")])
        .output()
        .context("running armature inline push")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "push of {value} failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let phases = stdout
        .lines()
        .next()
        .and_then(|l| l.split_once(": "))
        .map(|(_, phases)| {
            phases
                .split(", ")
                .filter_map(|p| {
                    let mut words = p.split_whitespace();
                    Some((words.next()?.to_string(), words.next()?.parse().ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(phases)
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let edits: u32 = if ctx.quick { 2 } else { 5 };
    let host = start_armature(
        ctx,
        ArmatureSpec {
            label: "inline",
            config: json!({"components": []}),
            listen: "127.0.0.1:0".into(),
            cache_dir: Some(ctx.warm_cache.clone()),
            watch: false,
            extra_args: Vec::new(),
        },
    )?;
    let addr = host.target.to_string();
    let dir = ctx.work.join("inline");
    std::fs::create_dir_all(&dir)?;
    push(&ctx.armature, &addr, &dir, 1)?;
    post(
        &addr,
        "/armature/config/resources",
        &json!({"name": RESOURCE, "api": "rdk:component:sensor", "model": format!("inline:{MODULE}:sensor")}),
    )?;

    // A client reading it all along.
    let latest = Arc::new(Mutex::new(f64::NAN));
    let (stop, calls, failures) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let mut client = SensorServiceClient::new(connect(&host.target).await?);
    let reader = {
        let (latest, stop, calls, failures) = (latest.clone(), stop.clone(), calls.clone(), failures.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .get_readings(GetReadingsRequest {
                        name: RESOURCE.into(),
                        extra: None,
                    })
                    .await;
                calls.fetch_add(1, Ordering::Relaxed);
                match r
                    .ok()
                    .and_then(|r| r.into_inner().readings.get("value").and_then(|v| v.kind.clone()))
                {
                    Some(Kind::NumberValue(v)) => *latest.lock().unwrap_or_else(|e| e.into_inner()) = v,
                    _ => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };

    let (mut total, mut built, mut compiled, mut swapped) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for edit in 0..edits {
        let value = edit + 2;
        let started = Instant::now();
        let (c, a, d) = (ctx.armature.clone(), addr.clone(), dir.clone());
        let phases = tokio::task::spawn_blocking(move || push(&c, &a, &d, value)).await??;
        let deadline = Instant::now() + Duration::from_secs(30);
        while *latest.lock().unwrap_or_else(|e| e.into_inner()) != f64::from(value) {
            if Instant::now() > deadline {
                bail!("edit {edit}: the new value {value} never served");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        total.push(started.elapsed().as_secs_f64());
        for (phase, seconds) in phases {
            match phase.as_str() {
                "built" => built.push(seconds),
                "compiled" => compiled.push(seconds),
                "serving" => swapped.push(seconds),
                _ => {}
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    reader.await?;
    let (calls, failures) = (calls.load(Ordering::Relaxed), failures.load(Ordering::Relaxed));

    let s13 = "13 inline modules";
    let rows = vec![
        Row::new(
            s13,
            format!(
                "Save → new version serving (`armature inline push` to a client seeing it), median of {edits} edits"
            ),
            Figure::of(&total, "s"),
        )
        .at_most(10.0, "≤ 10 s"),
        Row::new(s13, "  of which: build (componentize-py)", Figure::of(&built, "s")),
        Row::new(
            s13,
            "  of which: compile (incremental cache)",
            Figure::of(&compiled, "s"),
        ),
        Row::new(
            s13,
            "  of which: swap (new instance built beside the old)",
            Figure::of(&swapped, "s"),
        ),
        Row::new(
            s13,
            format!("failed calls during the edits (of {calls})"),
            Figure::of(&[failures as f64], "calls"),
        )
        .at_most(0.0, "0"),
    ];
    let raw = json!({
        "save_to_serving_s": total, "build_s": built, "compile_s": compiled, "swap_s": swapped,
        "calls": calls, "failures": failures,
    });
    Ok((rows, raw))
}
