//! Where a deploy stands, as the panel and `armature inline push` follow it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeployState {
    Building,
    Compiling,
    Swapping,
    /// Done: the new version serves (or is stored, if the config pins another).
    Serving,
    Failed,
}

/// A finished step and how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    /// "built", "compiled", "serving".
    pub phase: &'static str,
    pub seconds: f64,
}

/// What the panel and `armature inline push` follow.
#[derive(Debug, Clone, Serialize)]
pub struct DeployStatus {
    pub id: u64,
    pub module: String,
    pub state: DeployState,
    pub phases: Vec<Phase>,
    /// The version this deploy makes.
    pub version: Option<String>,
    /// For a rollback: the version whose source it deploys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_back_from: Option<String>,
    /// The version serving once done.
    pub serving: Option<String>,
    pub error: Option<String>,
    /// The line of `main.py` the error points at.
    pub line: Option<u32>,
    /// Something the user should know that is no failure.
    pub note: Option<String>,
    pub started: String,
}

impl DeployStatus {
    pub fn finished(&self) -> bool {
        matches!(self.state, DeployState::Serving | DeployState::Failed)
    }
}
