//! `armature:examples:gpio-motor`: a DC motor on an H-bridge, driven through
//! two pins of a board: a PWM pin sets the speed, a direction pin the sense.
//! The host grants exactly these pins and nothing else.
//!
//! ```json
//! "attributes": {
//!   "board": "local",
//!   "pins": { "pwm": "11", "dir": "12" },
//!   "max_rpm": 100,
//!   "pwm_freq_hz": 1000
//! }
//! ```
//! With no encoder, the position is dead reckoning: power × max_rpm × time.

use std::time::Instant;

use armature_guest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Clone)]
struct Pins {
    pwm: String,
    dir: String,
}

pub struct GpioMotor {
    pins: Pins,
    max_rpm: f64,
    power: f64,
    position: f64,
    /// Where a GoFor or GoTo stops, if one is running.
    target: Option<f64>,
    updated: Instant,
}

fn settings(config: &Config) -> Result<(Pins, f64, u64)> {
    let pins: Pins = config.get("pins")?;
    let max_rpm: f64 = config.get_or("max_rpm", 100.0)?;
    if max_rpm <= 0.0 {
        return Err(Error::invalid_argument(format!(
            "resource {:?}: attribute `max_rpm` must be positive",
            config.name
        )));
    }
    let _board: String = config.get("board")?;
    Ok((pins, max_rpm, config.get_or("pwm_freq_hz", 1000)?))
}

impl GpioMotor {
    /// Brings the dead-reckoned position up to now; stops at a target.
    fn advance(&mut self) -> Result<()> {
        let now = Instant::now();
        let turned = self.power * self.max_rpm * now.duration_since(self.updated).as_secs_f64() / 60.0;
        self.updated = now;
        self.position += turned;
        if let Some(target) = self.target {
            // Passed the target: going up and now above it, or going down and below.
            if (turned > 0.0 && self.position >= target) || (turned < 0.0 && self.position <= target) {
                self.position = target;
                self.target = None;
                self.drive(0.0)?;
            }
        }
        Ok(())
    }

    /// Sets the pins for `power` in [-1, 1].
    fn drive(&mut self, power: f64) -> Result<()> {
        gpio::set(&self.pins.dir, power < 0.0)?;
        gpio::set_pwm(&self.pins.pwm, power.abs().min(1.0))?;
        self.power = power;
        Ok(())
    }

    fn start_to(&mut self, rpm: f64, target: f64) -> Result<()> {
        if rpm.abs() > self.max_rpm {
            return Err(Error::out_of_range(format!(
                "rpm {rpm} exceeds max_rpm {}",
                self.max_rpm
            )));
        }
        let direction = (target - self.position).signum();
        self.target = Some(target);
        self.drive(direction * rpm.abs() / self.max_rpm)
    }
}

impl Model for GpioMotor {
    const MODEL: &'static str = "armature:examples:gpio-motor";

    fn validate(config: &Config) -> Result<Dependencies> {
        settings(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let (pins, max_rpm, hz) = settings(config)?;
        gpio::set_pwm_frequency(&pins.pwm, hz)?;
        let mut motor = Self {
            pins,
            max_rpm,
            power: 0.0,
            position: 0.0,
            target: None,
            updated: Instant::now(),
        };
        motor.drive(0.0)?;
        Ok(motor)
    }

    fn reconfigure(&mut self, config: &Config, _deps: Deps) -> Result<Reconfigured> {
        let (pins, max_rpm, hz) = settings(config)?;
        self.advance()?;
        if pins.pwm != self.pins.pwm || pins.dir != self.pins.dir {
            // Other pins: let go of the old ones by starting afresh.
            return Ok(Reconfigured::Rebuild);
        }
        gpio::set_pwm_frequency(&pins.pwm, hz)?;
        self.max_rpm = max_rpm;
        Ok(Reconfigured::Applied)
    }
}

impl Motor for GpioMotor {
    fn set_power(&mut self, power_pct: f64, _extra: &Map) -> Result<()> {
        self.advance()?;
        self.target = None;
        self.drive(power_pct)
    }

    fn go_for(&mut self, rpm: f64, revolutions: f64, _extra: &Map) -> Result<()> {
        self.advance()?;
        // Negative rpm or negative revolutions turn backwards; both, forwards.
        let direction = rpm.signum() * revolutions.signum();
        let target = self.position + direction * revolutions.abs();
        self.start_to(rpm, target)
    }

    fn go_to(&mut self, rpm: f64, position: f64, _extra: &Map) -> Result<()> {
        self.advance()?;
        self.start_to(rpm, position)
    }

    fn set_rpm(&mut self, rpm: f64, _extra: &Map) -> Result<()> {
        self.advance()?;
        if rpm.abs() > self.max_rpm {
            return Err(Error::out_of_range(format!(
                "rpm {rpm} exceeds max_rpm {}",
                self.max_rpm
            )));
        }
        self.target = None;
        self.drive(rpm / self.max_rpm)
    }

    fn reset_zero_position(&mut self, offset: f64, _extra: &Map) -> Result<()> {
        self.advance()?;
        self.position = -offset;
        Ok(())
    }

    fn get_position(&mut self, _extra: &Map) -> Result<f64> {
        self.advance()?;
        Ok(self.position)
    }

    fn get_properties(&mut self, _extra: &Map) -> Result<MotorProperties> {
        Ok(MotorProperties {
            position_reporting: true,
        })
    }

    fn stop(&mut self, _extra: &Map) -> Result<()> {
        self.advance()?;
        self.target = None;
        self.drive(0.0)
    }

    fn is_powered(&mut self, _extra: &Map) -> Result<PowerState> {
        self.advance()?;
        Ok(PowerState {
            is_on: self.power != 0.0,
            power_pct: self.power,
        })
    }

    fn is_moving(&mut self) -> Result<bool> {
        self.advance()?;
        Ok(self.power != 0.0)
    }
}

armature_guest::export_module!(motor(GpioMotor));
