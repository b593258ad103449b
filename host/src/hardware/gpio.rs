//! What a GPIO backend does: the operations of the Board API, on pins named
//! as the board's config names them. Calls are short and synchronous (a
//! simulated pin, or one ioctl on a line request); waiting for edges is done
//! by the caller, by polling the edge count.

use std::collections::{BTreeMap, VecDeque};

use super::{HwError, HwResult};

/// An analog reader's raw value and the range it maps to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analog {
    pub value: i32,
    pub min_range: f32,
    pub max_range: f32,
    pub step_size: f32,
}

/// One edge seen on a digital interrupt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub interrupt: String,
    pub time_ns: u64,
    pub high: bool,
}

pub trait GpioBackend: Send {
    fn set(&mut self, pin: &str, high: bool) -> HwResult<()>;
    fn get(&mut self, pin: &str) -> HwResult<bool>;
    /// Duty cycle in [0, 1].
    fn set_pwm(&mut self, pin: &str, duty: f64) -> HwResult<()>;
    fn pwm(&mut self, pin: &str) -> HwResult<f64>;
    fn set_pwm_frequency(&mut self, pin: &str, hz: u64) -> HwResult<()>;
    fn pwm_frequency(&mut self, pin: &str) -> HwResult<u64>;
    fn read_analog(&mut self, reader: &str) -> HwResult<Analog>;
    fn write_analog(&mut self, pin: &str, value: i32) -> HwResult<()>;
    /// Edges counted on a named digital interrupt since the board started.
    fn edge_count(&mut self, interrupt: &str) -> HwResult<i64>;
    /// Edges on `interrupts` after `since_ns`, oldest first.
    fn edges_since(&mut self, interrupts: &[String], since_ns: u64) -> HwResult<Vec<Edge>>;
    /// Everything the backend knows, for DoCommand `status`; simulators
    /// have it, real hardware mostly does not.
    fn status(&mut self) -> Option<serde_json::Value> {
        None
    }
}

/// Edges kept per board for StreamTicks.
const EDGE_HISTORY: usize = 4096;

/// The edge counts of a board's digital interrupts and their recent edges.
#[derive(Debug, Default)]
pub struct EdgeLog {
    counts: BTreeMap<String, i64>,
    edges: VecDeque<Edge>,
}

impl EdgeLog {
    pub fn new(interrupts: impl IntoIterator<Item = String>) -> Self {
        Self {
            counts: interrupts.into_iter().map(|n| (n, 0)).collect(),
            edges: VecDeque::new(),
        }
    }

    /// Adds `n` edges to `interrupt`; `level` records one edge (time, high)
    /// for StreamTicks.
    pub fn add(&mut self, interrupt: &str, n: i64, level: Option<(u64, bool)>) {
        *self.counts.entry(interrupt.to_string()).or_default() += n;
        if let Some((time_ns, high)) = level {
            if self.edges.len() == EDGE_HISTORY {
                self.edges.pop_front();
            }
            self.edges.push_back(Edge {
                interrupt: interrupt.to_string(),
                time_ns,
                high,
            });
        }
    }

    pub fn count(&self, interrupt: &str) -> HwResult<i64> {
        self.counts
            .get(interrupt)
            .copied()
            .ok_or_else(|| HwError::NotFound(format!("no digital interrupt {interrupt:?}")))
    }

    /// Edges on `interrupts` after `since_ns`, oldest first.
    pub fn since(&self, interrupts: &[String], since_ns: u64) -> HwResult<Vec<Edge>> {
        if let Some(missing) = interrupts.iter().find(|n| !self.counts.contains_key(*n)) {
            return Err(HwError::NotFound(format!("no digital interrupt {missing:?}")));
        }
        Ok(self
            .edges
            .iter()
            .filter(|e| e.time_ns > since_ns && interrupts.contains(&e.interrupt))
            .cloned()
            .collect())
    }

    pub fn counts(&self) -> &BTreeMap<String, i64> {
        &self.counts
    }
}

/// Checks a duty cycle from a client or guest.
pub fn check_duty(duty: f64) -> HwResult<f64> {
    if duty.is_finite() && (0.0..=1.0).contains(&duty) {
        Ok(duty)
    } else {
        Err(HwError::InvalidArgument(format!("duty cycle {duty} is outside [0, 1]")))
    }
}
