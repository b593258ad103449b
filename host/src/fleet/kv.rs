//! Reading the config bucket: live entries (a deleted or purged key is
//! no entry), fragments, and a machine's config composed with them.

use std::collections::BTreeMap;

use async_nats::jetstream::kv::{self, Entry, Operation};
use serde_json::Value;

use super::compose::{self, ComposeError};
use super::connect::{Buckets, FleetError};
use crate::fleet::keys::fragment_key;

/// The key's value, unless it is missing, deleted or purged.
pub async fn live(store: &kv::Store, bucket: &str, key: &str) -> Result<Option<Entry>, FleetError> {
    let entry = store.entry(key).await.map_err(|e| FleetError::key(bucket, key, e))?;
    Ok(entry.filter(|e| e.operation == Operation::Put))
}

/// A fragment's value and revision, or None when it does not exist.
pub async fn fragment(store: &kv::Store, id: String) -> Result<Option<(Value, u64)>, ComposeError> {
    let key = fragment_key(&id);
    match live(store, crate::fleet::keys::CONFIG_BUCKET, &key).await {
        Ok(Some(e)) => serde_json::from_slice(&e.value)
            .map(|v| Some((v, e.revision)))
            .map_err(|err| ComposeError::Invalid(format!("fragment {id:?} is not JSON: {err}"))),
        Ok(None) => Ok(None),
        Err(e) => Err(ComposeError::Fetch(e.to_string())),
    }
}

/// A machine config composed with the fragments in the fleet now, and the
/// revision of each fragment used.
pub async fn composed(store: &kv::Store, config: &Value) -> Result<(Value, BTreeMap<String, u64>), ComposeError> {
    let found = compose::gather(config, |id| fragment(store, id)).await?;
    let mut revisions = BTreeMap::new();
    let mut values = BTreeMap::new();
    for (id, (value, revision)) in found {
        revisions.insert(id.clone(), revision);
        values.insert(id, value);
    }
    Ok((compose::compose(config, &values)?, revisions))
}

/// A machine config composed with the fragments in the fleet now.
pub async fn composed_now(buckets: &Buckets, config: &Value) -> Result<Value, ComposeError> {
    composed(&buckets.config, config).await.map(|(v, _)| v)
}
