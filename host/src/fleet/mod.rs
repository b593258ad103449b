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
pub mod keys;
pub mod kv;
pub mod report;
pub mod rollout;

pub use connect::{FleetError, FleetTarget};
