//! Scenario 9: Python guests against the Python Viam module process they
//! replace. The guest is `bench/python/sensor_module.py` with its imports
//! changed (`bench/python-guest/sensor`), built by `armature build`.
//!
//! - memory per further Python resource: host RSS and PSS with 1 and 21;
//!   RSS counts the pages of CPython's heap image that every instance maps
//!   copy-on-write from the compiled artifact once per instance, PSS shares
//!   them out, so PSS is the memory a resource really adds;
//! - server CPU per GetReadings at 8 clients over a Unix socket;
//! - spawn to 20 Python resources answering, compile cache warm;
//! - compile time: cold, and of an edited version (one changed number) with
//!   the functions of the first version in the incremental cache.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use bench::stats::Figure;

use super::{answer_all, ms, run_load};
use crate::load::{LoadSpec, Method};
use crate::procs::{ArmatureSpec, sensors, start_armature};
use crate::report::Row;
use crate::{Ctx, parent, python};

const MB: f64 = 1024.0 * 1024.0;
const MANY: usize = 21;
const WARM_START: usize = 20;

fn spec<'a>(ctx: &Ctx, label: &'a str, n: usize, listen: String) -> ArmatureSpec<'a> {
    ArmatureSpec {
        label,
        config: json!({"modules_dir": ctx.py_modules.display().to_string(), "components": sensors("p", n)}),
        listen,
        cache_dir: Some(ctx.warm_cache.clone()),
        watch: false,
        extra_args: Vec::new(),
    }
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("p{i}")).collect()
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let reps = if ctx.quick { 1 } else { 3 };
    let (cold, edited) = compile_times(ctx, reps)?;

    // Memory, and start-up with the compile cache warm (the compile above filled it).
    let (mut rss_per, mut pss_per, mut starts) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 0..reps {
        let mut sizes = Vec::new();
        for n in [1, MANY] {
            let host = start_armature(ctx, spec(ctx, &format!("py-memory-{n}-{rep}"), n, "127.0.0.1:0".into()))?;
            answer_all(&host.target, &names(n), 4).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            sizes.push((
                host.proc.rss()? as f64,
                bench::procfs::pss_bytes(host.proc.pid())? as f64,
            ));
        }
        rss_per.push((sizes[1].0 - sizes[0].0) / (MANY - 1) as f64 / MB);
        pss_per.push((sizes[1].1 - sizes[0].1) / (MANY - 1) as f64 / MB);
        let host = start_armature(
            ctx,
            spec(ctx, &format!("py-start-{rep}"), WARM_START, "127.0.0.1:0".into()),
        )?;
        answer_all(&host.target, &names(WARM_START), 4).await?;
        starts.push(ms(host.spawned.elapsed()));
    }

    // CPU per call, against the Python module process.
    let guest = start_armature(
        ctx,
        spec(
            ctx,
            "py-calls",
            1,
            format!("unix:{}", ctx.socket("py-calls.sock").display()),
        ),
    )?;
    let parent = parent::serve(&ctx.socket("parent-py.sock"))?;
    let module = python::start(ctx, "py-calls-module", &parent.path).await?;
    let module_rss = module.proc.rss()? as f64 / MB;
    let load = |target: &bench::target::Target, pid: u32, sensor: &str, window| LoadSpec {
        target: target.clone(),
        method: Method::Readings,
        then: None,
        sensor: sensor.into(),
        clients: 8,
        warmup: ctx.warmup,
        window,
        server_pid: Some(pid),
    };
    let (mut guest_cpu, mut module_cpu) = (Vec::new(), Vec::new());
    run_load(ctx, &load(&guest.target, guest.proc.pid(), "p0", ctx.warmup)).await?;
    run_load(
        ctx,
        &load(&module.target, module.proc.pid(), python::SENSOR, ctx.warmup),
    )
    .await?;
    for _ in 0..ctx.runs {
        for (cpu, target, pid, sensor) in [
            (&mut guest_cpu, &guest.target, guest.proc.pid(), "p0"),
            (&mut module_cpu, &module.target, module.proc.pid(), python::SENSOR),
        ] {
            let r = run_load(ctx, &load(target, pid, sensor, ctx.window)).await?;
            if r.errors > 0 {
                bail!("{} errors in the Python load run: {:?}", r.errors, r.first_error);
            }
            cpu.extend(r.server_cpu_us_per_call);
        }
    }
    drop(parent);

    let s9 = "9 Python guests";
    let module_cpu_figure = Figure::of(&module_cpu, "µs");
    let rows = vec![
        Row::new(s9, "PSS per further Python resource (1→21)", Figure::of(&pss_per, "MB"))
            .against("Python module process RSS", Figure::of(&[module_rss], "MB"))
            .at_most(8.0, "≤ 8 MB"),
        Row::new(s9, "RSS per further Python resource (1→21)", Figure::of(&rss_per, "MB")),
        Row::new(
            s9,
            "server CPU per GetReadings, unix, 8 clients",
            Figure::of(&guest_cpu, "µs"),
        )
        .against("Python module", module_cpu_figure)
        .ratio_at_most(0.2, "≥ 5x less"),
        Row::new(
            s9,
            "spawn → 20 Python resources answering, warm cache",
            Figure::of(&starts, "ms"),
        )
        .at_most(1000.0, "≤ 1 s"),
        Row::new(s9, "compile, cold", Figure::of(&cold, "s")),
        Row::new(
            s9,
            "compile of an edited version (functions cached)",
            Figure::of(&edited, "s"),
        )
        .against("cold", Figure::of(&cold, "s")),
    ];
    Ok((
        rows,
        json!({
            "pss_per_resource_mb": pss_per, "rss_per_resource_mb": rss_per, "module_rss_mb": module_rss,
            "server_cpu_us": guest_cpu, "module_server_cpu_us": module_cpu,
            "warm_start_20_ms": starts, "compile_cold_s": cold, "compile_edited_s": edited,
        }),
    ))
}

/// Seconds to compile the guest cold, and an edited build of it with the
/// first version's functions cached (`armature models` compiles and exits).
fn compile_times(ctx: &Ctx, reps: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let edited_dir = ctx.work.join("py-edited");
    std::fs::create_dir_all(&edited_dir)?;
    let source = ctx.work.join("py-edited-src");
    copy_dir(&ctx.root.join("bench/python-guest/sensor"), &source)?;
    let main = source.join("main.py");
    let text = std::fs::read_to_string(&main)?;
    std::fs::write(&main, text.replace("1013.25", "1013.5"))?;
    let built = Command::new(&ctx.armature)
        .env(
            "ARMATURE_COMPONENTIZE_PY",
            ctx.root.join("target/venv/bin/componentize-py"),
        )
        .arg("build")
        .arg(&source)
        .arg("-o")
        .arg(edited_dir.join("py-sensor.wasm"))
        .output()?;
    if !built.status.success() {
        bail!(
            "building the edited Python guest: {}",
            String::from_utf8_lossy(&built.stderr)
        );
    }
    let (mut cold, mut edited) = (Vec::new(), Vec::new());
    for rep in 0..reps {
        let cache = ctx.work.join(format!("py-compile-cache-{rep}"));
        cold.push(compile(ctx, &ctx.py_modules, &cache)?);
        edited.push(compile(ctx, &edited_dir, &cache)?);
    }
    // Leaves the shared warm cache with the guest in it.
    compile(ctx, &ctx.py_modules, &ctx.warm_cache)?;
    Ok((cold, edited))
}

fn compile(ctx: &Ctx, dir: &Path, cache: &Path) -> anyhow::Result<f64> {
    let mut cmd = Command::new(&ctx.armature);
    cmd.arg("models").arg(dir).arg("--cache-dir").arg(cache);
    let started = Instant::now();
    let out = cmd.output().context("running armature models")?;
    if !out.status.success() {
        bail!(
            "armature models {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(started.elapsed().as_secs_f64())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap_or_default()))?;
        }
    }
    Ok(())
}
