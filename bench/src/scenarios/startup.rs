//! Scenario 5: from spawning `armature run` to every resource having
//! answered a GetReadings, with 1 and 100 sensors, with a cold compile cache
//! (a fresh, empty folder) and a warm one. Per resource from a cached
//! component: (warm start of 100 − warm start of 1) / 99, and the build time
//! the host logs for each resource. Baseline: spawn to Ready of one Python
//! module, as viam-server starts it.

use serde_json::{Value, json};

use bench::stats::Figure;

use super::{answer_all, ms};
use crate::procs::{ArmatureSpec, sensors, start_armature};
use crate::report::Row;
use crate::{Ctx, parent, python};

/// One start; returns (spawn → all answered in ms, per-resource build times
/// the host logged in µs).
async fn start_once(ctx: &Ctx, n: usize, cold: bool, label: &str) -> anyhow::Result<(f64, Vec<f64>)> {
    let cache = if cold {
        ctx.work.join(format!("cache-{label}"))
    } else {
        ctx.warm_cache.clone()
    };
    let host = start_armature(
        ctx,
        ArmatureSpec {
            label,
            config: json!({"components": sensors("s", n)}),
            listen: "127.0.0.1:0".into(),
            cache_dir: Some(cache),
            watch: false,
            extra_args: Vec::new(),
        },
    )?;
    let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    answer_all(&host.target, &names, 8).await?;
    let took = ms(host.spawned.elapsed());
    let builds = host
        .proc
        .log_text()
        .lines()
        .filter(|l| l.contains("resource ready"))
        .filter_map(|l| l.split("took_us=").nth(1)?.split_whitespace().next()?.parse().ok())
        .collect();
    Ok((took, builds))
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    // Fills the warm cache (not measured).
    start_once(ctx, 1, false, "startup-prime").await?;
    let cases = [(1, true), (1, false), (100, true), (100, false)];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut warm_builds = Vec::new();
    for rep in 0..ctx.runs {
        for (i, (n, cold)) in cases.iter().enumerate() {
            let label = format!("startup-{n}-{}-{rep}", if *cold { "cold" } else { "warm" });
            let (took, builds) = start_once(ctx, *n, *cold, &label).await?;
            times[i].push(took);
            if *n == 100 && !*cold {
                warm_builds.extend(builds);
            }
        }
        eprintln!("start-up: run {}/{}", rep + 1, ctx.runs);
    }
    let parent = parent::serve(&ctx.socket("parent-start.sock"))?;
    let (mut ready, mut serving) = (Vec::new(), Vec::new());
    for rep in 0..ctx.runs {
        let py = python::start(ctx, &format!("startup-python-{rep}"), &parent.path).await?;
        ready.push(ms(py.to_ready));
        serving.push(ms(py.to_serving));
    }
    drop(parent);

    let marginal: Vec<f64> = times[3]
        .iter()
        .zip(&times[1])
        .map(|(t100, t1)| (t100 - t1) / 99.0)
        .collect();
    let builds_ms: Vec<f64> = warm_builds.iter().map(|us| us / 1e3).collect();
    let python_ready = Figure::of(&ready, "ms");
    let s5 = "5 start-up";
    let rows = vec![
        Row::new(s5, "1 sensor, cold cache", Figure::of(&times[0], "ms"))
            .against("Python module spawn → Ready", python_ready.clone()),
        Row::new(s5, "1 sensor, warm cache", Figure::of(&times[1], "ms"))
            .against("Python module spawn → Ready", python_ready),
        Row::new(s5, "100 sensors, cold cache", Figure::of(&times[2], "ms")),
        Row::new(s5, "100 sensors, warm cache", Figure::of(&times[3], "ms")).at_most(200.0, "≤ 200 ms"),
        Row::new(
            s5,
            "one more sensor, cached component (100 vs 1, warm)",
            Figure::of(&marginal, "ms"),
        )
        .goal("< 1 ms", Figure::of(&marginal, "ms").is_some_and(|f| f.median < 1.0)),
        Row::new(
            s5,
            "build of one sensor, as the host logs it (warm)",
            Figure::of(&builds_ms, "ms"),
        ),
    ];
    Ok((
        rows,
        json!({
            "cases": cases.iter().map(|(n, cold)| json!({"sensors": n, "cold": cold})).collect::<Vec<_>>(),
            "spawn_to_all_answered_ms": times,
            "python_spawn_to_ready_ms": ready,
            "python_spawn_to_first_reading_ms": serving,
        }),
    ))
}
