//! Simulated serial devices, for demos and tests without hardware: each is
//! a thread writing into the master side of a pseudo-terminal pair, and the
//! resource reads the other side as it would a real tty.
//!
//! - `sim:nmea-gps`: a GPS receiver circling Central Park at walking pace,
//!   printing `$GPGGA` and `$GPRMC` sentences five times a second.
//! - `sim:line-sensor`: a sensor printing `temperature=21.50,humidity=40.0`
//!   lines five times a second.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{HwError, HwResult};

const DEVICES: &[&str] = &["nmea-gps", "line-sensor"];
const PERIOD: Duration = Duration::from_millis(200);

pub fn check(device: &str) -> Result<(), String> {
    if DEVICES.contains(&device) {
        Ok(())
    } else {
        Err(format!(
            "attribute `serial.path`: no simulated device {device:?} (simulated: {})",
            DEVICES
                .iter()
                .map(|d| format!("sim:{d}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Stops the device's thread when the port closes.
pub struct SimDevice {
    stop: Arc<AtomicBool>,
}

impl Drop for SimDevice {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

pub fn start(device: &str) -> HwResult<(Box<dyn serialport::SerialPort>, SimDevice)> {
    check(device).map_err(HwError::NotFound)?;
    let (mut master, slave) = serialport::TTYPort::pair()
        .map_err(|e| HwError::Unavailable(format!("simulated device {device}: no pseudo-terminal: {e}")))?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let device_name = device.to_string();
    std::thread::Builder::new()
        .name(format!("sim-{device}"))
        .spawn(move || {
            let start = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                let t = start.elapsed().as_secs_f64();
                let text = match device_name.as_str() {
                    "nmea-gps" => gps_sentences(t),
                    _ => format!(
                        "temperature={:.2},humidity={:.1}\r\n",
                        21.5 + (t / 10.0).sin(),
                        40.0 + 5.0 * (t / 7.0).cos()
                    ),
                };
                if master.write_all(text.as_bytes()).is_err() {
                    return;
                }
                std::thread::sleep(PERIOD);
            }
        })
        .map_err(|e| HwError::Unavailable(format!("simulated device {device}: {e}")))?;
    Ok((Box::new(slave), SimDevice { stop }))
}

/// GGA and RMC for a point circling (40.7829 N, 73.9654 W), 20 m out, at 2 m/s.
fn gps_sentences(t: f64) -> String {
    const RADIUS_M: f64 = 20.0;
    const SPEED: f64 = 2.0;
    let angle = t * SPEED / RADIUS_M;
    let lat = 40.7829 + RADIUS_M * angle.sin() / 111_320.0;
    let lon = -73.9654 + RADIUS_M * angle.cos() / (111_320.0 * 40.7829_f64.to_radians().cos());
    // Moving counter-clockwise: the heading is the tangent, from north.
    let course = (360.0 - angle.to_degrees() % 360.0) % 360.0;
    let knots = SPEED * 1.943_844;
    let secs = t as u64;
    let hms = format!("12{:02}{:02}.00", (secs / 60) % 60, secs % 60);
    let (la, ns) = nmea_angle(lat, 2);
    let (lo, ew) = nmea_angle(lon, 3);
    let (ns, ew) = (if ns { "N" } else { "S" }, if ew { "E" } else { "W" });
    let gga = format!("GPGGA,{hms},{la},{ns},{lo},{ew},1,08,0.9,10.0,M,-34.0,M,,");
    let rmc = format!("GPRMC,{hms},A,{la},{ns},{lo},{ew},{knots:.2},{course:.1},301126,,,A");
    format!("${gga}*{:02X}\r\n${rmc}*{:02X}\r\n", checksum(&gga), checksum(&rmc))
}

/// Degrees as NMEA's `(d)ddmm.mmmm`, and whether it is positive (N or E).
fn nmea_angle(deg: f64, width: usize) -> (String, bool) {
    let a = deg.abs();
    let whole = a.trunc();
    let minutes = (a - whole) * 60.0;
    (format!("{:0width$}{:07.4}", whole as u32, minutes), deg >= 0.0)
}

/// XOR of the bytes between `$` and `*`.
pub fn checksum(body: &str) -> u8 {
    body.bytes().fold(0, |acc, b| acc ^ b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_carry_valid_checksums() {
        for line in gps_sentences(12.5).lines() {
            let (body, sum) = line.trim_start_matches('$').split_once('*').unwrap();
            assert_eq!(u8::from_str_radix(sum, 16).unwrap(), checksum(body), "{line}");
        }
        assert_eq!(nmea_angle(-73.5, 3), ("07330.0000".to_string(), false));
    }
}
