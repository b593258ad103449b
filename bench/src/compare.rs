//! `--compare FILE`: this run's figures against an earlier `results.json`
//! (`bench/baseline.json` holds this machine's last full run). Each figure
//! common to both is printed with its change and whether the change is
//! beyond the spread: runs whose min–max ranges overlap are not told apart.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use crate::report::{Row, show};
use bench::stats::Figure;

/// A figure of an earlier run, as its JSON holds it.
struct Earlier {
    scenario: String,
    metric: String,
    median: f64,
    min: f64,
    max: f64,
    unit: String,
}

fn earlier(path: &Path) -> anyhow::Result<(String, Vec<Earlier>)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let json: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let rows = json["rows"]
        .as_array()
        .with_context(|| format!("{} has no `rows`: not a results.json of armature-bench", path.display()))?;
    let figures = rows
        .iter()
        .filter_map(|r| {
            let a = &r["armature"];
            Some(Earlier {
                scenario: r["scenario"].as_str()?.to_string(),
                metric: r["metric"].as_str()?.to_string(),
                median: a["median"].as_f64()?,
                min: a["min"].as_f64()?,
                max: a["max"].as_f64()?,
                unit: a["unit"].as_str()?.to_string(),
            })
        })
        .collect();
    let when = format!(
        "{} ({})",
        json["date"].as_str().unwrap_or("undated"),
        json["command"].as_str().unwrap_or("?")
    );
    Ok((when, figures))
}

/// The comparison, Markdown.
pub fn table(path: &Path, rows: &[Row]) -> anyhow::Result<String> {
    let (when, before) = earlier(path)?;
    let mut out = format!(
        "Compared with {} of {when}:\n\n| scenario | metric | before | now | change | |\n|---|---|---|---|---|---|\n",
        path.display()
    );
    let mut compared = 0;
    for row in rows {
        let Some(now) = &row.armature else { continue };
        let Some(then) = before
            .iter()
            .find(|b| b.scenario == row.scenario && b.metric == row.metric && b.unit == now.unit)
        else {
            continue;
        };
        compared += 1;
        let change = if then.median != 0.0 {
            format!("{:+.1} %", (now.median / then.median - 1.0) * 100.0)
        } else {
            "—".into()
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {change} | {} |\n",
            row.scenario,
            row.metric,
            show(&Figure {
                median: then.median,
                min: then.min,
                max: then.max,
                runs: 2,
                unit: now.unit,
            }),
            show(now),
            verdict(then, now)
        ));
    }
    out.push_str(&format!(
        "\n{compared} figures in both runs. \"beyond spread\": the two runs' min–max ranges do not overlap.\n"
    ));
    Ok(out)
}

fn verdict(then: &Earlier, now: &Figure) -> &'static str {
    if now.min > then.max {
        "higher, beyond spread"
    } else if now.max < then.min {
        "lower, beyond spread"
    } else {
        "within spread"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_the_figures_both_runs_have() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.json");
        std::fs::write(
            &path,
            r#"{"date": "2026-11-30", "command": "cargo xtask bench", "rows": [
                {"scenario": "2 throughput, 8 clients", "metric": "server CPU per call, TCP",
                 "armature": {"median": 40.0, "min": 38.0, "max": 42.0, "runs": 7, "unit": "µs"}},
                {"scenario": "9 gone", "metric": "x", "armature": null}]}"#,
        )
        .unwrap();
        let now = |median: f64, min: f64, max: f64| {
            Row::new(
                "2 throughput, 8 clients",
                "server CPU per call, TCP",
                Some(Figure {
                    median,
                    min,
                    max,
                    runs: 7,
                    unit: "µs",
                }),
            )
        };
        let text = table(&path, &[now(30.0, 29.0, 31.0)]).unwrap();
        assert!(text.contains("-25.0 %"), "{text}");
        assert!(text.contains("lower, beyond spread"), "{text}");
        assert!(text.contains("1 figures in both runs"), "{text}");
        let text = table(&path, &[now(41.0, 37.0, 45.0)]).unwrap();
        assert!(text.contains("within spread"), "{text}");
        assert!(table(&dir.path().join("missing.json"), &[]).is_err());
    }
}
