//! `armature:examples:line-sensor`: a sensor that prints one line per
//! sample on a serial port, as `key=value` pairs separated by commas or
//! spaces (`temperature=21.5,humidity=40`). Readings are the last complete
//! line; lines that are not pairs are counted and skipped.
//!
//! ```json
//! "attributes": { "serial": { "path": "/dev/ttyACM0", "baud": 115200 } }
//! ```

use std::time::Duration;

use armature_guest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct SerialGrant {
    path: String,
}

pub struct LineSensor {
    lines: SerialLines,
    last: Option<Map>,
    good: u64,
    bad: u64,
}

/// `a=1,b=x y=2` to {"a": 1, "b": "x", "y": 2}; None unless every field is a pair.
fn parse(line: &str) -> Option<Map> {
    let mut out = Map::new();
    for field in line.split([',', ' ', ';']).filter(|f| !f.is_empty()) {
        let (key, value) = field.split_once('=')?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return None;
        }
        let value = value.trim();
        let json = match value.parse::<f64>() {
            Ok(n) if n.is_finite() => json!(n),
            _ => json!(value),
        };
        out.insert(key.to_string(), json);
    }
    (!out.is_empty()).then_some(out)
}

impl LineSensor {
    fn read_port(&mut self) -> Result<()> {
        for line in self.lines.poll(Duration::ZERO)? {
            match parse(&line) {
                Some(values) => {
                    self.last = Some(values);
                    self.good += 1;
                }
                None => self.bad += 1,
            }
        }
        Ok(())
    }
}

impl Model for LineSensor {
    const MODEL: &'static str = "armature:examples:line-sensor";

    fn validate(config: &Config) -> Result<Dependencies> {
        config.get::<SerialGrant>("serial")?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        armature_guest::tick_every(Duration::from_millis(100));
        Ok(Self {
            lines: SerialLines::new(config.get::<SerialGrant>("serial")?.path),
            last: None,
            good: 0,
            bad: 0,
        })
    }

    fn tick(&mut self) -> Result<()> {
        self.read_port()
    }

    fn do_command(&mut self, _command: Map) -> Result<Map> {
        let _ = self.read_port();
        Ok(readings! {
            "lines" => self.good,
            "rejected" => self.bad,
            "port_open" => self.lines.is_open(),
            "port_error" => self.lines.last_error.clone(),
        })
    }
}

impl Sensor for LineSensor {
    fn get_readings(&mut self, _extra: &Map) -> Result<Map> {
        let polled = self.read_port();
        match (&self.last, polled) {
            (Some(values), _) => Ok(values.clone()),
            (None, Err(e)) => Err(Error::unavailable(format!("no reading yet: {}", e.message))),
            (None, Ok(())) => Err(Error::unavailable(format!("no reading yet from {}", self.lines.path()))),
        }
    }
}

armature_guest::export_module!(sensor(LineSensor));
