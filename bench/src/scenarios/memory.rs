//! Scenario 4: host RSS with 1, 100 and 1000 sensors (each has answered a
//! GetReadings), and per resource: (RSS(N) − RSS(1)) / (N − 1), and the
//! same of PSS, which counts a page shared between instances (the module's
//! copy-on-write memory image) once where RSS counts it per instance. Baseline:
//! the RSS of one Python module process serving one sensor. And what a
//! module no resource uses costs: one sensor with the example modules
//! (Rust and Python) beside its own in the modules folder, against one
//! sensor alone, per unused module (a warm cache: started once before).

use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};

use bench::procfs::pss_bytes;
use bench::stats::Figure;

use super::answer_all;
use crate::procs::{ArmatureSpec, sensors, start_armature};
use crate::report::Row;
use crate::{Ctx, parent, python};

const COUNTS: [usize; 3] = [1, 100, 1000];
const MB: f64 = 1024.0 * 1024.0;

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let reps = if ctx.quick { 1 } else { 3 };
    // rss[i][rep] and pss[i][rep], bytes
    let mut rss = vec![Vec::new(); COUNTS.len()];
    let mut pss = vec![Vec::new(); COUNTS.len()];
    // A first start fills the cache (the artifact and its index entry): a
    // host that compiled keeps the compiler's memory in its allocator, and
    // one that listed its module keeps the pages the listing touched, which
    // a warm start does neither of.
    for rep in 0..=reps {
        for (i, n) in COUNTS.iter().enumerate() {
            if rep == 0 && i > 0 {
                break;
            }
            let host = start_armature(
                ctx,
                ArmatureSpec {
                    label: &format!("memory-{n}-{rep}"),
                    config: json!({"components": sensors("s", *n)}),
                    listen: "127.0.0.1:0".into(),
                    cache_dir: Some(ctx.warm_cache.clone()),
                    watch: false,
                    extra_args: Vec::new(),
                },
            )?;
            let names: Vec<String> = (0..*n).map(|i| format!("s{i}")).collect();
            answer_all(&host.target, &names, 8).await?;
            // Let deferred frees (dropped validation Stores) settle.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let bytes = host.proc.rss()? as f64;
            eprintln!(
                "memory: {n} sensors: {:.1} MB{}",
                bytes / MB,
                if rep == 0 { " (warming the cache)" } else { "" }
            );
            if rep > 0 {
                rss[i].push(bytes);
                pss[i].push(pss_bytes(host.proc.pid())? as f64);
            }
        }
    }
    let unused = unused_modules(ctx, reps).await?;
    let parent = parent::serve(&ctx.socket("parent-mem.sock"))?;
    let mut py_rss = Vec::new();
    for rep in 0..reps {
        let py = python::start(ctx, &format!("memory-python-{rep}"), &parent.path).await?;
        super::answer_all(&py.target, &[python::SENSOR.to_string()], 1).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        py_rss.push(py.proc.rss()? as f64);
    }
    drop(parent);

    let mb = |v: &[f64]| v.iter().map(|b| b / MB).collect::<Vec<_>>();
    let per_resource_of = |sizes: &[Vec<f64>], i: usize| -> Vec<f64> {
        let n = COUNTS[i] as f64;
        sizes[i]
            .iter()
            .zip(&sizes[0])
            .map(|(big, one)| (big - one) / (n - 1.0) / 1024.0)
            .collect()
    };
    let per_resource = |i: usize| per_resource_of(&rss, i);
    let s4 = "4 memory";
    let rows = vec![
        Row::new(s4, "RSS, 1 sensor", Figure::of(&mb(&rss[0]), "MB"))
            .against("Python module process, 1 sensor", Figure::of(&mb(&py_rss), "MB")),
        Row::new(s4, "RSS, 100 sensors", Figure::of(&mb(&rss[1]), "MB")),
        {
            let total = Figure::of(&mb(&rss[2]), "MB");
            let met = total.as_ref().is_some_and(|f| f.median < 150.0);
            Row::new(s4, "RSS, 1000 sensors", total).goal("< 150 MB", met)
        },
        Row::new(s4, "RSS per sensor, 1→100", Figure::of(&per_resource(1), "KB")).at_most(100.0, "≤ 100 KB"),
        Row::new(s4, "RSS per sensor, 1→1000", Figure::of(&per_resource(2), "KB")).at_most(100.0, "≤ 100 KB"),
        // RSS counts the module's shared memory image once per instance
        // (the kernel maps up to 64 KB around a faulting page); PSS once.
        Row::new(
            s4,
            "PSS per sensor, 1→1000",
            Figure::of(&per_resource_of(&pss, 2), "KB"),
        )
        .at_most(40.0, "≤ 40 KB"),
        Row::new(
            s4,
            format!(
                "RSS per unused module in the folder ({} modules, {} of them Python), 1 sensor",
                unused.modules, unused.python
            ),
            Figure::of(
                &unused
                    .rss
                    .iter()
                    .zip(&rss[0])
                    .map(|(with, alone)| (with - alone) / unused.modules as f64 / 1024.0)
                    .collect::<Vec<_>>(),
                "KB",
            ),
        )
        .at_most(1024.0, "≤ 1 MB"),
    ];
    Ok((
        rows,
        json!({"counts": COUNTS, "rss_mb": rss.iter().map(|r| mb(r)).collect::<Vec<_>>(),
               "pss_mb": pss.iter().map(|r| mb(r)).collect::<Vec<_>>(), "python_rss_mb": mb(&py_rss),
               "unused_modules": unused.modules, "unused_python": unused.python, "rss_with_unused_mb": mb(&unused.rss)}),
    ))
}

/// One sensor's host with unused modules beside its own.
struct Unused {
    /// Modules in the folder no resource uses.
    modules: usize,
    python: usize,
    /// RSS per repetition, bytes.
    rss: Vec<f64>,
}

/// The bench module and every example module (`target/modules`, which
/// `cargo xtask bench` builds) and the bench's Python module in one folder;
/// one sensor of the bench module.
async fn unused_modules(ctx: &Ctx, reps: usize) -> anyhow::Result<Unused> {
    let folder = ctx.work.join("memory-unused-modules");
    std::fs::create_dir_all(&folder)?;
    let mut extras = Vec::new();
    for dir in [
        ctx.root.join("target/modules"),
        ctx.root.join("target/bench/py-modules"),
    ] {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "wasm") {
                extras.push(path);
            }
        }
    }
    for path in extras.iter().chain([&ctx.modules.join("bench-guest.wasm")]) {
        let name = path.file_name().context("a module file has a name")?;
        std::fs::copy(path, folder.join(name)).with_context(|| format!("copying {}", path.display()))?;
    }
    let python = extras
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("py-")))
        .count();
    let mut rss = Vec::new();
    // The first start compiles and indexes what the cache lacks.
    for rep in 0..=reps {
        let host = start_armature(
            ctx,
            ArmatureSpec {
                label: &format!("memory-unused-{rep}"),
                config: json!({"modules_dir": folder.display().to_string(), "components": sensors("s", 1)}),
                listen: "127.0.0.1:0".into(),
                cache_dir: Some(ctx.warm_cache.clone()),
                watch: false,
                extra_args: Vec::new(),
            },
        )?;
        answer_all(&host.target, &["s0".to_string()], 1).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        if rep > 0 {
            rss.push(host.proc.rss()? as f64);
            eprintln!(
                "memory: 1 sensor, {} unused modules: {:.1} MB",
                extras.len(),
                rss[rep - 1] / MB
            );
        }
    }
    Ok(Unused {
        modules: extras.len(),
        python,
        rss,
    })
}
