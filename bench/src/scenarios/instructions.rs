//! Scenario 15: what a call costs in what does not depend on the machine's
//! neighbours (issue #38): instructions and wake-ups.
//!
//! Instructions: the server runs under `valgrind --tool=callgrind`; a run of
//! 2 000 sequential calls and one of 1 000, each after the same warm-up,
//! differ by 1 000 calls' instructions (start-up and shutdown cancel out).
//! GetReadings, DoCommand (the three-key map) and GetImages (the 52 KB
//! JPEG), for Armature and the floor; and a dependency call (the bench
//! caller's `loop` of get-readings on its sensor, inside one DoCommand).
//!
//! Wake-ups: voluntary context switches summed over the server's threads
//! (`/proc/PID/task/*/status`) across 1 000 sequential GetReadings,
//! natively, for Armature and the floor.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use bench::proto::viam::common::v1::DoCommandRequest;
use bench::proto::viam::service::generic::v1::generic_service_client::GenericServiceClient;
use bench::stats::Figure;
use bench::target::{Target, connect};

use crate::Ctx;
use crate::load::{Client, Method, call};
use crate::procs::{ArmatureSpec, Proc, start_armature_under, start_floor_under};
use crate::report::Row;

const S15: &str = "15 instructions";
const SHORT: u64 = 1_000;
const LONG: u64 = 2_000;
const WARMUP: u64 = 50;
const SENSOR: &str = "bench-sensor";
const CAMERA: &str = "bench-camera";
const CALLER: &str = "caller";
const METHODS: [Method; 3] = [Method::Readings, Method::DoCommand, Method::GetImages];

/// What the server under test is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    Armature,
    Floor,
}

fn config() -> Value {
    json!({
        "components": [
            {"name": SENSOR, "api": "rdk:component:sensor", "model": "armature:bench:sensor"},
            {"name": CAMERA, "api": "rdk:component:camera", "model": "armature:bench:camera"},
        ],
        "services": [{"name": CALLER, "api": "rdk:service:generic", "model": "armature:bench:caller",
                      "attributes": {"sensor": SENSOR}}],
    })
}

/// A started server and where it listens.
struct Started {
    proc: Proc,
    target: Target,
}

fn start(ctx: &Ctx, server: Server, label: &str, wrapper: &[String]) -> anyhow::Result<Started> {
    match server {
        Server::Armature => {
            let a = start_armature_under(
                ctx,
                ArmatureSpec {
                    label,
                    config: config(),
                    listen: "127.0.0.1:0".into(),
                    cache_dir: Some(ctx.warm_cache.clone()),
                    watch: false,
                    extra_args: Vec::new(),
                },
                wrapper,
            )?;
            Ok(Started {
                proc: a.proc,
                target: a.target,
            })
        }
        Server::Floor => {
            let f = start_floor_under(ctx, wrapper)?;
            Ok(Started {
                proc: f.proc,
                target: f.tcp,
            })
        }
    }
}

/// What one measured run does: `n` calls of a method, or one dependency
/// loop of `n` calls.
#[derive(Clone, Copy)]
enum Work {
    Calls(Method),
    DependencyLoop,
}

async fn work(target: &Target, what: Work, n: u64) -> anyhow::Result<()> {
    let channel = connect(target).await?;
    match what {
        Work::Calls(method) => {
            let mut client = Client::new(channel);
            let name = if method == Method::GetImages { CAMERA } else { SENSOR };
            for _ in 0..n {
                call(&mut client, method, name).await?;
            }
        }
        Work::DependencyLoop => {
            let mut client = GenericServiceClient::new(channel);
            let mut command = serde_json::Map::new();
            command.insert("command".into(), json!("loop"));
            command.insert("n".into(), json!(n));
            client
                .do_command(DoCommandRequest {
                    name: CALLER.into(),
                    command: Some(armature::core::values::json_to_struct(&command)),
                })
                .await
                .context("DoCommand loop on the caller")?;
        }
    }
    Ok(())
}

/// The instructions a server ran, start to exit, with `n` measured calls
/// after the warm-up.
async fn instructions(ctx: &Ctx, server: Server, what: Work, n: u64, label: &str) -> anyhow::Result<u64> {
    let out = ctx.work.join(format!("{label}.callgrind"));
    let _ = std::fs::remove_file(&out);
    let wrapper = vec![
        "valgrind".to_string(),
        "--tool=callgrind".into(),
        format!("--callgrind-out-file={}", out.display()),
    ];
    let mut s = start(ctx, server, label, &wrapper)?;
    work(&s.target, what, WARMUP).await?;
    work(&s.target, what, n).await?;
    s.proc.terminate(std::time::Duration::from_secs(120))?;
    totals(&out)
}

/// The `totals:` (or `summary:`) line of a callgrind profile: instructions.
fn totals(file: &Path) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("{}: no totals line", file.display()))
}

/// Voluntary context switches over every thread of `pid`.
fn wakeups(pid: u32) -> anyhow::Result<u64> {
    let mut sum = 0;
    let tasks = PathBuf::from(format!("/proc/{pid}/task"));
    for task in std::fs::read_dir(&tasks).with_context(|| format!("listing {}", tasks.display()))? {
        let status = std::fs::read_to_string(task?.path().join("status")).unwrap_or_default();
        sum += status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
    }
    Ok(sum)
}

/// Wake-ups per sequential GetReadings, natively.
async fn wakeups_per_call(ctx: &Ctx, server: Server, label: &str) -> anyhow::Result<f64> {
    let s = start(ctx, server, label, &[])?;
    work(&s.target, Work::Calls(Method::Readings), WARMUP).await?;
    // One connection, made before counting: the count is of calls.
    let channel = connect(&s.target).await?;
    let mut client = Client::new(channel);
    call(&mut client, Method::Readings, SENSOR).await?;
    let before = wakeups(s.proc.pid())?;
    for _ in 0..SHORT {
        call(&mut client, Method::Readings, SENSOR).await?;
    }
    let after = wakeups(s.proc.pid())?;
    Ok((after - before) as f64 / SHORT as f64)
}

fn valgrind_present() -> bool {
    std::process::Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    if !valgrind_present() {
        bail!("valgrind is not installed (apt install valgrind): scenario 15 counts instructions under callgrind");
    }
    // Instructions are deterministic enough that one pair per figure is
    // the figure; the quick run measures the same.
    let per_call = async |server: Server, what: Work, name: &str| -> anyhow::Result<f64> {
        let short = instructions(ctx, server, what, SHORT, &format!("cg-{name}-short")).await?;
        let long = instructions(ctx, server, what, LONG, &format!("cg-{name}-long")).await?;
        Ok((long as f64 - short as f64) / (LONG - SHORT) as f64)
    };
    // Under valgrind the CPU has other features, so the engine another
    // compatibility hash: the first start compiles into the cache, and is
    // not measured.
    instructions(ctx, Server::Armature, Work::Calls(Method::Readings), 1, "cg-warm-cache").await?;
    let mut rows = Vec::new();
    let mut raw = serde_json::Map::new();
    for method in METHODS {
        let label = method.label();
        let ours = per_call(Server::Armature, Work::Calls(method), &format!("armature-{label}")).await?;
        let floor = per_call(Server::Floor, Work::Calls(method), &format!("floor-{label}")).await?;
        eprintln!("instructions: {label}: armature {ours:.0}, floor {floor:.0} per call");
        let goal = if method == Method::Readings { 1.10 } else { 1.20 };
        rows.push(
            Row::new(
                S15,
                format!("{label}, instructions per sequential call (server)"),
                Figure::of(&[ours], "instr"),
            )
            .against("floor", Figure::of(&[floor], "instr"))
            .ratio_at_most(goal, &format!("≤ {goal:.2}× the floor")),
        );
        raw.insert(label.to_string(), json!({"armature": ours, "floor": floor}));
    }
    let dependency = per_call(Server::Armature, Work::DependencyLoop, "armature-dependency").await?;
    eprintln!("instructions: dependency call: {dependency:.0}");
    rows.push(
        Row::new(
            S15,
            "dependency call (get-readings), instructions per call",
            Figure::of(&[dependency], "instr"),
        )
        .at_most(3000.0, "≤ 3 000"),
    );
    raw.insert("dependency".into(), json!(dependency));

    let ours = wakeups_per_call(ctx, Server::Armature, "wakeups-armature").await?;
    let floor = wakeups_per_call(ctx, Server::Floor, "wakeups-floor").await?;
    rows.push(
        Row::new(
            S15,
            "wake-ups per sequential GetReadings (server threads)",
            Figure::of(&[ours], ""),
        )
        .against("floor", Figure::of(&[floor], ""))
        .goal("≤ the floor's + 0.05", ours <= floor + 0.05),
    );
    raw.insert("wakeups".into(), json!({"armature": ours, "floor": floor}));
    Ok((rows, Value::Object(raw)))
}
