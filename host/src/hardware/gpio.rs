//! What a GPIO backend does: the operations of the Board API, on pins named
//! as the board's config names them. Calls are short and synchronous (a
//! simulated pin, or one ioctl on a line request); waiting for edges is done
//! by the caller, by polling the edge count.

use super::HwResult;

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

/// Checks a duty cycle from a client or guest.
pub fn check_duty(duty: f64) -> HwResult<f64> {
    if duty.is_finite() && (0.0..=1.0).contains(&duty) {
        Ok(duty)
    } else {
        Err(super::HwError::InvalidArgument(format!(
            "duty cycle {duty} is outside [0, 1]"
        )))
    }
}
