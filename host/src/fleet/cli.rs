//! `armature fleet put-config | put-fragment | status | rollout`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use super::FleetTarget;
use super::connect::connect;
use super::report::{self, Seen};
use super::rollout::{self, RolloutOptions};
use crate::config::MachineConfig;
use crate::fleet::keys::{CONFIG_BUCKET, check_name, fragment_key, machine_key};

/// Not Debug: the URL may hold a user and password.
#[derive(clap::Args, Clone)]
pub struct FleetArgs {
    /// The fleet's NATS server with JetStream, e.g. nats://127.0.0.1:4222.
    #[arg(long, env = "ARMATURE_FLEET", hide_env_values = true)]
    pub fleet: String,
    /// A NATS .creds file, or JSON {"user", "password"} or {"token"}.
    #[arg(long, env = "ARMATURE_FLEET_CREDS")]
    pub fleet_creds: Option<PathBuf>,
}

impl FleetArgs {
    pub fn target(&self) -> FleetTarget {
        FleetTarget {
            url: self.fleet.clone(),
            creds: self.fleet_creds.clone(),
        }
    }
}

#[derive(clap::Subcommand)]
pub enum FleetCommand {
    /// Set a machine's config (viam-server's JSON, with `fragments` and
    /// `fragment_mods`); it is checked first, with its fragments.
    PutConfig {
        machine: String,
        file: PathBuf,
        #[command(flatten)]
        fleet: FleetArgs,
        /// Put it unchecked (the machines still refuse a bad config).
        #[arg(long)]
        no_check: bool,
    },
    /// Set a fragment: config that every machine listing it shares.
    PutFragment {
        name: String,
        file: PathBuf,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// A table of the machines: online, config revision, module versions,
    /// unhealthy resources.
    Status {
        #[command(flatten)]
        fleet: FleetArgs,
        #[arg(long)]
        json: bool,
    },
    /// Move a registry module to VERSION on the selected machines: canaries
    /// first, then waves, each healthy for the health window; when one
    /// turns unhealthy, every machine changed goes back and it stops.
    Rollout {
        /// The module's `name` in the machine configs.
        module: String,
        version: semver::Version,
        /// Machine names: `*`-globs, comma-separated (e.g. `lab-*,dock-2`).
        #[arg(long)]
        machines: String,
        /// How many machines go first.
        #[arg(long, default_value_t = 1)]
        canary: usize,
        /// Machines per wave after the canaries.
        #[arg(long, default_value_t = 5)]
        wave: usize,
        /// How long a wave must stay healthy before the next.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        health_window: Duration,
        /// How long a machine may take to apply the change and load the version.
        #[arg(long, default_value = "120s", value_parser = parse_duration)]
        apply_timeout: Duration,
        /// Continue the rollout of MODULE whose progress is in the fleet.
        #[arg(long)]
        resume: bool,
        #[command(flatten)]
        fleet: FleetArgs,
    },
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::config::parse_duration(text).ok_or_else(|| format!("{text:?} is not a duration such as 30s"))
}

pub async fn run(command: FleetCommand) -> anyhow::Result<bool> {
    match command {
        FleetCommand::PutConfig {
            machine,
            file,
            fleet,
            no_check,
        } => put(Kind::Machine, &machine, &file, &fleet.target(), !no_check)
            .await
            .map(|()| true),
        FleetCommand::PutFragment { name, file, fleet } => put(Kind::Fragment, &name, &file, &fleet.target(), true)
            .await
            .map(|()| true),
        FleetCommand::Status { fleet, json } => status(&fleet.target(), json).await.map(|()| true),
        FleetCommand::Rollout {
            module,
            version,
            machines,
            canary,
            wave,
            health_window,
            apply_timeout,
            resume,
            fleet,
        } => {
            let buckets = connect(&fleet.target()).await?;
            rollout::run(
                &buckets,
                RolloutOptions {
                    module,
                    version,
                    selector: machines,
                    canary,
                    wave,
                    health_window,
                    apply_timeout,
                    resume,
                },
            )
            .await
        }
    }
}

fn read_json(file: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let value: Value = serde_json::from_str(&text).with_context(|| format!("{}: not JSON", file.display()))?;
    if !value.is_object() {
        bail!("{}: a config must be a JSON object", file.display());
    }
    Ok(value)
}

/// Whether a composed config would parse (modules and models are the
/// machine's to check: they need its modules).
fn check_config(file: &Path, config: &Value) -> anyhow::Result<()> {
    let text = serde_json::to_string(config)?;
    MachineConfig::parse(file, &text).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// What `put-config` and `put-fragment` write.
enum Kind {
    Machine,
    Fragment,
}

/// Checks a config or fragment file (its fragments exist, its settings
/// parse) unless told not to, and puts it under its key.
async fn put(kind: Kind, name: &str, file: &Path, target: &FleetTarget, check: bool) -> anyhow::Result<()> {
    let (what, key) = match kind {
        Kind::Machine => ("machine", machine_key(name)),
        Kind::Fragment => ("fragment", fragment_key(name)),
    };
    check_name(what, name).map_err(anyhow::Error::msg)?;
    let value = read_json(file)?;
    let buckets = connect(target).await?;
    if check {
        let whole = super::kv::composed_now(&buckets, &value)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        check_config(file, &whole)?;
    }
    let revision = buckets
        .config
        .put(&key, serde_json::to_vec(&value)?.into())
        .await
        .with_context(|| format!("putting {CONFIG_BUCKET} {key}"))?;
    println!("{key}: revision {revision}");
    Ok(())
}

async fn status(target: &FleetTarget, json: bool) -> anyhow::Result<()> {
    let buckets = connect(target).await?;
    let seen = report::read_all(&buckets.status).await?;
    if json {
        let rows: Vec<Value> = seen
            .values()
            .map(|s| {
                let mut v = serde_json::to_value(&s.report).unwrap_or_default();
                v["online"] = s.online().into();
                v["age_s"] = s.age.as_secs_f64().into();
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{:<16} {:<12} {:<9} {:<28} PROBLEMS",
        "MACHINE", "ONLINE", "REVISION", "MODULES"
    );
    for (name, s) in &seen {
        println!(
            "{:<16} {:<12} {:<9} {:<28} {}",
            name,
            online(s),
            s.report.applied.revision,
            s.report
                .modules
                .iter()
                .map(|m| format!("{}@{}", m.name, m.version))
                .collect::<Vec<_>>()
                .join(","),
            problems(&s.report).join("; ")
        );
    }
    Ok(())
}

fn online(s: &Seen) -> String {
    if s.online() {
        "yes".into()
    } else {
        format!("no ({}s)", s.age.as_secs())
    }
}

/// A report's trouble, one phrase each.
pub fn problems(r: &report::MachineReport) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((_, why)) = &r.refused {
        out.push(format!("refused {why}"));
    }
    out.extend(r.module_errors.iter().cloned());
    for res in &r.resources {
        if res.state != "ready" || res.error.is_some() {
            out.push(format!(
                "{} {}{}",
                res.name,
                res.state,
                res.error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
            ));
        }
    }
    out
}
