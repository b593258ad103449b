//! `armature fleet rollout MODULE VERSION`: canaries first, then waves.
//! A machine is moved by pinning the module's `version` in its config (or,
//! for a module from a fragment, by a `$set` in its `fragment_mods`), with
//! compare-and-set on the key's revision. Each wave must report healthy for
//! the health window; a machine that turns unhealthy sends every machine
//! this rollout changed back to the config it had, and the rollout stops
//! with a report. Progress lives in `rollouts.MODULE`, so `--resume`
//! continues after the CLI died.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::cli::{composed, fragment};
use super::compose;
use super::connect::Buckets;
use super::report::{self, Health};
use super::{CONFIG_BUCKET, check_name, machine_key, rollout_key};
use crate::config::MachineConfig;
use crate::registry::client::RegistryClient;
use crate::registry::credentials::Credentials;
use crate::registry::versions::tag_version;

/// Between looks at the machines' reports.
const POLL: Duration = Duration::from_millis(500);
/// How long a fleet server that went away is waited for before the CLI
/// gives up (the rollout can be resumed).
const SERVER_PATIENCE: Duration = Duration::from_secs(120);

pub struct RolloutOptions {
    pub module: String,
    pub version: semver::Version,
    pub selector: String,
    pub canary: usize,
    pub wave: usize,
    pub health_window: Duration,
    pub apply_timeout: Duration,
    pub resume: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    Running,
    Done,
    RolledBack,
}

/// A rollout's progress, as kept in `rollouts.MODULE`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Progress {
    module: String,
    version: String,
    selector: String,
    health_window_ms: u64,
    apply_timeout_ms: u64,
    /// The canaries first, then the waves.
    batches: Vec<Vec<String>>,
    /// Batches found healthy.
    done: usize,
    machines: BTreeMap<String, Pin>,
    phase: Phase,
    report: Vec<String>,
}

/// What a rollout changed on one machine, to undo it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pin {
    /// The key's value before, byte for byte, and its revision.
    original: String,
    original_revision: u64,
    /// The revision the rollout wrote; None while it is being written.
    written: Option<u64>,
    previous_version: String,
    rolled_back: bool,
}

/// The progress key and its revision, written with compare-and-set so that
/// two CLIs never drive one rollout.
struct Ledger<'a> {
    buckets: &'a Buckets,
    key: String,
    revision: u64,
}

impl Ledger<'_> {
    async fn save(&mut self, progress: &Progress) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec(progress)?;
        let key = self.key.clone();
        let revision = self.revision;
        let store = self.buckets.config.clone();
        self.revision = patiently(&format!("saving {key}"), || {
            let (store, key, bytes) = (store.clone(), key.clone(), bytes.clone());
            async move {
                store
                    .update(&key, bytes.into(), revision)
                    .await
                    .map_err(|e| e.to_string())
            }
        })
        .await
        .with_context(|| {
            format!(
                "another rollout of {} is being driven ({CONFIG_BUCKET} {key} changed)",
                progress.module
            )
        })?;
        Ok(())
    }
}

/// Retries an operation on the fleet server while it is away, up to
/// [`SERVER_PATIENCE`]; a compare-and-set conflict is final.
async fn patiently<T, F, Fut>(what: &str, mut op: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    let mut warned = false;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if e.contains("wrong last sequence") || e.contains("WrongLastRevision") => bail!("{what}: {e}"),
            Err(e) if start.elapsed() > SERVER_PATIENCE => bail!("{what}: {e} (gave up after {SERVER_PATIENCE:?})"),
            Err(e) => {
                if !warned {
                    eprintln!("{what}: {e}; retrying while the fleet server is away");
                    warned = true;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Runs (or resumes) a rollout; Ok(false) when it was rolled back.
pub async fn run(buckets: &Buckets, options: RolloutOptions) -> anyhow::Result<bool> {
    check_name("module", &options.module).map_err(anyhow::Error::msg)?;
    let key = rollout_key(&options.module);
    let existing = buckets
        .config
        .entry(&key)
        .await
        .with_context(|| format!("reading {CONFIG_BUCKET} {key}"))?
        .filter(|e| e.operation == async_nats::jetstream::kv::Operation::Put);
    let running = existing
        .as_ref()
        .and_then(|e| serde_json::from_slice::<Progress>(&e.value).ok())
        .filter(|p| p.phase == Phase::Running);
    let (mut progress, mut ledger) = match (options.resume, running, existing) {
        (true, Some(progress), Some(entry)) => {
            println!(
                "resuming the rollout of {} {} ({} of {} waves healthy)",
                progress.module,
                progress.version,
                progress.done,
                progress.batches.len()
            );
            let revision = entry.revision;
            (progress, Ledger { buckets, key, revision })
        }
        (true, _, _) => bail!("no rollout of {} is in progress to resume", options.module),
        (false, Some(p), _) => bail!(
            "a rollout of {} to {} is in progress; continue it with --resume",
            p.module,
            p.version
        ),
        (false, None, existing) => {
            let progress = plan(buckets, &options).await?;
            let bytes = serde_json::to_vec(&progress)?;
            let revision = match existing {
                Some(e) => buckets
                    .config
                    .update(&key, bytes.into(), e.revision)
                    .await
                    .map_err(|e| e.to_string()),
                None => buckets
                    .config
                    .create(&key, bytes.into())
                    .await
                    .map_err(|e| e.to_string()),
            }
            .map_err(|e| anyhow::anyhow!("{CONFIG_BUCKET} {key}: another rollout started meanwhile ({e})"))?;
            (progress, Ledger { buckets, key, revision })
        }
    };
    drive(buckets, &mut progress, &mut ledger).await
}

/// Checks the version and the machines, and splits them into batches.
async fn plan(buckets: &Buckets, options: &RolloutOptions) -> anyhow::Result<Progress> {
    if options.canary == 0 || options.wave == 0 {
        bail!("--canary and --wave must be at least 1");
    }
    let names = machines(buckets, &options.selector).await?;
    let version = options.version.to_string();
    let mut checked = BTreeSet::new();
    for name in &names {
        let (value, _) = machine_config(buckets, name).await?;
        let whole = composed(buckets, &value)
            .await
            .map_err(|e| anyhow::anyhow!("machine {name}: {e}"))?;
        let (client, repository) = registry_of(name, &whole, &options.module)?;
        if checked.insert((client.address().host.clone(), repository.clone())) {
            let tags = client
                .tags(&repository)
                .await
                .with_context(|| format!("rollout of {} {version}", options.module))?;
            if !tags.iter().any(|t| tag_version(t).as_ref() == Some(&options.version)) {
                let mut found: Vec<_> = tags.iter().filter_map(|t| tag_version(t)).collect();
                found.sort();
                let found: Vec<String> = found.iter().map(ToString::to_string).collect();
                bail!(
                    "rollout of {} {version}: {}/{repository} has no version {version} (it has: {})",
                    options.module,
                    client.address().host,
                    if found.is_empty() {
                        "none".into()
                    } else {
                        found.join(", ")
                    }
                );
            }
        }
    }
    let (canaries, rest) = names.split_at(options.canary.min(names.len()));
    let mut batches = vec![canaries.to_vec()];
    batches.extend(rest.chunks(options.wave).map(<[String]>::to_vec));
    batches.retain(|b| !b.is_empty());
    Ok(Progress {
        module: options.module.clone(),
        version,
        selector: options.selector.clone(),
        health_window_ms: options.health_window.as_millis() as u64,
        apply_timeout_ms: options.apply_timeout.as_millis() as u64,
        batches,
        done: 0,
        machines: BTreeMap::new(),
        phase: Phase::Running,
        report: Vec::new(),
    })
}

/// The machines with a config whose names match the selector, sorted.
async fn machines(buckets: &Buckets, selector: &str) -> anyhow::Result<Vec<String>> {
    let keys: Vec<String> = buckets
        .config
        .keys()
        .await
        .with_context(|| format!("listing {CONFIG_BUCKET}"))?
        .try_collect()
        .await
        .with_context(|| format!("listing {CONFIG_BUCKET}"))?;
    let patterns: Vec<&str> = selector.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let mut names: Vec<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("machine."))
        .filter(|n| patterns.iter().any(|p| glob(p, n)))
        .map(str::to_string)
        .collect();
    names.sort();
    if names.is_empty() {
        bail!("no machine in {CONFIG_BUCKET} matches {selector:?}");
    }
    Ok(names)
}

/// `*` matches any run of characters; everything else itself.
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (0..=name.len() - head.len())
                    .filter(|i| name.is_char_boundary(head.len() + i))
                    .any(|i| glob(tail, &name[head.len() + i..]))
        }
    }
}

async fn machine_config(buckets: &Buckets, name: &str) -> anyhow::Result<(Value, u64)> {
    let key = machine_key(name);
    let entry = buckets
        .config
        .entry(&key)
        .await
        .with_context(|| format!("reading {CONFIG_BUCKET} {key}"))?
        .filter(|e| e.operation == async_nats::jetstream::kv::Operation::Put)
        .with_context(|| format!("machine {name} has no config"))?;
    let value = serde_json::from_slice(&entry.value).with_context(|| format!("{CONFIG_BUCKET} {key}: not JSON"))?;
    Ok((value, entry.revision))
}

/// The registry and repository a machine's module comes from.
fn registry_of(machine: &str, whole: &Value, module: &str) -> anyhow::Result<(RegistryClient, String)> {
    let label = Path::new("machine").join(machine);
    let config = MachineConfig::parse(&label, &whole.to_string()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let entry = config
        .modules
        .iter()
        .find(|m| m.name == module)
        .with_context(|| format!("machine {machine} has no module {module:?}"))?;
    let from = entry.registry.as_ref().with_context(|| {
        format!("machine {machine}: module {module:?} is not from a registry; a rollout moves registry versions")
    })?;
    let registry = config
        .registries
        .iter()
        .find(|r| r.name == from.registry)
        .with_context(|| format!("machine {machine}: no registry {:?}", from.registry))?;
    let client = RegistryClient::with_credentials_file(
        registry.address.clone(),
        registry.credentials_file.as_deref(),
        Credentials::from_env().unwrap_or_default(),
    )?;
    Ok((client, from.repository.clone()))
}

/// Canaries, then waves; stops at the first unhealthy machine.
async fn drive(buckets: &Buckets, progress: &mut Progress, ledger: &mut Ledger<'_>) -> anyhow::Result<bool> {
    let total = progress.batches.len();
    while progress.done < total {
        let batch = progress.batches[progress.done].clone();
        let what = if progress.done == 0 {
            "canary".to_string()
        } else {
            format!("wave {}", progress.done)
        };
        for name in &batch {
            pin_patiently(buckets, progress, ledger, name).await?;
        }
        println!(
            "{what}: {} pinned to {} {}",
            batch.join(", "),
            progress.module,
            progress.version
        );
        match wait_healthy(buckets, progress, &batch).await {
            Ok(()) => {
                progress.done += 1;
                progress.report.push(format!("{what} ({}) healthy", batch.join(", ")));
                ledger.save(progress).await?;
                println!("{what}: healthy for {} ms", progress.health_window_ms);
            }
            Err(why) => {
                progress.report.push(format!("{what} unhealthy: {why}"));
                roll_back(buckets, progress).await;
                progress.phase = Phase::RolledBack;
                ledger.save(progress).await?;
                println!("rolled back:\n  {}", progress.report.join("\n  "));
                return Ok(false);
            }
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

/// [`pin`], tried again while the fleet server is away. Safe to repeat: a
/// pin that was written is recognised by its revision.
async fn pin_patiently(
    buckets: &Buckets,
    progress: &mut Progress,
    ledger: &mut Ledger<'_>,
    name: &str,
) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        if progress.machines.get(name).is_some_and(|p| p.written.is_some()) {
            return Ok(());
        }
        match pin(buckets, progress, ledger, name).await {
            Ok(()) => return Ok(()),
            Err(e) if start.elapsed() < SERVER_PATIENCE && is_transient(&e) => {
                eprintln!("pinning {name}: {e:#}; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether an error is the server being away (not a conflict or bad data).
fn is_transient(e: &anyhow::Error) -> bool {
    let text = format!("{e:#}").to_lowercase();
    [
        "timed out",
        "timeout",
        "disconnected",
        "connection",
        "no responders",
        "io error",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Pins the version in one machine's config. The original is saved in the
/// progress before the write, so a CLI that dies in between can tell on
/// resume that the write happened (the key moved past the original).
async fn pin(buckets: &Buckets, progress: &mut Progress, ledger: &mut Ledger<'_>, name: &str) -> anyhow::Result<()> {
    let key = machine_key(name);
    if let Some(p) = progress.machines.get(name).filter(|p| p.written.is_none()) {
        let (_, revision) = machine_config(buckets, name).await?;
        if revision != p.original_revision {
            // Written before the CLI died.
            if let Some(p) = progress.machines.get_mut(name) {
                p.written = Some(revision);
            }
            return ledger.save(progress).await;
        }
    }
    let (value, revision) = machine_config(buckets, name).await?;
    let whole = composed(buckets, &value)
        .await
        .map_err(|e| anyhow::anyhow!("machine {name}: {e}"))?;
    let previous_version = module_entries(&whole)
        .find(|m| m["name"] == progress.module.as_str())
        .and_then(|m| m.get("version").and_then(Value::as_str))
        .unwrap_or("latest")
        .to_string();
    let changed = pinned(buckets, &value, &progress.module, &progress.version)
        .await
        .with_context(|| format!("machine {name}"))?;
    progress.machines.insert(
        name.into(),
        Pin {
            original: String::from_utf8(serde_json::to_vec(&value)?)?,
            original_revision: revision,
            written: None,
            previous_version,
            rolled_back: false,
        },
    );
    ledger.save(progress).await?;
    let written = buckets
        .config
        .update(&key, serde_json::to_vec(&changed)?.into(), revision)
        .await
        .with_context(|| format!("machine {name}: its config changed while pinning; run the rollout again"))?;
    if let Some(p) = progress.machines.get_mut(name) {
        p.written = Some(written);
    }
    ledger.save(progress).await
}

fn module_entries(config: &Value) -> impl Iterator<Item = &Value> {
    config.get("modules").and_then(Value::as_array).into_iter().flatten()
}

/// A machine's config with `module` pinned to `version`: in its own
/// `modules`, else through `fragment_mods` for the fragment that has it.
async fn pinned(buckets: &Buckets, config: &Value, module: &str, version: &str) -> anyhow::Result<Value> {
    let mut out = config.clone();
    if let Some(entry) = out
        .get_mut("modules")
        .and_then(Value::as_array_mut)
        .and_then(|list| list.iter_mut().find(|m| m["name"] == module))
    {
        entry["version"] = json!(version);
        return Ok(out);
    }
    let fragments = compose::gather(config, |id| fragment(buckets, id))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let owner = fragments
        .iter()
        .find(|(_, (f, _))| module_entries(f).any(|m| m["name"] == module))
        .map(|(id, _)| id.clone())
        .with_context(|| format!("no module {module:?} in its config or its fragments"))?;
    let mods = out
        .as_object_mut()
        .context("the config is not an object")?
        .entry("fragment_mods")
        .or_insert_with(|| json!([]));
    let list = mods.as_array_mut().context("`fragment_mods` is not a list")?;
    list.push(json!({"fragment_id": owner, "mods": [{"$set": {format!("modules.{module}.version"): version}}]}));
    Ok(out)
}

/// Waits until every machine of a batch has applied its pin and reported
/// healthy for the whole health window.
async fn wait_healthy(buckets: &Buckets, progress: &Progress, batch: &[String]) -> Result<(), String> {
    let window = Duration::from_millis(progress.health_window_ms);
    let deadline = Instant::now() + Duration::from_millis(progress.apply_timeout_ms) + window;
    let mut healthy_since: Option<Instant> = None;
    let mut restarts: HashMap<String, u32> = HashMap::new();
    let mut last_waiting = String::new();
    loop {
        let mut waiting = Vec::new();
        for name in batch {
            let since = progress.machines.get(name).and_then(|p| p.written).unwrap_or(u64::MAX);
            match report::read(&buckets.status, name).await {
                Err(e) => waiting.push(format!("{name}: {e}")),
                Ok(None) => waiting.push(format!("{name}: no report yet")),
                Ok(Some(seen)) if !seen.online() => {
                    waiting.push(format!("{name}: offline for {} s", seen.age.as_secs()))
                }
                Ok(Some(seen)) => match seen.report.health(&progress.module, &progress.version, since) {
                    Health::Unhealthy(why) => return Err(format!("{name}: {why}")),
                    Health::Pending(why) => waiting.push(format!("{name}: {why}")),
                    Health::Healthy => {
                        let now = seen.report.restarts(&progress.module);
                        let base = *restarts.entry(name.clone()).or_insert(now);
                        if now > base {
                            return Err(format!(
                                "{name}: resources of {} restarted {} time(s) after a fault",
                                progress.module,
                                now - base
                            ));
                        }
                    }
                },
            }
        }
        if waiting.is_empty() {
            let since = *healthy_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= window {
                return Ok(());
            }
        } else {
            healthy_since = None;
            let text = waiting.join("; ");
            if Instant::now() > deadline {
                return Err(format!("not healthy in time: {text}"));
            }
            if text != last_waiting {
                println!("  waiting: {text}");
                last_waiting = text;
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Puts every changed machine's config back, where nobody changed it since.
async fn roll_back(buckets: &Buckets, progress: &mut Progress) {
    for (name, pin) in progress.machines.iter_mut() {
        let Some(written) = pin.written else { continue };
        let key = machine_key(name);
        let original = pin.original.clone().into_bytes();
        let store = buckets.config.clone();
        let put = patiently(&format!("rolling back {name}"), || {
            let (store, key, original) = (store.clone(), key.clone(), original.clone());
            async move {
                store
                    .update(&key, original.into(), written)
                    .await
                    .map_err(|e| e.to_string())
            }
        })
        .await;
        let line = match put {
            Ok(revision) => {
                pin.rolled_back = true;
                format!(
                    "{name}: rolled back to its config of revision {} ({} {}), now revision {revision}",
                    pin.original_revision, progress.module, pin.previous_version
                )
            }
            Err(e) => format!("{name}: NOT rolled back ({e}); its config changed since the rollout pinned it"),
        };
        println!("{line}");
        progress.report.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

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
