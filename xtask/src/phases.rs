//! How long each step of a task took, printed when the task ends, passed
//! or failed: CI's time limit is managed with these figures, so a run
//! should name where its minutes went without a second, instrumented run.

use std::time::{Duration, Instant};

use anyhow::Result;

pub struct Phases {
    task: &'static str,
    start: Instant,
    done: Vec<(&'static str, Duration)>,
}

impl Phases {
    pub fn new(task: &'static str) -> Self {
        Phases {
            task,
            start: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Runs `step` and notes its time under `name`, whether it failed or not.
    pub fn run<T>(&mut self, name: &'static str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        let start = Instant::now();
        let out = step();
        self.done.push((name, start.elapsed()));
        out
    }

    fn summary(&self) -> String {
        let steps: Vec<String> = self
            .done
            .iter()
            .map(|(name, took)| format!("{name} {}", minutes(*took)))
            .collect();
        format!(
            "{} took {}: {}",
            self.task,
            minutes(self.start.elapsed()),
            steps.join(" · ")
        )
    }
}

impl Drop for Phases {
    fn drop(&mut self) {
        eprintln!("\n{}", self.summary());
    }
}

/// `m:ss`, the unit CI's limit is stated in.
fn minutes(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_every_step_with_its_time() {
        let mut phases = Phases::new("test");
        phases.run("layers", || Ok(())).unwrap();
        assert!(phases.run("build", || -> Result<()> { anyhow::bail!("no") }).is_err());
        phases.done[0].1 = Duration::from_secs(3);
        phases.done[1].1 = Duration::from_secs(687);
        let summary = phases.summary();
        assert!(summary.starts_with("test took 0:"), "{summary}");
        assert!(summary.ends_with(": layers 0:03 · build 11:27"), "{summary}");
    }
}
