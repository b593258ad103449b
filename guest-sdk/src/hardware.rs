//! Hardware, through the host: GPIO pins of a granted board, granted serial
//! ports, and frames from a granted camera. What a resource may touch is in
//! its own attributes (`board` + `pins`, `serial`, `camera`); anything else
//! fails with [`ErrorCode::PermissionDenied`](crate::ErrorCode).

use std::time::{Duration, Instant};

use crate::bindings::armature::module::{camera_capture as wit_camera, gpio as wit_gpio, serial as wit_serial};
use crate::{Error, Result};

/// Pins of the board granted by `board` and `pins`.
pub mod gpio {
    use super::*;

    pub fn set(pin: &str, high: bool) -> Result<()> {
        wit_gpio::set(pin, high).map_err(Error::from)
    }

    pub fn get(pin: &str) -> Result<bool> {
        wit_gpio::get(pin).map_err(Error::from)
    }

    /// Duty cycle in [0, 1].
    pub fn set_pwm(pin: &str, duty_cycle: f64) -> Result<()> {
        wit_gpio::set_pwm(pin, duty_cycle).map_err(Error::from)
    }

    pub fn pwm(pin: &str) -> Result<f64> {
        wit_gpio::get_pwm(pin).map_err(Error::from)
    }

    pub fn set_pwm_frequency(pin: &str, hz: u64) -> Result<()> {
        wit_gpio::set_pwm_frequency(pin, hz).map_err(Error::from)
    }

    pub fn pwm_frequency(pin: &str) -> Result<u64> {
        wit_gpio::get_pwm_frequency(pin).map_err(Error::from)
    }

    pub fn read_analog(reader: &str) -> Result<i32> {
        wit_gpio::read_analog(reader).map_err(Error::from)
    }

    /// Edges counted so far on a digital interrupt.
    pub fn count_edges(interrupt: &str) -> Result<i64> {
        wit_gpio::count_edges(interrupt).map_err(Error::from)
    }

    /// Waits until the count differs from `seen` or `timeout` passes
    /// (never beyond the call's deadline); returns the count.
    pub fn wait_for_edge(interrupt: &str, seen: i64, timeout: Duration) -> Result<i64> {
        let ms = timeout.as_millis().min(u32::MAX as u128) as u32;
        wit_gpio::wait_for_edge(interrupt, seen, ms).map_err(Error::from)
    }
}

/// An open serial port, opened by the host with the settings of the grant.
pub struct SerialPort {
    port: wit_serial::Port,
}

impl SerialPort {
    /// Opens the granted port at `path`.
    pub fn open(path: &str) -> Result<Self> {
        wit_serial::Port::open(path)
            .map(|port| Self { port })
            .map_err(Error::from)
    }

    /// Up to `max` bytes, waiting at most `timeout` for the first; empty on timeout.
    pub fn read(&self, max: usize, timeout: Duration) -> Result<Vec<u8>> {
        let ms = timeout.as_millis().min(u32::MAX as u128) as u32;
        self.port
            .read(max.min(u32::MAX as usize) as u32, ms)
            .map_err(Error::from)
    }

    pub fn write(&self, data: &[u8]) -> Result<()> {
        self.port.write(data).map_err(Error::from)
    }
}

/// Lines from a serial device, for line protocols (NMEA, `key=value`, ...).
/// Opens the port on first use and again, with backoff, after it fails (a
/// device unplugged and plugged back in); splits on `\n`, drops `\r`, and
/// drops lines longer than the limit (garbage on the wire).
pub struct SerialLines {
    path: String,
    port: Option<SerialPort>,
    pending: Vec<u8>,
    max_line: usize,
    retry: Duration,
    next_open: Option<Instant>,
    /// Why the port is not open, if it is not.
    pub last_error: Option<String>,
}

const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(10);

impl SerialLines {
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            port: None,
            pending: Vec::new(),
            max_line: 1024,
            retry: FIRST_RETRY,
            next_open: None,
            last_error: None,
        }
    }

    /// The port's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the port is open now.
    pub fn is_open(&self) -> bool {
        self.port.is_some()
    }

    /// Complete lines that arrived, waiting at most `timeout` for bytes.
    /// A failure closes the port; a later call opens it again.
    pub fn poll(&mut self, timeout: Duration) -> Result<Vec<String>> {
        if self.port.is_none() {
            if self.next_open.is_some_and(|t| Instant::now() < t) {
                return Err(Error::unavailable(self.last_error.clone().unwrap_or_default()));
            }
            match SerialPort::open(&self.path) {
                Ok(p) => {
                    self.port = Some(p);
                    self.retry = FIRST_RETRY;
                    self.last_error = None;
                    self.pending.clear();
                }
                Err(e) => return Err(self.failed(e)),
            }
        }
        let Some(port) = &self.port else {
            return Ok(Vec::new());
        };
        let bytes = match port.read(4096, timeout) {
            Ok(b) => b,
            Err(e) => {
                self.port = None;
                return Err(self.failed(e));
            }
        };
        Ok(self.split(&bytes))
    }

    fn failed(&mut self, e: Error) -> Error {
        self.next_open = Some(Instant::now() + self.retry);
        self.retry = (self.retry * 2).min(MAX_RETRY);
        self.last_error = Some(e.message.clone());
        e
    }

    fn split(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        for &b in bytes {
            if b == b'\n' {
                let line = String::from_utf8_lossy(&self.pending)
                    .trim_end_matches('\r')
                    .to_string();
                self.pending.clear();
                if !line.is_empty() {
                    lines.push(line);
                }
            } else if self.pending.len() < self.max_line {
                self.pending.push(b);
            }
        }
        if self.pending.len() >= self.max_line {
            // A line this long is noise; drop it whole.
            self.pending.clear();
        }
        lines
    }
}

/// The formats a frame can be asked for in.
pub use wit_camera::FrameFormat;

/// A frame from the granted camera.
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub format: FrameFormat,
    pub data: Vec<u8>,
}

/// The granted camera's next frame, converted by the host to `format`.
pub fn grab_frame(format: FrameFormat) -> Result<Frame> {
    let f = wit_camera::grab(format).map_err(Error::from)?;
    Ok(Frame {
        width: f.width,
        height: f.height,
        format: f.format,
        data: f.data,
    })
}
