//! What a rollout keeps in `rollouts.MODULE`: its options, its phase, its
//! progress through the batches, and what it changed on each machine, to
//! undo it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

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
pub(super) enum Phase {
    Running,
    /// Going back; a resume finishes it.
    RollingBack,
    Done,
    RolledBack,
}

/// A rollout's progress, as kept in `rollouts.MODULE`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Progress {
    pub(super) module: String,
    pub(super) version: String,
    pub(super) selector: String,
    pub(super) health_window_ms: u64,
    pub(super) apply_timeout_ms: u64,
    /// The canaries first, then the waves.
    pub(super) batches: Vec<Vec<String>>,
    /// Batches found healthy.
    pub(super) done: usize,
    pub(super) machines: BTreeMap<String, Pin>,
    pub(super) phase: Phase,
    pub(super) report: Vec<String>,
}

/// What a rollout changed on one machine, to undo it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Pin {
    /// The key's value before, byte for byte, and its revision.
    pub(super) original: String,
    pub(super) original_revision: u64,
    /// The value the rollout writes: a resume recognises its own write by it.
    pub(super) intended: String,
    /// The revision the rollout wrote; None until the write is known.
    pub(super) written: Option<u64>,
    pub(super) previous_version: String,
    pub(super) rolled_back: bool,
}

impl Progress {
    pub(super) fn unfinished(&self) -> bool {
        matches!(self.phase, Phase::Running | Phase::RollingBack)
    }
}
