//! Moving one machine to the version, and back.

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::ledger::{Ledger, UpdateFailure, read, update};
use super::plan::machine_entry;
use super::progress::{Pin, Progress};
use crate::fleet::compose;
use crate::fleet::connect::Buckets;
use crate::fleet::keys::machine_key;
use crate::fleet::kv::composed_now as composed;

/// Pins the version in one machine's config. The pin (original and
/// intended value) is saved before the write, so a CLI that died in
/// between can tell on resume whether the write happened: the key holds
/// exactly the intended value.
pub(super) async fn pin(
    buckets: &Buckets,
    progress: &mut Progress,
    ledger: &mut Ledger<'_>,
    name: &str,
) -> anyhow::Result<()> {
    let key = machine_key(name);
    if let Some(p) = progress.machines.get(name) {
        if p.written.is_some() {
            return Ok(());
        }
        let (_, bytes, revision) = machine_entry(buckets, name).await?;
        if revision != p.original_revision {
            if bytes != p.intended.as_bytes() {
                bail!(
                    "its config changed (revision {} → {revision}) while the rollout was pinning it; look at it before resuming",
                    p.original_revision
                );
            }
            if let Some(p) = progress.machines.get_mut(name) {
                p.written = Some(revision);
            }
            return ledger.save(progress).await;
        }
    }
    let (value, original, revision) = machine_entry(buckets, name).await?;
    let whole = composed(buckets, &value).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let previous_version = modules(&whole)
        .find(|m| m["name"] == progress.module.as_str())
        .and_then(|m| m.get("version").and_then(Value::as_str))
        .unwrap_or("latest")
        .to_string();
    let changed = pinned(buckets, &value, &progress.module, &progress.version).await?;
    let intended = serde_json::to_string(&changed)?;
    progress.machines.insert(
        name.into(),
        Pin {
            original: String::from_utf8(original).context("its config is not UTF-8")?,
            original_revision: revision,
            intended: intended.clone(),
            written: None,
            previous_version,
            rolled_back: false,
        },
    );
    ledger.save(progress).await?;
    let written = match update(&buckets.config, &key, intended.as_bytes(), revision).await {
        Ok(written) => written,
        Err(UpdateFailure::Conflict) => bail!("its config changed while the rollout was pinning it"),
        Err(UpdateFailure::Unreachable(e)) => return Err(e),
    };
    if let Some(p) = progress.machines.get_mut(name) {
        p.written = Some(written);
    }
    ledger.save(progress).await
}

fn modules(config: &Value) -> impl Iterator<Item = &Value> {
    config.get("modules").and_then(Value::as_array).into_iter().flatten()
}

/// A machine's config with `module` pinned to `version`: in its own
/// `modules`, else by one `$set` in `fragment_mods` for the fragment that
/// has it (an earlier rollout's `$set` of the same path is replaced).
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
    let fragments = compose::gather(config, |id| crate::fleet::kv::fragment(&buckets.config, id))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let owner = fragments
        .iter()
        .find(|(_, (f, _))| modules(f).any(|m| m["name"] == module))
        .map(|(id, _)| id.clone())
        .with_context(|| format!("no module {module:?} in its config or its fragments"))?;
    let path = format!("modules.{module}.version");
    let list = out
        .as_object_mut()
        .context("the config is not an object")?
        .entry("fragment_mods")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .context("`fragment_mods` is not a list")?;
    for entry in list.iter_mut().filter(|e| e["fragment_id"] == owner.as_str()) {
        if let Some(mods) = entry.get_mut("mods").and_then(Value::as_array_mut) {
            for m in mods.iter_mut() {
                if let Some(set) = m.get_mut("$set").and_then(Value::as_object_mut) {
                    set.remove(&path);
                }
            }
            mods.retain(|m| m != &json!({"$set": {}}));
        }
    }
    list.retain(|e| e.get("mods").and_then(Value::as_array).is_none_or(|m| !m.is_empty()));
    list.push(json!({"fragment_id": owner, "mods": [{"$set": {path: version}}]}));
    Ok(out)
}

/// Puts every changed machine's config back, where nobody changed it
/// since; saves after each. Returns whether every machine is settled
/// (rolled back, or changed by someone else and left alone).
pub(super) async fn roll_back(
    buckets: &Buckets,
    progress: &mut Progress,
    ledger: &mut Ledger<'_>,
) -> anyhow::Result<bool> {
    let mut complete = true;
    let names: Vec<String> = progress.machines.keys().cloned().collect();
    for name in names {
        let key = machine_key(&name);
        let Some(pin) = progress.machines.get(&name).cloned() else {
            continue;
        };
        if pin.rolled_back {
            continue;
        }
        let written = match pin.written {
            Some(w) => w,
            // The write may have happened before the CLI died.
            None => match read(&buckets.config, &key).await? {
                Some(e) if e.value == pin.intended.as_bytes() => e.revision,
                _ => continue,
            },
        };
        let line = match update(&buckets.config, &key, pin.original.as_bytes(), written).await {
            Ok(revision) => {
                if let Some(p) = progress.machines.get_mut(&name) {
                    p.rolled_back = true;
                }
                format!(
                    "{name}: rolled back to its config of revision {} ({} {}), now revision {revision}",
                    pin.original_revision, progress.module, pin.previous_version
                )
            }
            Err(UpdateFailure::Conflict) => {
                if let Some(p) = progress.machines.get_mut(&name) {
                    p.rolled_back = true;
                }
                format!("{name}: NOT rolled back: its config was changed by someone else after the rollout pinned it")
            }
            Err(UpdateFailure::Unreachable(e)) => {
                complete = false;
                format!("{name}: NOT rolled back yet: {e:#}")
            }
        };
        println!("{line}");
        progress.report.push(line);
        ledger.save(progress).await?;
    }
    Ok(complete)
}
