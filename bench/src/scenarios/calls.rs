//! Scenarios 1, 2 and 7 — one load matrix, each cell a separate
//! load-generator process:
//! 1. sequential GetReadings (one client): p50, p99, server CPU per call;
//! 2. 1, 8 and 64 concurrent clients: calls/s, p99, server CPU per call;
//! 7. scenario 2 over the Unix socket with the sandbox limits off.
//!
//! Servers: Armature over TCP and over a Unix socket, Armature without
//! limits (Unix socket), the floor (both), the Python module (its socket).
//! Every run goes through the cells in turn, so a drift of the machine
//! touches every server alike.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use bench::stats::Figure;
use bench::target::Target;

use super::run_load;
use crate::load::{LoadResult, LoadSpec, Method};
use crate::procs::{ArmatureSpec, start_armature, start_floor};
use crate::report::Row;
use crate::{Ctx, parent, python};

const CONCURRENCY: [usize; 3] = [1, 8, 64];
const SENSOR: &str = python::SENSOR;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Server {
    ArmatureTcp,
    FloorTcp,
    ArmatureUnix,
    FloorUnix,
    PythonUnix,
    /// Armature with no call deadlines and no memory cap.
    ArmatureUnixNoLimits,
}

impl Server {
    fn label(self) -> &'static str {
        match self {
            Server::ArmatureTcp => "armature tcp",
            Server::FloorTcp => "floor tcp",
            Server::ArmatureUnix => "armature unix",
            Server::FloorUnix => "floor unix",
            Server::PythonUnix => "python unix",
            Server::ArmatureUnixNoLimits => "armature unix, limits off",
        }
    }
}

/// The runs of every cell.
type Results = BTreeMap<(Server, usize), Vec<LoadResult>>;

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let sensor = json!([{"name": SENSOR, "api": "rdk:component:sensor", "model": "armature:bench:sensor"}]);
    let armature = |label: &'static str, listen: String, no_limits: bool| {
        let mut config = json!({"components": sensor.clone()});
        let mut extra_args = Vec::new();
        if no_limits {
            // No memory cap (1 TiB), and guests compiled without epoch checks.
            config["limits"] = json!({"memory_mb": 1u64 << 20});
            extra_args.push("--no-call-deadlines".to_string());
        }
        start_armature(
            ctx,
            ArmatureSpec {
                label,
                config,
                listen,
                cache_dir: Some(ctx.warm_cache.clone()),
                watch: false,
                extra_args,
            },
        )
    };
    let a_tcp = armature("calls-tcp", "127.0.0.1:0".into(), false)?;
    let a_unix = armature(
        "calls-unix",
        format!("unix:{}", ctx.socket("armature.sock").display()),
        false,
    )?;
    let a_off = armature(
        "calls-unix-off",
        format!("unix:{}", ctx.socket("armature-off.sock").display()),
        true,
    )?;
    let floor = start_floor(ctx)?;
    let parent = parent::serve(&ctx.socket("parent.sock"))?;
    let py = python::start(ctx, "calls-python", &parent.path).await?;

    let servers: Vec<(Server, Target, u32)> = vec![
        (Server::ArmatureTcp, a_tcp.target.clone(), a_tcp.proc.pid()),
        (Server::FloorTcp, floor.tcp.clone(), floor.proc.pid()),
        (Server::ArmatureUnix, a_unix.target.clone(), a_unix.proc.pid()),
        (Server::FloorUnix, floor.unix.clone(), floor.proc.pid()),
        (Server::PythonUnix, py.target.clone(), py.proc.pid()),
        (Server::ArmatureUnixNoLimits, a_off.target.clone(), a_off.proc.pid()),
    ];
    let spec = |target: &Target, pid: u32, clients: usize, warmup, window| LoadSpec {
        target: target.clone(),
        method: Method::Readings,
        then: None,
        sensor: SENSOR.into(),
        clients,
        warmup,
        window,
        server_pid: Some(pid),
    };

    // One unrecorded pass: connections, caches and the Python interpreter warm.
    for (server, target, pid) in &servers {
        for clients in CONCURRENCY {
            let r = run_load(ctx, &spec(target, *pid, clients, ctx.warmup, ctx.warmup)).await?;
            anyhow::ensure!(r.calls > 0, "{}: no call answered: {:?}", server.label(), r.first_error);
        }
    }
    let mut results: Results = BTreeMap::new();
    for run in 0..ctx.runs {
        eprintln!("calls: run {}/{}", run + 1, ctx.runs);
        for (server, target, pid) in &servers {
            for clients in CONCURRENCY {
                let r = run_load(ctx, &spec(target, *pid, clients, ctx.warmup, ctx.window)).await?;
                if r.errors > 0 {
                    eprintln!(
                        "  {} x{clients}: {} failed calls: {:?}",
                        server.label(),
                        r.errors,
                        r.first_error
                    );
                }
                results.entry((*server, clients)).or_default().push(r);
            }
        }
    }
    drop((a_tcp, a_unix, a_off, floor, py, parent));
    Ok((rows(&results), raw(&results)))
}

fn figure(
    results: &Results,
    server: Server,
    clients: usize,
    f: impl Fn(&LoadResult) -> Option<f64>,
    unit: &'static str,
) -> Option<Figure> {
    let samples: Vec<f64> = results.get(&(server, clients))?.iter().filter_map(f).collect();
    Figure::of(&samples, unit)
}

fn rows(results: &Results) -> Vec<Row> {
    use Server::*;
    let p50 = |r: &LoadResult| Some(r.p50_us);
    let p99 = |r: &LoadResult| Some(r.p99_us);
    let cpu = |r: &LoadResult| r.server_cpu_us_per_call;
    let rate = |r: &LoadResult| Some(r.calls_per_s);
    let f = |s, c, m: &dyn Fn(&LoadResult) -> Option<f64>, unit| figure(results, s, c, m, unit);
    let mut rows = Vec::new();

    // What else ran on the machine meanwhile: every figure below shares the
    // cores with it.
    let other: Vec<f64> = results.values().flatten().filter_map(|r| r.other_load_cores).collect();
    rows.push(Row::new(
        "0 machine",
        "other processes' load during the timed windows",
        Figure::of(&other, "cores"),
    ));

    // 1: sequential.
    let s1 = "1 sequential";
    for (a, fl, t) in [(ArmatureTcp, FloorTcp, "TCP"), (ArmatureUnix, FloorUnix, "unix")] {
        rows.push(
            Row::new(s1, format!("p50 latency, {t}"), f(a, 1, &p50, "µs"))
                .against("floor", f(fl, 1, &p50, "µs"))
                .ratio_at_most(1.2, "≤ 1.2× floor"),
        );
        rows.push(
            Row::new(s1, format!("p99 latency, {t}"), f(a, 1, &p99, "µs")).against("floor", f(fl, 1, &p99, "µs")),
        );
        rows.push(
            Row::new(s1, format!("server CPU per call, {t}"), f(a, 1, &cpu, "µs"))
                .against("floor", f(fl, 1, &cpu, "µs")),
        );
    }
    rows.push(
        Row::new(s1, "p50 latency, unix", f(ArmatureUnix, 1, &p50, "µs"))
            .against("Python module", f(PythonUnix, 1, &p50, "µs")),
    );
    rows.push(
        Row::new(s1, "server CPU per call, unix", f(ArmatureUnix, 1, &cpu, "µs"))
            .against("Python module", f(PythonUnix, 1, &cpu, "µs")),
    );

    // 2: concurrent clients.
    for clients in CONCURRENCY {
        let s2 = format!("2 throughput, {clients} client{}", if clients == 1 { "" } else { "s" });
        for (a, fl, t) in [(ArmatureTcp, FloorTcp, "TCP"), (ArmatureUnix, FloorUnix, "unix")] {
            let mut cpu_row = Row::new(&s2, format!("server CPU per call, {t}"), f(a, clients, &cpu, "µs"))
                .against("floor", f(fl, clients, &cpu, "µs"));
            if clients > 1 {
                cpu_row = cpu_row.ratio_at_most(1.25, "≤ 1.25× floor");
            }
            rows.push(cpu_row);
            rows.push(
                Row::new(&s2, format!("calls/s, {t}"), f(a, clients, &rate, "/s"))
                    .against("floor", f(fl, clients, &rate, "/s")),
            );
            rows.push(
                Row::new(&s2, format!("p99 latency, {t}"), f(a, clients, &p99, "µs"))
                    .against("floor", f(fl, clients, &p99, "µs")),
            );
        }
        let mut py_cpu = Row::new(&s2, "server CPU per call, unix", f(ArmatureUnix, clients, &cpu, "µs"))
            .against("Python module", f(PythonUnix, clients, &cpu, "µs"));
        if clients == 8 {
            py_cpu = py_cpu.ratio_at_most(1.0 / 15.0, "≥ 15× less than Python");
        }
        rows.push(py_cpu);
        rows.push(
            Row::new(&s2, "calls/s, unix", f(ArmatureUnix, clients, &rate, "/s"))
                .against("Python module", f(PythonUnix, clients, &rate, "/s")),
        );
    }

    // 7: what the limits cost.
    for clients in CONCURRENCY {
        let s7 = format!("7 isolation, {clients} client{}", if clients == 1 { "" } else { "s" });
        rows.push(
            Row::new(
                &s7,
                "server CPU per call, unix, limits on",
                f(ArmatureUnix, clients, &cpu, "µs"),
            )
            .against("limits off", f(ArmatureUnixNoLimits, clients, &cpu, "µs")),
        );
        rows.push(
            Row::new(&s7, "calls/s, unix, limits on", f(ArmatureUnix, clients, &rate, "/s"))
                .against("limits off", f(ArmatureUnixNoLimits, clients, &rate, "/s")),
        );
    }
    rows
}

fn raw(results: &Results) -> Value {
    let cells: Vec<Value> = results
        .iter()
        .map(|((server, clients), runs)| json!({"server": server.label(), "clients": clients, "runs": runs}))
        .collect();
    json!({"cells": cells})
}
