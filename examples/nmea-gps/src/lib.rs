//! `armature:examples:nmea-gps`: a GPS receiver on a serial port, read as
//! NMEA 0183 sentences (GGA for the fix, RMC for speed and course). Garbage,
//! split lines and sentences with a bad checksum are counted and skipped.
//!
//! ```json
//! "attributes": { "serial": { "path": "/dev/ttyUSB0", "baud": 9600 } }
//! ```
//! The host opens the port it grants; `sim:nmea-gps` is a simulated receiver.

use std::time::Duration;

use armature_guest::prelude::*;
use serde::Deserialize;

const KNOTS_TO_MPS: f64 = 0.514_444;

#[derive(Deserialize)]
struct SerialGrant {
    path: String,
}

#[derive(Default, Clone, Copy)]
struct Fix {
    latitude: f64,
    longitude: f64,
    altitude_m: f32,
    quality: i32,
    hdop: Option<f32>,
}

pub struct NmeaGps {
    lines: SerialLines,
    fix: Option<Fix>,
    speed_mps: Option<f64>,
    course_deg: Option<f64>,
    good: u64,
    bad: u64,
}

fn port_path(config: &Config) -> Result<String> {
    Ok(config.get::<SerialGrant>("serial")?.path)
}

/// The body between `$` and `*`, if the checksum after `*` matches.
fn checked(line: &str) -> Option<&str> {
    let line = line.trim();
    let start = line.find('$')?;
    let (body, sum) = line[start + 1..].split_once('*')?;
    let expected = u8::from_str_radix(sum.get(..2)?, 16).ok()?;
    (body.bytes().fold(0u8, |a, b| a ^ b) == expected).then_some(body)
}

/// `ddmm.mmmm` (or `dddmm.mmmm`) and a hemisphere to signed degrees.
fn degrees(value: &str, hemisphere: &str) -> Option<f64> {
    let v: f64 = value.parse().ok()?;
    let whole = (v / 100.0).trunc();
    let deg = whole + (v - whole * 100.0) / 60.0;
    match hemisphere {
        "N" | "E" => Some(deg),
        "S" | "W" => Some(-deg),
        _ => None,
    }
}

impl NmeaGps {
    /// Applies one sentence; false if it was not a sentence we could read.
    fn apply(&mut self, line: &str) -> bool {
        let Some(body) = checked(line) else { return false };
        let f: Vec<&str> = body.split(',').collect();
        let kind = f[0].get(2..).unwrap_or("");
        match kind {
            "GGA" if f.len() >= 10 => {
                let quality: i32 = f[6].parse().unwrap_or(0);
                if quality == 0 {
                    self.fix = None;
                    return true;
                }
                let (Some(lat), Some(lon)) = (degrees(f[2], f[3]), degrees(f[4], f[5])) else {
                    return false;
                };
                self.fix = Some(Fix {
                    latitude: lat,
                    longitude: lon,
                    altitude_m: f[9].parse().unwrap_or(0.0),
                    quality,
                    hdop: f[8].parse().ok(),
                });
                true
            }
            "RMC" if f.len() >= 9 => {
                if f[2] != "A" {
                    return true;
                }
                self.speed_mps = f[7].parse::<f64>().ok().map(|k| k * KNOTS_TO_MPS);
                self.course_deg = f[8].parse().ok();
                true
            }
            // Other sentences (GSV, VTG, ...) are fine, just not used.
            _ => !kind.is_empty(),
        }
    }

    /// Reads what has arrived on the port.
    fn read_port(&mut self) -> Result<()> {
        for line in self.lines.poll(Duration::ZERO)? {
            if self.apply(&line) {
                self.good += 1;
            } else {
                self.bad += 1;
            }
        }
        Ok(())
    }

    fn fix(&mut self) -> Result<Fix> {
        // A call reads the port too, so readings are fresh between ticks.
        let _ = self.read_port();
        self.fix.ok_or_else(|| match &self.lines.last_error {
            Some(e) => Error::unavailable(format!("no GPS fix: {e}")),
            None => Error::unavailable(format!("no GPS fix yet from {}", self.lines.path())),
        })
    }
}

impl Model for NmeaGps {
    const MODEL: &'static str = "armature:examples:nmea-gps";

    fn validate(config: &Config) -> Result<Dependencies> {
        port_path(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        // The port opens on the first tick, and again after it fails: a
        // receiver may be plugged in after the machine starts.
        armature_guest::tick_every(Duration::from_millis(100));
        Ok(Self {
            lines: SerialLines::new(port_path(config)?),
            fix: None,
            speed_mps: None,
            course_deg: None,
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
            "sentences" => self.good,
            "rejected" => self.bad,
            "port_open" => self.lines.is_open(),
            "port_error" => self.lines.last_error.clone(),
        })
    }
}

impl MovementSensor for NmeaGps {
    fn get_properties(&mut self, _extra: &Map) -> Result<MovementSensorProperties> {
        Ok(MovementSensorProperties {
            linear_velocity_supported: true,
            angular_velocity_supported: false,
            orientation_supported: false,
            position_supported: true,
            compass_heading_supported: true,
            linear_acceleration_supported: false,
        })
    }

    fn get_position(&mut self, _extra: &Map) -> Result<GeoPosition> {
        let fix = self.fix()?;
        Ok(GeoPosition {
            latitude: fix.latitude,
            longitude: fix.longitude,
            altitude_m: fix.altitude_m,
        })
    }

    fn get_linear_velocity(&mut self, _extra: &Map) -> Result<Vector3> {
        self.fix()?;
        Ok(Vector3 {
            x: 0.0,
            y: self.speed_mps.unwrap_or(0.0),
            z: 0.0,
        })
    }

    fn get_compass_heading(&mut self, _extra: &Map) -> Result<f64> {
        self.fix()?;
        self.course_deg
            .ok_or_else(|| Error::unavailable("no course yet (the receiver has sent no valid RMC)"))
    }

    fn get_accuracy(&mut self, _extra: &Map) -> Result<Accuracy> {
        let fix = self.fix()?;
        Ok(Accuracy {
            accuracy: fix.hdop.map(|h| vec![("hdop".to_string(), h)]).unwrap_or_default(),
            position_hdop: fix.hdop,
            position_vdop: None,
            position_nmea_gga_fix: Some(fix.quality),
            compass_degrees_error: None,
        })
    }
}

armature_guest::export_module!(movement_sensor(NmeaGps));
