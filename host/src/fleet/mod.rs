//! Fleet deployment on NATS JetStream: many machines configured, watched
//! and upgraded through two KV buckets on an existing nats-server, with no
//! server of our own.
//!
//! - `armature-config`: `machine.NAME` (a machine's config, viam-server's
//!   JSON), `fragments.NAME` (config shared by machines that list it in
//!   `fragments`), `rollouts.MODULE` (a rollout's progress, so that
//!   `rollout --resume` can go on after the CLI died).
//! - `armature-status`: `machine.NAME`, what each machine reports every
//!   [`report::INTERVAL`]; the entry's age tells who is offline.
//!
//! A host follows its key ([`follow`]) and applies what it finds through
//! the same path as an edited config file; the CLI ([`cli`], [`rollout`])
//! writes keys and reads reports.

pub mod cli;
pub mod compose;
pub mod connect;
pub mod follow;
pub mod kv;
pub mod report;
pub mod rollout;

pub use connect::{FleetError, FleetTarget};

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
