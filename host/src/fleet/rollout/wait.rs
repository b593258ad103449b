//! Waiting for a batch of machines to report healthy on the version.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::progress::Progress;
use crate::fleet::connect::Buckets;
use crate::fleet::report::{self, Health};

/// Between looks at the machines' reports.
const POLL: Duration = Duration::from_millis(500);

/// Waits until every machine of a batch has applied its pin and reported
/// healthy for the whole health window.
pub(super) async fn healthy(buckets: &Buckets, progress: &Progress, batch: &[String]) -> Result<(), String> {
    let window = Duration::from_millis(progress.health_window_ms);
    let deadline = Instant::now() + Duration::from_millis(progress.apply_timeout_ms) + window;
    let mut healthy_since: Option<Instant> = None;
    let mut restarts: HashMap<String, u32> = HashMap::new();
    let mut last_waiting = String::new();
    loop {
        let mut waiting = Vec::new();
        for name in batch {
            let since = progress.machines.get(name).and_then(|p| p.written).unwrap_or(u64::MAX);
            match report::read(&buckets.status, name).await {
                Err(e) => waiting.push(format!("{name}: {e}")),
                Ok(None) => waiting.push(format!("{name}: no report yet")),
                Ok(Some(seen)) if !seen.online() => {
                    waiting.push(format!("{name}: offline for {} s", seen.age.as_secs()))
                }
                Ok(Some(seen)) => match seen.report.health(&progress.module, &progress.version, since) {
                    Health::Unhealthy(why) => return Err(format!("{name}: {why}")),
                    Health::Pending(why) => waiting.push(format!("{name}: {why}")),
                    Health::Healthy => {
                        let now = seen.report.restarts(&progress.module);
                        let base = *restarts.entry(name.clone()).or_insert(now);
                        if now > base {
                            return Err(format!(
                                "{name}: resources of {} restarted {} time(s) after a fault",
                                progress.module,
                                now - base
                            ));
                        }
                    }
                },
            }
        }
        if waiting.is_empty() {
            let since = *healthy_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= window {
                return Ok(());
            }
        } else {
            healthy_since = None;
            let text = waiting.join("; ");
            if Instant::now() > deadline {
                return Err(format!("not healthy in time: {text}"));
            }
            if text != last_waiting {
                println!("  waiting: {text}");
                last_waiting = text;
            }
        }
        tokio::time::sleep(POLL).await;
    }
}
