//! `armature fleet rollout MODULE VERSION`: canaries first, then waves.
//! A machine is moved by pinning the module's `version` in its config (or,
//! for a module from a fragment, by a `$set` in its `fragment_mods`), with
//! compare-and-set on the key's revision. Each wave must report healthy for
//! the health window; a machine that turns unhealthy (or cannot be pinned)
//! sends every machine this rollout changed back to the exact config it
//! had, and the rollout stops with a report. Progress lives in
//! `rollouts.MODULE`, saved before and after every write, so `--resume`
//! continues after the CLI died — a rollback included.

mod ledger;
mod pin;
mod plan;
mod progress;
mod wait;

use anyhow::bail;

use super::connect::Buckets;
use crate::fleet::keys::{CONFIG_BUCKET, check_name, rollout_key};
use ledger::Ledger;

pub use progress::RolloutOptions;
use progress::{Phase, Progress};

/// Runs (or resumes) a rollout; Ok(false) when it was rolled back.
pub async fn run(buckets: &Buckets, options: RolloutOptions) -> anyhow::Result<bool> {
    check_name("module", &options.module).map_err(anyhow::Error::msg)?;
    let key = rollout_key(&options.module);
    let existing = super::kv::live(&buckets.config, CONFIG_BUCKET, &key).await?;
    let unfinished = existing
        .as_ref()
        .and_then(|e| serde_json::from_slice::<Progress>(&e.value).ok())
        .filter(Progress::unfinished);
    let (mut progress, mut ledger) = match (options.resume, unfinished, existing) {
        (true, Some(progress), Some(entry)) => {
            let version = options.version.to_string();
            if progress.version != version || progress.selector != options.selector {
                bail!(
                    "the rollout in progress moves {} to {} on {:?}; resume it with those",
                    progress.module,
                    progress.version,
                    progress.selector
                );
            }
            println!(
                "resuming the rollout of {} {} ({} of {} waves healthy)",
                progress.module,
                progress.version,
                progress.done,
                progress.batches.len()
            );
            (progress, Ledger::at(buckets, key, entry.revision))
        }
        (true, _, _) => bail!("no rollout of {} is in progress to resume", options.module),
        (false, Some(p), _) => bail!(
            "a rollout of {} to {} is in progress; continue it with --resume",
            p.module,
            p.version
        ),
        (false, None, existing) => {
            let progress = plan::plan(buckets, &options).await?;
            let ledger = Ledger::begin(buckets, key, existing.map(|e| e.revision), &progress).await?;
            (progress, ledger)
        }
    };
    drive(buckets, &mut progress, &mut ledger).await
}

/// Canaries, then waves; stops at the first machine that fails.
async fn drive(buckets: &Buckets, progress: &mut Progress, ledger: &mut Ledger<'_>) -> anyhow::Result<bool> {
    if progress.phase == Phase::RollingBack {
        return finish_rollback(buckets, progress, ledger).await;
    }
    let total = progress.batches.len();
    while progress.done < total {
        let batch = progress.batches[progress.done].clone();
        let what = if progress.done == 0 {
            "canary".to_string()
        } else {
            format!("wave {}", progress.done)
        };
        for name in &batch {
            if let Err(e) = pin::pin(buckets, progress, ledger, name).await {
                return fail(buckets, progress, ledger, format!("{what}: pinning {name}: {e:#}")).await;
            }
        }
        println!(
            "{what}: {} pinned to {} {}",
            batch.join(", "),
            progress.module,
            progress.version
        );
        match wait::healthy(buckets, progress, &batch).await {
            Ok(()) => {
                progress.done += 1;
                progress.report.push(format!("{what} ({}) healthy", batch.join(", ")));
                ledger.save(progress).await?;
                println!("{what}: healthy for {} ms", progress.health_window_ms);
            }
            Err(why) => return fail(buckets, progress, ledger, format!("{what} unhealthy: {why}")).await,
        }
    }
    progress.phase = Phase::Done;
    ledger.save(progress).await?;
    println!(
        "{} {} is on {} machine(s): {}",
        progress.module,
        progress.version,
        progress.machines.len(),
        progress.machines.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    Ok(true)
}

/// Records why the rollout stops and sends every changed machine back.
async fn fail(
    buckets: &Buckets,
    progress: &mut Progress,
    ledger: &mut Ledger<'_>,
    why: String,
) -> anyhow::Result<bool> {
    progress.report.push(why);
    progress.phase = Phase::RollingBack;
    ledger.save(progress).await?;
    finish_rollback(buckets, progress, ledger).await
}

async fn finish_rollback(buckets: &Buckets, progress: &mut Progress, ledger: &mut Ledger<'_>) -> anyhow::Result<bool> {
    let complete = pin::roll_back(buckets, progress, ledger).await?;
    if complete {
        progress.phase = Phase::RolledBack;
    }
    ledger.save(progress).await?;
    println!("rolled back:\n  {}", progress.report.join("\n  "));
    if !complete {
        println!("some machines could not be reached; run the same command with --resume to finish the rollback");
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::plan::glob;

    #[test]
    fn globs_match_names() {
        assert!(glob("lab-*", "lab-1"));
        assert!(glob("*", "anything"));
        assert!(glob("*-2", "dock-2"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("lab-*", "dock-1"));
        assert!(!glob("lab-1", "lab-10"));
    }
}
