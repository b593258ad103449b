//! The names in the two KV buckets: the buckets themselves and each kind of
//! key, and which names may become a key segment.

pub const CONFIG_BUCKET: &str = "armature-config";
pub const STATUS_BUCKET: &str = "armature-status";

/// The KV key of a machine's config and of its report.
pub fn machine_key(name: &str) -> String {
    format!("machine.{name}")
}

pub fn fragment_key(name: &str) -> String {
    format!("fragments.{name}")
}

pub fn rollout_key(module: &str) -> String {
    format!("rollouts.{module}")
}

/// Machine, fragment and module names become one KV key segment: letters,
/// digits, `-` and `_` (NATS keys also allow `/` `=` and `.`, but a dot
/// would split the segment).
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        Ok(())
    } else {
        Err(format!(
            "{what} {name:?}: use letters, digits, '-' and '_' only (it becomes a NATS KV key)"
        ))
    }
}
