//! A host following its config in the fleet: it watches `machine.NAME`
//! and the fragments, composes, and applies through the same path as an
//! edited config file; what it applied is written to disk so the machine
//! boots offline; every [`report::INTERVAL`] (and after every change) it
//! puts its report. A server that goes away is reconnected to, and a
//! missed watch update is caught by a re-read every [`RESYNC`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};

use super::FleetTarget;
use super::compose::ComposeError;
use super::connect::{Buckets, FleetError, connect};
use super::report::{self, Applied};
use crate::config::MachineConfig;
use crate::fleet::keys::{CONFIG_BUCKET, fragment_key, machine_key};
use crate::resources::machine::Machine;

/// Between attempts to reach the server.
const RETRY: Duration = Duration::from_secs(1);
/// A full re-read, in case a watch update was lost.
const RESYNC: Duration = Duration::from_secs(5);
/// A refused config is tried again after this (a registry that was down
/// may be back), not on every re-read.
const RETRY_REFUSED: Duration = Duration::from_secs(30);

pub struct FollowOptions {
    pub target: FleetTarget,
    pub machine: String,
    /// Where the last applied config is kept (see [`applied_path`]).
    pub applied_path: PathBuf,
}

/// `<state>/fleet/<machine>/config.json`: the config last applied, which
/// the machine boots from when the server cannot be reached.
pub fn applied_path(state_dir: &Path, machine: &str) -> PathBuf {
    state_dir.join("fleet").join(machine).join("config.json")
}

/// How long a first boot (no applied config on disk) waits for the fleet.
const FIRST_CONTACT: Duration = Duration::from_secs(10);

/// Makes sure there is a config file to boot from: the one applied last;
/// on a first boot, the fleet's config as it is now, so that settings read
/// only at start (API keys, TLS, the address) are the fleet's from the
/// first request on. It is still applied properly once the host follows
/// (a refused one is reported). If the fleet cannot be reached within
/// [`FIRST_CONTACT`], the host boots empty and says so.
pub async fn boot_config(options: &FollowOptions) -> anyhow::Result<()> {
    use anyhow::Context;
    let path = &options.applied_path;
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().context("the applied config has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = machine_key(&options.machine);
    let first = tokio::time::timeout(FIRST_CONTACT, async {
        let buckets = connect(&options.target).await.map_err(|e| e.to_string())?;
        let entry = super::kv::live(&buckets.config, CONFIG_BUCKET, &key)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no config at {CONFIG_BUCKET} {key} yet"))?;
        let (config, _) = compose_entry(&entry.value, &buckets).await.map_err(|e| e.to_string())?;
        serde_json::to_string_pretty(&config).map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|_| Err(format!("no answer within {} s", FIRST_CONTACT.as_secs())));
    let text = first.unwrap_or_else(|why| {
        tracing::warn!("fleet: first boot without a config ({why}); the machine starts empty and follows the fleet");
        "{}\n".into()
    });
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Where this host stands, for its report.
#[derive(Default)]
struct State {
    applied: Applied,
    /// The last revisions tried, and when.
    attempted: Option<(Applied, Instant)>,
    /// Why the newest config is not in force.
    refused: Option<(u64, String)>,
    /// The fleet server's trouble, if it has one.
    fleet_error: Option<String>,
}

impl State {
    fn fleet_problem(&mut self, why: String) {
        if self.fleet_error.as_ref() != Some(&why) {
            tracing::warn!("fleet: {why}; the machine keeps its config");
        }
        self.fleet_error = Some(why);
    }
}

/// Follows the fleet until the machine is dropped or the task aborted.
pub fn start(machine: &Arc<Machine>, options: FollowOptions) -> tokio::task::JoinHandle<()> {
    let applied = read_applied(&options.applied_path);
    tokio::spawn(run(Arc::downgrade(machine), options, applied))
}

/// What the config on disk says it was, when the fleet wrote it.
fn read_applied(path: &Path) -> Applied {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| serde_json::from_value(v.get("fleet")?.clone()).ok())
        .unwrap_or_default()
}

async fn run(machine: Weak<Machine>, options: FollowOptions, applied: Applied) {
    let started = Instant::now();
    let mut state = State {
        applied,
        ..State::default()
    };
    let key = machine_key(&options.machine);
    loop {
        match connect(&options.target).await {
            Ok(buckets) => {
                if state.fleet_error.take().is_some() {
                    tracing::info!("fleet: connected again");
                } else {
                    tracing::info!(machine = %options.machine, "fleet: following {CONFIG_BUCKET} {key}");
                }
                match follow(&machine, &options, &buckets, &mut state, started).await {
                    Ok(()) => return,
                    Err(e) => state.fleet_problem(e.to_string()),
                }
            }
            Err(e) => state.fleet_problem(e.to_string()),
        }
        if machine.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// One connection's life: returns Ok when the machine is gone, Err when
/// the server must be reached afresh.
async fn follow(
    machine: &Weak<Machine>,
    options: &FollowOptions,
    buckets: &Buckets,
    state: &mut State,
    started: Instant,
) -> Result<(), FleetError> {
    let key = machine_key(&options.machine);
    let watch_failed = |e: &dyn std::fmt::Display| FleetError::key(CONFIG_BUCKET, &key, format!("watching: {e}"));
    // Watches before the first read, so no change falls in between.
    let mut mine = buckets.config.watch(&key).await.map_err(|e| watch_failed(&e))?;
    let mut shared = buckets
        .config
        .watch(fragment_key(">"))
        .await
        .map_err(|e| watch_failed(&e))?;
    // After a slow apply, one tick, not a burst of them.
    let mut resync = tokio::time::interval(RESYNC);
    resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tick = tokio::time::interval(report::INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let read = tokio::select! {
            e = mine.next() => match e {
                Some(Ok(_)) => true,
                Some(Err(e)) => return Err(watch_failed(&e)),
                None => return Err(watch_failed(&"the watch ended")),
            },
            e = shared.next() => match e {
                Some(Ok(_)) => true,
                Some(Err(e)) => return Err(watch_failed(&e)),
                None => return Err(watch_failed(&"the watch ended")),
            },
            _ = resync.tick() => true,
            _ = tick.tick() => false,
        };
        let Some(machine) = machine.upgrade() else {
            return Ok(());
        };
        if read {
            sync(&machine, options, buckets, state).await?;
        }
        let report = report::build(
            &machine,
            &options.machine,
            &state.applied,
            state.refused.as_ref(),
            started,
        );
        report::put(&buckets.status, &options.machine, &report).await?;
    }
}

/// Reads the config and its fragments; applies them if they are new.
async fn sync(
    machine: &Machine,
    options: &FollowOptions,
    buckets: &Buckets,
    state: &mut State,
) -> Result<(), FleetError> {
    let key = machine_key(&options.machine);
    let Some(entry) = super::kv::live(&buckets.config, CONFIG_BUCKET, &key).await? else {
        if state.refused.as_ref().map(|r| r.0) != Some(0) {
            let why = format!("no config at {CONFIG_BUCKET} {key}; the machine keeps the one it has");
            tracing::warn!("fleet: {why}");
            state.refused = Some((0, why));
        }
        return Ok(());
    };
    let (composed, revisions) = match compose_entry(&entry.value, buckets).await {
        Ok((config, revisions)) => (Ok(config), revisions),
        Err(ComposeError::Fetch(why)) => return Err(FleetError::key(CONFIG_BUCKET, "fragments", why)),
        Err(e) => (Err(e), BTreeMap::new()),
    };
    let attempt = Applied {
        revision: entry.revision,
        fragments: revisions,
    };
    let tried_lately = state
        .attempted
        .as_ref()
        .is_some_and(|(a, at)| *a == attempt && (state.refused.is_none() || at.elapsed() < RETRY_REFUSED));
    if state.applied == attempt || tried_lately {
        return Ok(());
    }
    state.attempted = Some((attempt.clone(), Instant::now()));
    let label = describe(&key, attempt.revision, &attempt.fragments);
    let outcome = match composed {
        Ok(mut config) => {
            let fleet = attempt;
            config["revision"] = json!(label);
            config["fleet"] = json!(fleet);
            apply(machine, &options.applied_path, &label, &config)
                .await
                .map(|()| fleet)
        }
        Err(e) => {
            let why = e.to_string();
            machine.refuse(why.clone());
            Err(why)
        }
    };
    match outcome {
        Ok(applied) => {
            tracing::info!("fleet: applied {label}");
            state.applied = applied;
            state.refused = None;
        }
        Err(why) => {
            tracing::error!("fleet: {label} refused; the machine keeps running as it was: {why}");
            state.refused = Some((entry.revision, format!("{label}: {why}")));
        }
    }
    Ok(())
}

/// `machine.lab-1@12 fragments.base@7`: what a config was made of.
fn describe(key: &str, revision: u64, fragments: &BTreeMap<String, u64>) -> String {
    let mut out = format!("{key}@{revision}");
    for (name, rev) in fragments {
        out.push_str(&format!(" {}@{rev}", fragment_key(name)));
    }
    out
}

/// The entry's config composed with its fragments.
async fn compose_entry(value: &[u8], buckets: &Buckets) -> Result<(Value, BTreeMap<String, u64>), ComposeError> {
    let config: Value =
        serde_json::from_slice(value).map_err(|e| ComposeError::Invalid(format!("the value is not JSON: {e}")))?;
    super::kv::composed(&buckets.config, &config).await
}

/// Parses and applies a composed config; on success it becomes the file
/// the machine boots from. Errors name the fleet key and revisions (`label`)
/// rather than the file, which does not hold this config yet.
async fn apply(machine: &Machine, path: &Path, label: &str, config: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(config).map_err(|e| e.to_string())?;
    let named = path.with_file_name(label);
    let parsed = match MachineConfig::parse(&named, &text) {
        Ok(c) => c,
        Err(e) => {
            let why = e.to_string();
            machine.refuse(why.clone());
            return Err(why);
        }
    };
    machine.apply(parsed).await.map_err(|problems| problems.join("\n"))?;
    if let Err(e) = crate::registry::store::write_whole(path, text.as_bytes()) {
        tracing::warn!(file = %path.display(), "cannot keep the applied config for an offline boot: {e}");
    }
    Ok(())
}
