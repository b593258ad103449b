//! The loop that keeps registry modules current: every `check_interval`
//! (60 s unless set; 5 s while a registry cannot be read or a module is
//! unresolved) and at once when asked (`armature reload`, a fleet signal),
//! it looks for newer matches and hands them to the machine, which swaps
//! exactly the resources of the module that moved. A version the machine
//! refuses is rolled back in the resolver, and the old one keeps serving.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::resolver::Resolver;
use crate::config::registry::DEFAULT_CHECK_INTERVAL;
use crate::resources::machine::Machine;

/// How soon a failing registry or an unresolved module is tried again.
pub const RETRY: Duration = Duration::from_secs(5);

pub async fn watch(machine: Weak<Machine>, resolver: Arc<Resolver>) {
    loop {
        let Some(m) = machine.upgrade() else { return };
        let config = m.applied_config();
        drop(m);
        let interval = config
            .registries
            .iter()
            .map(|r| r.check_interval)
            .min()
            .unwrap_or(DEFAULT_CHECK_INTERVAL);
        if config.modules.iter().any(|e| e.registry.is_some()) {
            let changes = resolver.recheck(&config).await;
            if !changes.is_empty() {
                let Some(m) = machine.upgrade() else { return };
                upgrade(&m, &resolver, &changes).await;
            }
        }
        let wait = if resolver.has_failures() {
            interval.min(RETRY)
        } else {
            interval
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = resolver.check_requested() => {}
        }
    }
}

/// Applies `changes`; when the machine refuses, finds out whether they
/// were the cause (the machine takes the config back without them) or
/// something else already wrong with it (then they wait for its next
/// successful apply, and are not blamed).
async fn upgrade(machine: &Machine, resolver: &Resolver, changes: &[super::resolver::Change]) {
    let problems = match machine.refresh_modules().await {
        Ok(()) => {
            for c in changes {
                tracing::info!(module = %c.module, version = %c.new.version, "module updated from the registry");
            }
            return;
        }
        Err(problems) => problems.join("; "),
    };
    resolver.revert(changes).await;
    match machine.refresh_modules().await {
        Ok(()) => resolver.refuse(changes, &problems).await,
        Err(_) => {
            resolver.restore(changes).await;
            tracing::warn!("the registry's new versions wait for the config's other problems to be fixed: {problems}");
        }
    }
}
