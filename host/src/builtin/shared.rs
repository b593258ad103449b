//! What the built-in models share: reading attributes into a backend's
//! config, and the answer to the calls every API has.

use crate::apis::call::{Call, Reply};
use crate::config::ResourceConfig;
use crate::core::error::CallError;

/// Parses a resource's attributes into a backend's config type; errors
/// name the attribute serde found at fault.
pub(super) fn attributes<T: serde::de::DeserializeOwned>(config: &ResourceConfig) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::Object(config.attributes.clone())).map_err(|e| format!("attributes: {e}"))
}

/// The answer to the calls every API shares, for built-in models.
pub(super) fn common(call: &Call, what: &str) -> Result<Reply, CallError> {
    match call {
        Call::GetGeometries(_) => Ok(Reply::Geometries(Vec::new())),
        other => Err(CallError::unimplemented(format!("{what} has no {}", other.method()))),
    }
}
