//! Serial ports, opened by the host with the `serialport` crate on behalf
//! of a resource whose config grants them. Any tty works (USB adapters,
//! UARTs, pseudo-terminals); a path of the form `sim:<device>` is a
//! simulated device on a pseudo-terminal (`serial_sim`), so that drivers run
//! on any laptop through the very same code.

use std::io::{Read, Write};
use std::time::Duration;

use serde::Deserialize;

use super::serial_sim::SimDevice;
use super::{HwError, HwResult};

/// Largest read a guest may ask for at once.
pub const MAX_READ: usize = 64 << 10;

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    #[default]
    None,
    Odd,
    Even,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FlowControl {
    #[default]
    None,
    Software,
    Hardware,
}

/// A `serial` grant: which port, and how to talk to it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SerialSettings {
    pub path: String,
    #[serde(default = "default_baud")]
    pub baud: u32,
    #[serde(default = "default_data_bits")]
    pub data_bits: u8,
    #[serde(default)]
    pub parity: Parity,
    #[serde(default = "default_stop_bits")]
    pub stop_bits: u8,
    #[serde(default)]
    pub flow_control: FlowControl,
}

fn default_baud() -> u32 {
    9600
}

fn default_data_bits() -> u8 {
    8
}

fn default_stop_bits() -> u8 {
    1
}

impl SerialSettings {
    /// Checks the settings; errors name the attribute at fault.
    pub fn check(&self) -> Result<(), String> {
        if self.path.is_empty() {
            return Err("attribute `serial.path` is empty".into());
        }
        if self.baud == 0 {
            return Err("attribute `serial.baud` must be above 0".into());
        }
        if !(5..=8).contains(&self.data_bits) {
            return Err(format!(
                "attribute `serial.data_bits`: {} is not 5, 6, 7 or 8",
                self.data_bits
            ));
        }
        if !(1..=2).contains(&self.stop_bits) {
            return Err(format!(
                "attribute `serial.stop_bits`: {} is not 1 or 2",
                self.stop_bits
            ));
        }
        if let Some(device) = self.path.strip_prefix("sim:") {
            super::serial_sim::check(device)?;
        }
        Ok(())
    }
}

/// An open port, held by the guest's `port` handle.
pub struct SerialIo {
    pub path: String,
    port: Box<dyn serialport::SerialPort>,
    /// Keeps a simulated device talking while the port is open.
    _device: Option<SimDevice>,
}

fn port_error(path: &str, e: impl std::fmt::Display) -> HwError {
    HwError::Unavailable(format!("serial port {path}: {e}"))
}

pub fn open(settings: &SerialSettings) -> HwResult<SerialIo> {
    if let Some(device) = settings.path.strip_prefix("sim:") {
        let (port, device) = super::serial_sim::start(device)?;
        return Ok(SerialIo {
            path: settings.path.clone(),
            port,
            _device: Some(device),
        });
    }
    use serialport::{DataBits, StopBits};
    let data_bits = match settings.data_bits {
        5 => DataBits::Five,
        6 => DataBits::Six,
        7 => DataBits::Seven,
        _ => DataBits::Eight,
    };
    let port = serialport::new(&settings.path, settings.baud)
        .data_bits(data_bits)
        .parity(match settings.parity {
            Parity::None => serialport::Parity::None,
            Parity::Odd => serialport::Parity::Odd,
            Parity::Even => serialport::Parity::Even,
        })
        .stop_bits(if settings.stop_bits == 2 {
            StopBits::Two
        } else {
            StopBits::One
        })
        .flow_control(match settings.flow_control {
            FlowControl::None => serialport::FlowControl::None,
            FlowControl::Software => serialport::FlowControl::Software,
            FlowControl::Hardware => serialport::FlowControl::Hardware,
        })
        .timeout(Duration::ZERO)
        .open()
        .map_err(|e| port_error(&settings.path, e))?;
    Ok(SerialIo {
        path: settings.path.clone(),
        port,
        _device: None,
    })
}

impl SerialIo {
    /// Up to `max` bytes, waiting at most `timeout` for the first; empty on
    /// timeout. Blocks: call it off the async threads.
    pub fn read(&mut self, max: usize, timeout: Duration) -> HwResult<Vec<u8>> {
        let mut buf = vec![0; max.clamp(1, MAX_READ)];
        self.port.set_timeout(timeout).map_err(|e| port_error(&self.path, e))?;
        match self.port.read(&mut buf) {
            // A tty that reads nothing without timing out has hung up.
            Ok(0) => Err(port_error(&self.path, "the device hung up")),
            Ok(n) => {
                buf.truncate(n);
                Ok(buf)
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut || e.kind() == std::io::ErrorKind::WouldBlock => {
                Ok(Vec::new())
            }
            Err(e) => Err(port_error(&self.path, format!("read failed ({e}); was it unplugged?"))),
        }
    }

    pub fn write(&mut self, data: &[u8]) -> HwResult<()> {
        self.port
            .set_timeout(Duration::from_secs(1))
            .map_err(|e| port_error(&self.path, e))?;
        self.port
            .write_all(data)
            .and_then(|()| self.port.flush())
            .map_err(|e| port_error(&self.path, format!("write failed ({e}); was it unplugged?")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: serde_json::Value) -> Result<SerialSettings, String> {
        let s: SerialSettings = serde_json::from_value(json).map_err(|e| e.to_string())?;
        s.check().map(|()| s)
    }

    #[test]
    fn settings_have_defaults_and_checks() {
        let s = settings(serde_json::json!({"path": "/dev/ttyUSB0"})).unwrap();
        assert_eq!((s.baud, s.data_bits, s.stop_bits, s.parity), (9600, 8, 1, Parity::None));
        assert!(
            settings(serde_json::json!({"path": "/dev/x", "data_bits": 9}))
                .unwrap_err()
                .contains("data_bits")
        );
        assert!(settings(serde_json::json!({"path": "/dev/x", "parity": "mark"})).is_err());
        assert!(
            settings(serde_json::json!({"path": "sim:nothing"}))
                .unwrap_err()
                .contains("nothing")
        );
    }

    #[test]
    fn a_missing_device_is_unavailable() {
        let s = settings(serde_json::json!({"path": "/dev/armature-no-such-tty"})).unwrap();
        match open(&s) {
            Err(HwError::Unavailable(m)) => assert!(m.contains("armature-no-such-tty"), "{m}"),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("opened a port that does not exist"),
        }
    }

    #[test]
    fn a_simulated_gps_speaks_nmea() {
        let s = settings(serde_json::json!({"path": "sim:nmea-gps"})).unwrap();
        let mut io = open(&s).unwrap();
        let mut text = String::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !text.contains("$GPRMC") && std::time::Instant::now() < deadline {
            let bytes = io.read(4096, Duration::from_millis(500)).unwrap();
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
        assert!(text.contains("$GPGGA") && text.contains("$GPRMC"), "{text}");
    }
}
