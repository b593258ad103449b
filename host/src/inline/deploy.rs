//! One deploy of an inline module: build the source with componentize-py,
//! keep it as the next version, compile it, then swap every resource of the
//! module to it (the machine's usual swap: the new instance is built beside
//! the old, which serves until it is ready). Anything failing on the way —
//! a build error, a load error, validation or construction raising — removes
//! the new version again and leaves the previous one serving; the error
//! names the source line where Python said.

use std::sync::Arc;
use std::time::Instant;

use semver::Version;

use super::Inline;
use super::status::{DeployState, DeployStatus, Phase};
use super::store::{SOURCE_FILE, VersionMeta, now_rfc3339};
use crate::config::edit;
use crate::core::api::ApiKind;
use crate::resources::slot::State;

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a deploy of {0:?} is already running")]
    Busy(String),
    #[error("{0}")]
    NotFound(String),
}

impl Inline {
    /// Starts a deploy of `source` as the next version of `name`; the
    /// returned handle ends with its final status.
    pub fn deploy(
        self: &Arc<Self>,
        name: &str,
        source: String,
        rolled_back_from: Option<Version>,
    ) -> Result<(DeployStatus, tokio::task::JoinHandle<DeployStatus>), DeployError> {
        crate::core::names::check_inline_module_name(name).map_err(DeployError::BadRequest)?;
        if source.len() > super::MAX_SOURCE_BYTES {
            return Err(DeployError::BadRequest(format!(
                "the source is {} bytes; at most {} are taken",
                source.len(),
                super::MAX_SOURCE_BYTES
            )));
        }
        if source.trim().is_empty() {
            return Err(DeployError::BadRequest("the source is empty".into()));
        }
        let config = self.machine.applied_config();
        let listed_inline = config.modules.iter().any(|m| m.name == name && m.inline);
        if !listed_inline && let Some(other) = self.machine.info().modules.iter().find(|m| m.name == name) {
            return Err(DeployError::BadRequest(format!(
                "a module named {name:?} is loaded already, from {}: choose another name",
                other.path.display()
            )));
        }
        let status = {
            let mut deploys = self.deploys.lock().unwrap_or_else(|e| e.into_inner());
            if deploys.get(name).is_some_and(|d| !d.finished()) {
                return Err(DeployError::Busy(name.to_string()));
            }
            let status = DeployStatus {
                id: self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                module: name.to_string(),
                state: DeployState::Building,
                phases: Vec::new(),
                version: None,
                rolled_back_from: rolled_back_from.as_ref().map(ToString::to_string),
                serving: None,
                error: None,
                line: None,
                note: None,
                started: now_rfc3339(),
            };
            deploys.insert(name.to_string(), status.clone());
            status
        };
        let this = self.clone();
        let first = status.clone();
        let task = tokio::spawn(async move { this.run(status, source).await });
        Ok((first, task))
    }

    /// A new version with the source of `version`.
    pub fn rollback(
        self: &Arc<Self>,
        name: &str,
        version: &Version,
    ) -> Result<(DeployStatus, tokio::task::JoinHandle<DeployStatus>), DeployError> {
        let source = self
            .store
            .source(name, version)
            .map_err(|e| DeployError::NotFound(format!("inline module {name:?} has no version {version}: {e}")))?;
        self.deploy(name, source, Some(version.clone()))
    }

    async fn run(self: Arc<Self>, mut status: DeployStatus, source: String) -> DeployStatus {
        let _one_at_a_time = self.deploying.lock().await;
        if let Err((error, line)) = self.steps(&mut status, &source).await {
            tracing::error!(module = %status.module, version = ?status.version, "inline deploy failed: {error}");
            status.state = DeployState::Failed;
            status.error = Some(error);
            status.line = line;
        }
        self.record(&status);
        status
    }

    fn step(&self, status: &mut DeployStatus, state: DeployState) {
        status.state = state;
        self.record(status);
    }

    async fn steps(&self, status: &mut DeployStatus, source: &str) -> Result<(), (String, Option<u32>)> {
        let name = status.module.clone();
        let fail = |e: String| {
            let line = line_of(&e);
            (e, line)
        };

        // Build.
        let started = Instant::now();
        let staging = self
            .store
            .stage(&name, source)
            .map_err(|e| fail(format!("keeping the source under the state folder: {e}")))?;
        let version = staging.version.clone();
        status.version = Some(version.to_string());
        self.record(status);
        let staging_dir = staging.dir.path().to_path_buf();
        let options = crate::build::Options {
            path: staging_dir.join(SOURCE_FILE),
            out: Some(staging_dir.join(format!("{name}.wasm"))),
            version: Some(version.clone()),
        };
        let built = tokio::task::spawn_blocking(move || crate::build::build(&options))
            .await
            .map_err(|e| fail(format!("the build did not finish: {e}")))?;
        if let Err(e) = built {
            // The user knows the file as main.py, not by its staging path.
            let text = format!("{e:#}").replace(&format!("{}/", staging_dir.display()), "");
            return Err(fail(text));
        }
        let build_seconds = started.elapsed().as_secs_f64();
        status.phases.push(Phase {
            phase: "built",
            seconds: build_seconds,
        });
        let meta = VersionMeta {
            created: now_rfc3339(),
            rolled_back_from: status.rolled_back_from.clone(),
            build_seconds,
        };
        let version = self
            .store
            .commit(&name, staging, &meta)
            .map_err(|e| fail(format!("keeping version {version}: {e}")))?;
        tracing::info!(module = %name, %version, build_ms = (build_seconds * 1000.0) as u64, "inline module built");

        // Compile, ahead of the swap (which then finds it in the cache).
        self.step(status, DeployState::Compiling);
        let started = Instant::now();
        let wasm = self.store.wasm_path(&name, &version);
        if let Err(e) = self.machine.runtime().load(&name, &wasm, Some(version.clone())).await {
            self.discard(&name, &version);
            return Err(fail(e.to_string()));
        }
        status.phases.push(Phase {
            phase: "compiled",
            seconds: started.elapsed().as_secs_f64(),
        });

        // Swap.
        self.step(status, DeployState::Swapping);
        let started = Instant::now();
        match self.apply(&name).await {
            Ok(note) => status.note = note,
            Err(problems) => {
                self.discard(&name, &version);
                return Err(fail(problems));
            }
        }
        let failures = self.failures_of(&name, &version);
        if !failures.is_empty() {
            self.discard(&name, &version);
            // Back to the version before, for the resources that swapped.
            let _ = self.machine.refresh_modules().await;
            return Err(fail(failures.join("\n")));
        }
        status.serving = self.serving(&name);
        if status.serving.as_deref() != Some(&version.to_string()) && status.note.is_none() {
            status.note = Some(match &status.serving {
                Some(v) => format!("version {version} is kept; the machine's config pins {v}, which keeps serving"),
                None => format!("version {version} is kept; the machine does not load {name:?}"),
            });
        }
        status.phases.push(Phase {
            phase: "serving",
            seconds: started.elapsed().as_secs_f64(),
        });
        status.state = DeployState::Serving;
        tracing::info!(module = %name, %version, "inline module deployed");
        Ok(())
    }

    fn discard(&self, name: &str, version: &Version) {
        if let Err(e) = self.store.discard(name, version) {
            tracing::error!(module = %name, %version, "removing a failed version: {e}");
        }
    }

    /// Applies the machine's config with the new version: the config in
    /// force again, or, for a module the config does not list yet, with
    /// `{"type": "inline", "name": ...}` added to its modules (and the file
    /// written once that applied).
    async fn apply(&self, name: &str) -> Result<Option<String>, String> {
        let config = self.machine.applied_config();
        if config.modules.iter().any(|m| m.name == name && m.inline) {
            return self
                .machine
                .refresh_modules()
                .await
                .map(|()| None)
                .map_err(|p| p.join("\n"));
        }
        let Some(file) = &self.config_file else {
            return Ok(Some(format!(
                "kept under the state folder; this machine's config comes from its fleet, which must list {{\"type\": \"inline\", \"name\": \"{name}\"}} for it to serve"
            )));
        };
        let entry = serde_json::json!({ "type": "inline", "name": name });
        let _no_reload_between = self.machine.edit_config().await;
        let edited = edit::edit(file, |o| edit::push(o, "modules", entry))?;
        self.machine.apply(edited.config).await.map_err(|p| p.join("\n"))?;
        edit::write(file, &edited.text).map_err(|e| format!("{}: {e}", file.display()))?;
        Ok(None)
    }

    /// Resources of the module that did not take `version`: a refused
    /// update (the old instance serves on) or a failed first build.
    fn failures_of(&self, name: &str, version: &Version) -> Vec<String> {
        let info = self.machine.info();
        let Some(module) = info.modules.iter().find(|m| m.name == name) else {
            return Vec::new();
        };
        let refused = format!("update to {name}@{version} refused");
        let config = self.machine.applied_config();
        config
            .resources
            .iter()
            .filter(|r| {
                module
                    .models
                    .iter()
                    .any(|(api, model)| *api == r.api && model == r.model.as_str())
            })
            .filter_map(|r| {
                let slot = self.machine.lookup(ApiKind::of(&r.api)?, &r.name)?;
                let status = slot.status();
                let error = status.error.unwrap_or_default();
                let construct_failed = status.state == State::Unhealthy && error.starts_with("construct");
                (error.contains(&refused) || construct_failed).then(|| format!("resource {:?}: {error}", r.name))
            })
            .collect()
    }

    fn serving(&self, name: &str) -> Option<String> {
        self.machine
            .info()
            .modules
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.version.clone())
    }
}

/// The line of `main.py` an error names: `(main.py, line 12)` (the guest
/// SDK's and Python's own form), else the last `main.py", line 12` of a
/// traceback (the innermost frame in the module's code).
pub fn line_of(text: &str) -> Option<u32> {
    let number = |rest: &str| -> Option<u32> {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let short = format!("({SOURCE_FILE}, line ");
    if let Some(at) = text.find(&short) {
        return number(&text[at + short.len()..]);
    }
    let frame = format!("{SOURCE_FILE}\", line ");
    text.rfind(&frame).and_then(|at| number(&text[at + frame.len()..]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_line_is_read_from_either_form() {
        assert_eq!(
            super::line_of("construct failed: ValueError: no (main.py, line 12)"),
            Some(12)
        );
        let tb = "SyntaxError: invalid syntax\n  at File \"main.py\", line 3\n\nTraceback:\n  File \"main.py\", line 7, in <module>\n  File \"main.py\", line 3\n";
        assert_eq!(super::line_of(tb), Some(3));
        assert_eq!(super::line_of("File \"other.py\", line 5"), None);
        assert_eq!(super::line_of("nothing"), None);
    }
}
