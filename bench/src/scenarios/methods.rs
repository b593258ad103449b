//! Scenario 8: the other paths on the same footing as GetReadings.
//! DoCommand (a map in, the same map out: the value tree both ways) and
//! GetImages (one 640x480 JPEG frame: bytes out of the guest), at 8 clients,
//! over TCP and a Unix socket, against the floor answering the same.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use bench::stats::Figure;
use bench::target::Target;

use super::run_load;
use crate::Ctx;
use crate::load::{LoadResult, LoadSpec, Method};
use crate::procs::{ArmatureSpec, start_armature, start_floor};
use crate::report::Row;

const CLIENTS: usize = 8;
const METHODS: [Method; 2] = [Method::DoCommand, Method::GetImages];
const SENSOR: &str = "bench-sensor";
const CAMERA: &str = "bench-camera";

type Results = BTreeMap<(&'static str, Method), Vec<LoadResult>>;

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let config = json!({"components": [
        {"name": SENSOR, "api": "rdk:component:sensor", "model": "armature:bench:sensor"},
        {"name": CAMERA, "api": "rdk:component:camera", "model": "armature:bench:camera"},
    ]});
    let armature = |label: &'static str, listen: String| {
        start_armature(
            ctx,
            ArmatureSpec {
                label,
                config: config.clone(),
                listen,
                cache_dir: Some(ctx.warm_cache.clone()),
                watch: false,
                extra_args: Vec::new(),
            },
        )
    };
    let a_tcp = armature("methods-tcp", "127.0.0.1:0".into())?;
    let a_unix = armature("methods-unix", format!("unix:{}", ctx.socket("methods.sock").display()))?;
    let floor = start_floor(ctx)?;
    let servers: [(&'static str, Target, u32); 4] = [
        ("armature tcp", a_tcp.target.clone(), a_tcp.proc.pid()),
        ("floor tcp", floor.tcp.clone(), floor.proc.pid()),
        ("armature unix", a_unix.target.clone(), a_unix.proc.pid()),
        ("floor unix", floor.unix.clone(), floor.proc.pid()),
    ];
    let spec = |target: &Target, pid: u32, method: Method, window| LoadSpec {
        target: target.clone(),
        method,
        then: None,
        sensor: if method == Method::GetImages { CAMERA } else { SENSOR }.into(),
        clients: CLIENTS,
        warmup: ctx.warmup,
        window,
        server_pid: Some(pid),
    };
    for (label, target, pid) in &servers {
        for method in METHODS {
            let r = run_load(ctx, &spec(target, *pid, method, ctx.warmup)).await?;
            anyhow::ensure!(
                r.calls > 0,
                "{label} {}: no call answered: {:?}",
                method.label(),
                r.first_error
            );
        }
    }
    let mut results: Results = BTreeMap::new();
    for run in 0..ctx.runs {
        eprintln!("methods: run {}/{}", run + 1, ctx.runs);
        for (label, target, pid) in &servers {
            for method in METHODS {
                let r = run_load(ctx, &spec(target, *pid, method, ctx.window)).await?;
                if r.errors > 0 {
                    eprintln!(
                        "  {label} {}: {} failed calls: {:?}",
                        method.label(),
                        r.errors,
                        r.first_error
                    );
                }
                results.entry((label, method)).or_default().push(r);
            }
        }
    }
    drop((a_tcp, a_unix, floor));
    Ok((rows(&results), raw(&results)))
}

fn figure(
    results: &Results,
    server: &str,
    method: Method,
    f: impl Fn(&LoadResult) -> Option<f64>,
    unit: &'static str,
) -> Option<Figure> {
    let samples: Vec<f64> = results
        .iter()
        .filter(|((s, m), _)| *s == server && *m == method)
        .flat_map(|(_, runs)| runs.iter().filter_map(&f))
        .collect();
    Figure::of(&samples, unit)
}

fn rows(results: &Results) -> Vec<Row> {
    let cpu = |r: &LoadResult| r.server_cpu_us_per_call;
    let rate = |r: &LoadResult| Some(r.calls_per_s);
    let scenario = format!("8 methods, {CLIENTS} clients");
    let mut rows = Vec::new();
    for method in METHODS {
        for t in ["tcp", "unix"] {
            let (a, fl) = (format!("armature {t}"), format!("floor {t}"));
            let transport = if t == "tcp" { "TCP" } else { "unix" };
            rows.push(
                Row::new(
                    &scenario,
                    format!("server CPU per {} call, {transport}", method.label()),
                    figure(results, &a, method, cpu, "µs"),
                )
                .against("floor", figure(results, &fl, method, cpu, "µs"))
                .ratio_at_most(1.25, "≤ 1.25× floor"),
            );
            rows.push(
                Row::new(
                    &scenario,
                    format!("{} calls/s, {transport}", method.label()),
                    figure(results, &a, method, rate, "/s"),
                )
                .against("floor", figure(results, &fl, method, rate, "/s")),
            );
        }
    }
    rows
}

fn raw(results: &Results) -> Value {
    let cells: Vec<Value> = results
        .iter()
        .map(|((server, method), runs)| json!({"server": server, "method": method.label(), "runs": runs}))
        .collect();
    json!({"cells": cells})
}
