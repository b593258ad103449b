//! A machine's config from its KV value and the fragments it lists, as Viam
//! composes it: `"fragments": ["base", {"id": "arm-kit"}]` adds each
//! fragment's components, services, modules and registries;
//! `"fragment_mods": [{"fragment_id": "base", "mods": [{"$set":
//! {"components.motor1.attributes.max_rpm": 200}}, {"$unset": {…}}]}]`
//! changes a fragment for this machine only. A path segment after a list
//! (`components.motor1`) names an entry by its `name`, or is an index.
//! Fragments may list fragments, up to [`MAX_DEPTH`] levels, without cycles.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// Lists merged by entry name; a name in two places is an error.
const MERGED_LISTS: [&str; 4] = ["components", "services", "modules", "registries"];
/// As in Viam.
pub const MAX_DEPTH: usize = 5;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ComposeError {
    #[error("fragment {0:?} does not exist")]
    MissingFragment(String),
    #[error("{0}")]
    Invalid(String),
    /// The fleet server could not be read: not the config's fault.
    #[error("{0}")]
    Fetch(String),
}

/// The fragments a config lists, in order.
pub fn fragment_ids(config: &Value) -> Result<Vec<String>, ComposeError> {
    let Some(list) = config.get("fragments") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| invalid("`fragments` must be a list of fragment names"))?;
    list.iter()
        .enumerate()
        .map(|(i, f)| {
            let id = match f {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => o.get("id").and_then(Value::as_str),
                _ => None,
            }
            .ok_or_else(|| invalid(format!("fragments[{i}]: give a name, or an object with \"id\"")))?;
            crate::fleet::keys::check_name("fragment", id).map_err(invalid)?;
            Ok(id.to_string())
        })
        .collect()
}

fn invalid(why: impl Into<String>) -> ComposeError {
    ComposeError::Invalid(why.into())
}

/// Every fragment a config needs, nested ones included: `fetch` is asked
/// for each once and gives its value and revision. Returns them by name.
pub async fn gather<F, Fut>(config: &Value, mut fetch: F) -> Result<BTreeMap<String, (Value, u64)>, ComposeError>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<(Value, u64)>, ComposeError>>,
{
    let mut found = BTreeMap::new();
    let mut queue = fragment_ids(config)?;
    while let Some(id) = queue.pop() {
        if found.contains_key(&id) {
            continue;
        }
        let fragment = fetch(id.clone())
            .await?
            .ok_or_else(|| ComposeError::MissingFragment(id.clone()))?;
        queue.extend(fragment_ids(&fragment.0).map_err(|e| invalid(format!("fragment {id:?}: {e}")))?);
        found.insert(id, fragment);
    }
    Ok(found)
}

/// The machine's config with its fragments merged in and `fragments` and
/// `fragment_mods` gone.
pub fn compose(machine: &Value, fragments: &BTreeMap<String, Value>) -> Result<Value, ComposeError> {
    let Value::Object(top) = machine else {
        return Err(invalid("the config must be a JSON object"));
    };
    let mods = fragment_mods(top)?;
    let mut out = top.clone();
    out.remove("fragments");
    out.remove("fragment_mods");
    let mut merged = BTreeSet::new();
    for id in fragment_ids(machine)? {
        if let Some(expanded) = expand(&id, fragments, &mods, &mut Vec::new(), &mut merged)? {
            merge(&mut out, expanded, &id)?;
        }
    }
    Ok(Value::Object(out))
}

/// One fragment with this machine's mods applied and its own fragments
/// merged; None when it is already in (two fragments may share one).
fn expand(
    id: &str,
    fragments: &BTreeMap<String, Value>,
    mods: &BTreeMap<String, Vec<Value>>,
    stack: &mut Vec<String>,
    merged: &mut BTreeSet<String>,
) -> Result<Option<Map<String, Value>>, ComposeError> {
    if stack.iter().any(|s| s == id) {
        return Err(invalid(format!("fragments form a cycle: {} → {id}", stack.join(" → "))));
    }
    if !merged.insert(id.to_string()) {
        return Ok(None);
    }
    if stack.len() >= MAX_DEPTH {
        return Err(invalid(format!(
            "fragments nest deeper than {MAX_DEPTH} levels: {} → {id}",
            stack.join(" → ")
        )));
    }
    let fragment = fragments
        .get(id)
        .ok_or_else(|| ComposeError::MissingFragment(id.into()))?;
    let Value::Object(fragment) = fragment else {
        return Err(invalid(format!("fragment {id:?} must be a JSON object")));
    };
    let mut own = fragment.clone();
    own.remove("fragments");
    for (i, m) in mods.get(id).into_iter().flatten().enumerate() {
        apply_mod(&mut own, m).map_err(|e| invalid(format!("fragment_mods for {id:?}, mods[{i}]: {e}")))?;
    }
    stack.push(id.into());
    for sub in fragment_ids(&Value::Object(fragment.clone()))? {
        if let Some(expanded) = expand(&sub, fragments, mods, stack, merged)? {
            merge(&mut own, expanded, &sub)?;
        }
    }
    stack.pop();
    Ok(Some(own))
}

/// `fragment_mods` by fragment id.
fn fragment_mods(top: &Map<String, Value>) -> Result<BTreeMap<String, Vec<Value>>, ComposeError> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let Some(list) = top.get("fragment_mods") else {
        return Ok(out);
    };
    let list = list
        .as_array()
        .ok_or_else(|| invalid("`fragment_mods` must be a list"))?;
    for (i, entry) in list.iter().enumerate() {
        let id = entry
            .get("fragment_id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("fragment_mods[{i}]: \"fragment_id\" is required")))?;
        let mods = entry
            .get("mods")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(format!("fragment_mods[{i}]: \"mods\" must be a list")))?;
        out.entry(id.into()).or_default().extend(mods.iter().cloned());
    }
    Ok(out)
}

/// Adds a fragment to a config: list entries appended (a name already
/// there is an error), other settings only where the config has none.
fn merge(into: &mut Map<String, Value>, fragment: Map<String, Value>, id: &str) -> Result<(), ComposeError> {
    for (key, value) in fragment {
        if MERGED_LISTS.contains(&key.as_str()) {
            let Value::Array(items) = value else {
                return Err(invalid(format!("fragment {id:?}: `{key}` must be a list")));
            };
            let target = into.entry(key.clone()).or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(target) = target else {
                return Err(invalid(format!("`{key}` must be a list")));
            };
            for item in items {
                if let Some(name) = item.get("name").and_then(Value::as_str)
                    && target
                        .iter()
                        .any(|t| t.get("name").and_then(Value::as_str) == Some(name))
                {
                    return Err(invalid(format!(
                        "{key} entry {name:?} of fragment {id:?} is already in the config"
                    )));
                }
                target.push(item);
            }
        } else {
            into.entry(key).or_insert(value);
        }
    }
    Ok(())
}

/// One `{"$set": {path: value, …}}` or `{"$unset": {path: …, …}}`.
fn apply_mod(doc: &mut Map<String, Value>, m: &Value) -> Result<(), String> {
    let Some(ops) = m.as_object() else {
        return Err("a mod must be an object such as {\"$set\": {…}}".into());
    };
    for (op, fields) in ops {
        let fields = fields
            .as_object()
            .ok_or_else(|| format!("{op} takes an object of paths"))?;
        for (path, value) in fields {
            let segments: Vec<&str> = path.split('.').collect();
            if segments.iter().any(|s| s.is_empty()) {
                return Err(format!("{path:?} is not a dotted path"));
            }
            match op.as_str() {
                "$set" => set(doc, &segments, value.clone()).map_err(|e| format!("$set {path}: {e}"))?,
                "$unset" => unset(doc, &segments),
                other => return Err(format!("{other:?}: only $set and $unset are supported")),
            }
        }
    }
    Ok(())
}

/// The child of `node` a segment names: a key of an object, or an entry
/// of a list by `name` (or index).
fn child<'a>(node: &'a mut Value, segment: &str) -> Option<&'a mut Value> {
    match node {
        Value::Object(o) => o.get_mut(segment),
        Value::Array(items) => {
            let at = items
                .iter()
                .position(|i| i.get("name").and_then(Value::as_str) == Some(segment))
                .or_else(|| segment.parse::<usize>().ok().filter(|i| *i < items.len()))?;
            items.get_mut(at)
        }
        _ => None,
    }
}

fn set(doc: &mut Map<String, Value>, segments: &[&str], value: Value) -> Result<(), String> {
    let (last, parents) = segments.split_last().ok_or("an empty path")?;
    let mut node = doc
        .entry(segments[0].to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if parents.is_empty() {
        *node = value;
        return Ok(());
    }
    for (i, segment) in segments[1..segments.len() - 1].iter().enumerate() {
        if let Value::Object(o) = node {
            node = o
                .entry(segment.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
        } else {
            node =
                child(node, segment).ok_or_else(|| format!("{} has no entry {segment:?}", segments[..=i].join(".")))?;
        }
    }
    match node {
        Value::Object(o) => {
            o.insert(last.to_string(), value);
            Ok(())
        }
        Value::Array(_) => {
            let at = child(node, last).ok_or_else(|| format!("{} has no entry {last:?}", parents.join(".")))?;
            *at = value;
            Ok(())
        }
        _ => Err(format!("{} is not an object or a list", parents.join("."))),
    }
}

/// Removes what a path names; a path that names nothing is left alone.
fn unset(doc: &mut Map<String, Value>, segments: &[&str]) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    if parents.is_empty() {
        doc.remove(*last);
        return;
    }
    let Some(mut node) = doc.get_mut(parents[0]) else {
        return;
    };
    for segment in &parents[1..] {
        let Some(next) = child(node, segment) else { return };
        node = next;
    }
    match node {
        Value::Object(o) => {
            o.remove(*last);
        }
        Value::Array(items) => {
            if let Some(at) = items
                .iter()
                .position(|i| i.get("name").and_then(Value::as_str) == Some(*last))
            {
                items.remove(at);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frags(list: &[(&str, Value)]) -> BTreeMap<String, Value> {
        list.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn fragments_add_their_entries_and_mods_change_them_for_one_machine() {
        let base = json!({
            "components": [{"name": "motor1", "model": "m", "attributes": {"max_rpm": 100, "pin": 3}}],
            "modules": [{"type": "registry", "name": "thermo", "module_id": "acme/thermo", "version": "1.0.0"}],
            "network": {"bind_address": "127.0.0.1:9"},
        });
        let machine = json!({
            "components": [{"name": "local", "model": "x"}],
            "network": {"bind_address": "127.0.0.1:1"},
            "fragments": ["base"],
            "fragment_mods": [{"fragment_id": "base", "mods": [
                {"$set": {"components.motor1.attributes.max_rpm": 200, "modules.thermo.version": "2.0.0"}},
                {"$unset": {"components.motor1.attributes.pin": true}},
            ]}],
        });
        let out = compose(&machine, &frags(&[("base", base)])).unwrap();
        assert_eq!(out["components"][0]["name"], "local");
        assert_eq!(out["components"][1]["attributes"], json!({"max_rpm": 200}));
        assert_eq!(out["modules"][0]["version"], "2.0.0");
        // The machine's own settings win.
        assert_eq!(out["network"]["bind_address"], "127.0.0.1:1");
        assert!(out.get("fragments").is_none() && out.get("fragment_mods").is_none());
    }

    #[test]
    fn nested_fragments_merge_and_cycles_and_clashes_are_errors() {
        let machine = json!({"fragments": [{"id": "a"}]});
        let nested = frags(&[
            ("a", json!({"fragments": ["b"], "services": [{"name": "s"}]})),
            ("b", json!({"components": [{"name": "c"}]})),
        ]);
        let out = compose(&machine, &nested).unwrap();
        assert_eq!(out["components"][0]["name"], "c");
        assert_eq!(out["services"][0]["name"], "s");

        let cycle = frags(&[("a", json!({"fragments": ["b"]})), ("b", json!({"fragments": ["a"]}))]);
        assert!(compose(&machine, &cycle).unwrap_err().to_string().contains("cycle"));

        // Two fragments sharing one: it is merged once.
        let diamond = frags(&[
            ("a", json!({"fragments": ["c"]})),
            ("b", json!({"fragments": ["c"]})),
            ("c", json!({"components": [{"name": "shared"}]})),
        ]);
        let out = compose(&json!({"fragments": ["a", "b"]}), &diamond).unwrap();
        assert_eq!(out["components"].as_array().map(Vec::len), Some(1));

        let clash = json!({"components": [{"name": "c"}], "fragments": ["b"]});
        let err = compose(&clash, &nested).unwrap_err().to_string();
        assert!(err.contains("\"c\"") && err.contains("\"b\""), "{err}");

        let missing = compose(&json!({"fragments": ["nope"]}), &nested).unwrap_err();
        assert_eq!(missing, ComposeError::MissingFragment("nope".into()));
    }

    #[test]
    fn bad_mods_say_which_fragment_and_mod() {
        let machine = json!({"fragments": ["a"], "fragment_mods": [
            {"fragment_id": "a", "mods": [{"$inc": {"components.c.x": 1}}]}]});
        let err = compose(&machine, &frags(&[("a", json!({"components": [{"name": "c"}]}))]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"a\"") && err.contains("mods[0]") && err.contains("$inc"),
            "{err}"
        );

        let machine = json!({"fragments": ["a"], "fragment_mods": [
            {"fragment_id": "a", "mods": [{"$set": {"components.nope.x": 1}}]}]});
        let err = compose(&machine, &frags(&[("a", json!({"components": [{"name": "c"}]}))]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no entry \"nope\""), "{err}");
    }

    #[tokio::test]
    async fn gather_fetches_each_fragment_once_and_names_a_missing_one() {
        let store = frags(&[("a", json!({"fragments": ["b"]})), ("b", json!({}))]);
        let mut asked = Vec::new();
        let found = gather(&json!({"fragments": ["a", "b"]}), |id| {
            asked.push(id.clone());
            let v = store.get(&id).cloned().map(|v| (v, 1));
            async move { Ok(v) }
        })
        .await
        .unwrap();
        assert_eq!(found.len(), 2);
        asked.sort();
        assert_eq!(asked, ["a", "b"]);
        let err = gather(&json!({"fragments": ["zz"]}), |_| async { Ok(None) })
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "fragment \"zz\" does not exist");
    }
}
