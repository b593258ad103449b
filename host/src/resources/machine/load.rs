//! Which modules a config loads: the modules folder's files, the files the
//! config names, and the modules its sources resolve (a registry's, from
//! its cache; inline modules, from the state folder); each compiled unless
//! its bytes are loaded already.

use super::*;
use crate::resources::modules::{select, wasm_files};
use crate::resources::sources::needs_source;

impl Machine {
    pub(super) async fn load_modules(
        &self,
        config: &MachineConfig,
        loaded: &[Arc<LoadedModule>],
    ) -> (Vec<Arc<LoadedModule>>, Problems) {
        let file = config.file.display().to_string();
        let mut problems = Vec::new();
        let dir = modules_dir(config, self.modules_flag.as_deref());
        let explicit = self.modules_flag.is_some() || config.modules_dir.is_some();
        let folder = match wasm_files(&dir) {
            Ok(found) => found,
            Err(e) => {
                if explicit || e.kind() != std::io::ErrorKind::NotFound {
                    problems.push(format!("{file}: modules folder {}: {e}", dir.display()));
                }
                Vec::new()
            }
        };
        let (mut chosen, selection_problems) = select(folder, &config.modules);
        problems.extend(selection_problems.into_iter().map(|p| format!("{file}: {p}")));
        for source in &self.sources {
            for entry in config.modules.iter().filter(|e| source.serves(e)) {
                match source.file_for(entry, config).await {
                    Ok(found) => chosen.push(found),
                    Err(e) => problems.push(format!("{file}: {e}")),
                }
            }
        }
        for entry in &config.modules {
            if let Some(kind) = needs_source(entry)
                && !self.sources.iter().any(|s| s.serves(entry))
            {
                problems.push(format!(
                    "{file}: module {:?}: this host has no {kind} modules",
                    entry.name
                ));
            }
        }
        let mut modules: Vec<Arc<LoadedModule>> = Vec::new();
        for m in chosen {
            // Unchanged bytes and version: keep the module already loaded.
            let digest = crate::runtime::cache::digest_file(&m.path)
                .ok()
                .map(|(digest, _)| digest);
            if let Some(old) = loaded
                .iter()
                .find(|l| Some(&l.digest) == digest.as_ref() && l.path == m.path && l.semver == m.version)
            {
                modules.push(old.clone());
                continue;
            }
            match self.runtime.load(&m.name, &m.path, m.version.clone()).await {
                Ok(loaded) => {
                    tracing::info!(module = %loaded.name, version = %loaded.version(), cache = ?loaded.cache,
                        models = loaded.models.len(), "module loaded");
                    modules.push(loaded);
                }
                Err(e) => problems.push(format!("{file}: module {:?}: {e}", m.name)),
            }
        }
        (modules, problems)
    }
}
