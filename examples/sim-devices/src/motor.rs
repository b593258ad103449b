//! `armature:examples:sim-motor`: a motor with a position encoder.
//! Attributes: `max_rpm` (default 200).

use std::time::Instant;

use armature_guest::prelude::*;

/// What the motor is doing.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Drive {
    Idle,
    /// Turning at this rpm until told otherwise.
    Constant(f64),
    /// Turning at this rpm until the position reaches the target.
    ToTarget {
        rpm: f64,
        target: f64,
    },
}

pub struct SimMotor {
    max_rpm: f64,
    position: f64,
    drive: Drive,
    power: f64,
    updated: Instant,
}

impl SimMotor {
    /// Brings the position up to now.
    fn advance(&mut self) {
        let now = Instant::now();
        let minutes = now.duration_since(self.updated).as_secs_f64() / 60.0;
        self.updated = now;
        match self.drive {
            Drive::Idle => {}
            Drive::Constant(rpm) => self.position += rpm * minutes,
            Drive::ToTarget { rpm, target } => {
                let step = rpm.abs() * minutes;
                let left = target - self.position;
                if left.abs() <= step {
                    self.position = target;
                    self.drive = Drive::Idle;
                    self.power = 0.0;
                } else {
                    self.position += step * left.signum();
                }
            }
        }
    }

    fn check_rpm(&self, rpm: f64) -> Result<f64> {
        if rpm.abs() > self.max_rpm {
            return Err(Error::out_of_range(format!(
                "rpm {rpm} exceeds max_rpm {}",
                self.max_rpm
            )));
        }
        Ok(rpm)
    }
}

impl Model for SimMotor {
    const MODEL: &'static str = "armature:examples:sim-motor";

    fn validate(config: &Config) -> Result<Dependencies> {
        let max: f64 = config.get_or("max_rpm", 200.0)?;
        if max <= 0.0 {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `max_rpm` must be positive",
                config.name
            )));
        }
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        Ok(Self {
            max_rpm: config.get_or("max_rpm", 200.0)?,
            position: 0.0,
            drive: Drive::Idle,
            power: 0.0,
            updated: Instant::now(),
        })
    }

    fn reconfigure(&mut self, config: &Config, _deps: Deps) -> Result<Reconfigured> {
        self.max_rpm = config.get_or("max_rpm", 200.0)?;
        Ok(Reconfigured::Applied)
    }
}

impl Motor for SimMotor {
    fn set_power(&mut self, power_pct: f64, _extra: &Map) -> Result<()> {
        self.advance();
        self.power = power_pct;
        self.drive = if power_pct == 0.0 {
            Drive::Idle
        } else {
            Drive::Constant(power_pct * self.max_rpm)
        };
        Ok(())
    }

    fn go_for(&mut self, rpm: f64, revolutions: f64, _extra: &Map) -> Result<()> {
        self.advance();
        let rpm = self.check_rpm(rpm)?;
        // Negative rpm or negative revolutions turn backwards; both, forwards.
        let direction = rpm.signum() * revolutions.signum();
        let target = self.position + direction * revolutions.abs();
        self.power = direction * rpm.abs() / self.max_rpm;
        self.drive = Drive::ToTarget { rpm: rpm.abs(), target };
        Ok(())
    }

    fn go_to(&mut self, rpm: f64, position: f64, _extra: &Map) -> Result<()> {
        self.advance();
        let rpm = self.check_rpm(rpm)?;
        self.power = (position - self.position).signum() * rpm.abs() / self.max_rpm;
        self.drive = Drive::ToTarget {
            rpm: rpm.abs(),
            target: position,
        };
        Ok(())
    }

    fn set_rpm(&mut self, rpm: f64, _extra: &Map) -> Result<()> {
        self.advance();
        let rpm = self.check_rpm(rpm)?;
        self.power = rpm / self.max_rpm;
        self.drive = if rpm == 0.0 { Drive::Idle } else { Drive::Constant(rpm) };
        Ok(())
    }

    fn reset_zero_position(&mut self, offset: f64, _extra: &Map) -> Result<()> {
        self.advance();
        self.position = -offset;
        Ok(())
    }

    fn get_position(&mut self, _extra: &Map) -> Result<f64> {
        self.advance();
        Ok(self.position)
    }

    fn get_properties(&mut self, _extra: &Map) -> Result<MotorProperties> {
        Ok(MotorProperties {
            position_reporting: true,
        })
    }

    fn stop(&mut self, _extra: &Map) -> Result<()> {
        self.advance();
        self.drive = Drive::Idle;
        self.power = 0.0;
        Ok(())
    }

    fn is_powered(&mut self, _extra: &Map) -> Result<PowerState> {
        self.advance();
        Ok(PowerState {
            is_on: self.drive != Drive::Idle,
            power_pct: self.power,
        })
    }

    fn is_moving(&mut self) -> Result<bool> {
        self.advance();
        Ok(self.drive != Drive::Idle)
    }
}
