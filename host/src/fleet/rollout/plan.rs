//! Before any machine moves: the machines the selector names, the
//! registry each takes the module from, and whether it has the version.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, bail};
use futures::TryStreamExt;
use serde_json::Value;

use super::progress::{Phase, Progress, RolloutOptions};
use crate::config::MachineConfig;
use crate::config::versions::tag_version;
use crate::fleet::connect::Buckets;
use crate::fleet::keys::{CONFIG_BUCKET, machine_key};
use crate::fleet::kv::composed_now as composed;
use crate::registry::client::RegistryClient;
use crate::registry::credentials::Credentials;

/// Checks the version and the machines, and splits them into batches.
pub(super) async fn plan(buckets: &Buckets, options: &RolloutOptions) -> anyhow::Result<Progress> {
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
pub(super) fn glob(pattern: &str, name: &str) -> bool {
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

/// A machine's config as JSON, its bytes and its revision.
pub(super) async fn machine_entry(buckets: &Buckets, name: &str) -> anyhow::Result<(Value, Vec<u8>, u64)> {
    let key = machine_key(name);
    let entry = super::ledger::read(&buckets.config, &key)
        .await?
        .with_context(|| format!("machine {name} has no config"))?;
    let value = serde_json::from_slice(&entry.value).with_context(|| format!("{CONFIG_BUCKET} {key}: not JSON"))?;
    Ok((value, entry.value.to_vec(), entry.revision))
}

async fn machine_config(buckets: &Buckets, name: &str) -> anyhow::Result<(Value, u64)> {
    machine_entry(buckets, name).await.map(|(v, _, r)| (v, r))
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
