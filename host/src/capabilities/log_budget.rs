//! How many lines a sandbox may log: a per-second budget, with the lines
//! dropped over it counted and reported.

use std::time::Instant;

/// Lines a sandbox may log per second before lines are dropped.
const LINES_PER_SECOND: u32 = 200;

/// A per-second budget of log lines.
#[derive(Debug)]
pub struct LogBudget {
    window_start: Instant,
    used: u32,
    dropped: u64,
}

impl Default for LogBudget {
    fn default() -> Self {
        Self {
            window_start: Instant::now(),
            used: 0,
            dropped: 0,
        }
    }
}

impl LogBudget {
    /// Whether one more line may be logged now; when a window with drops
    /// ends, says how many were dropped.
    pub(crate) fn take(&mut self, resource: &str) -> bool {
        if self.window_start.elapsed().as_secs() >= 1 {
            if self.dropped > 0 {
                tracing::warn!(resource, dropped = self.dropped, "guest log lines dropped (rate limit)");
            }
            *self = Self::default();
        }
        if self.used < LINES_PER_SECOND {
            self.used += 1;
            true
        } else {
            self.dropped += 1;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_drops_past_the_rate() {
        let mut b = LogBudget::default();
        let taken = (0..LINES_PER_SECOND + 10).filter(|_| b.take("r")).count();
        assert_eq!(taken, LINES_PER_SECOND as usize);
    }
}
