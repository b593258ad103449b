//! Scenario 4: host RSS with 1, 100 and 1000 sensors (each has answered a
//! GetReadings), and per resource: (RSS(N) − RSS(1)) / (N − 1). Baseline:
//! the RSS of one Python module process serving one sensor.

use std::time::Duration;

use serde_json::{Value, json};

use bench::stats::Figure;

use super::answer_all;
use crate::procs::{ArmatureSpec, sensors, start_armature};
use crate::report::Row;
use crate::{Ctx, parent, python};

const COUNTS: [usize; 3] = [1, 100, 1000];
const MB: f64 = 1024.0 * 1024.0;

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let reps = if ctx.quick { 1 } else { 3 };
    // rss[i][rep], bytes
    let mut rss = vec![Vec::new(); COUNTS.len()];
    for rep in 0..reps {
        for (i, n) in COUNTS.iter().enumerate() {
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
            rss[i].push(host.proc.rss()? as f64);
            eprintln!("memory: {n} sensors: {:.1} MB", rss[i][rep] / MB);
        }
    }
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
    let per_resource = |i: usize| -> Vec<f64> {
        let n = COUNTS[i] as f64;
        rss[i]
            .iter()
            .zip(&rss[0])
            .map(|(big, one)| (big - one) / (n - 1.0) / 1024.0)
            .collect()
    };
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
    ];
    Ok((
        rows,
        json!({"counts": COUNTS, "rss_mb": rss.iter().map(|r| mb(r)).collect::<Vec<_>>(), "python_rss_mb": mb(&py_rss)}),
    ))
}
