//! `armature:examples:sim-servo`: a hobby servo that sweeps at a fixed speed.
//! Attributes: `min_angle_deg` (0), `max_angle_deg` (180), `deg_per_sec` (360).

use std::time::Instant;

use armature_guest::prelude::*;

pub struct SimServo {
    min: u32,
    max: u32,
    speed: f64,
    position: f64,
    target: f64,
    updated: Instant,
}

impl SimServo {
    fn advance(&mut self) {
        let now = Instant::now();
        let step = now.duration_since(self.updated).as_secs_f64() * self.speed;
        self.updated = now;
        let left = self.target - self.position;
        self.position = if left.abs() <= step {
            self.target
        } else {
            self.position + step * left.signum()
        };
    }

    fn settings(config: &Config) -> Result<(u32, u32, f64)> {
        let min: u32 = config.get_or("min_angle_deg", 0)?;
        let max: u32 = config.get_or("max_angle_deg", 180)?;
        let speed: f64 = config.get_or("deg_per_sec", 360.0)?;
        if min >= max || max > 360 {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attributes `min_angle_deg` ({min}) and `max_angle_deg` ({max}) must satisfy min < max <= 360",
                config.name
            )));
        }
        if speed <= 0.0 {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `deg_per_sec` must be positive",
                config.name
            )));
        }
        Ok((min, max, speed))
    }
}

impl Model for SimServo {
    const MODEL: &'static str = "armature:examples:sim-servo";

    fn validate(config: &Config) -> Result<Dependencies> {
        Self::settings(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let (min, max, speed) = Self::settings(config)?;
        let start = f64::from(min);
        Ok(Self {
            min,
            max,
            speed,
            position: start,
            target: start,
            updated: Instant::now(),
        })
    }
}

impl Servo for SimServo {
    fn move_to(&mut self, angle_deg: u32, _extra: &Map) -> Result<()> {
        if angle_deg < self.min || angle_deg > self.max {
            return Err(Error::out_of_range(format!(
                "angle_deg {angle_deg} is outside [{}, {}]",
                self.min, self.max
            )));
        }
        self.advance();
        self.target = f64::from(angle_deg);
        Ok(())
    }

    fn get_position(&mut self, _extra: &Map) -> Result<u32> {
        self.advance();
        Ok(self.position.round() as u32)
    }

    fn stop(&mut self, _extra: &Map) -> Result<()> {
        self.advance();
        self.target = self.position;
        Ok(())
    }

    fn is_moving(&mut self) -> Result<bool> {
        self.advance();
        Ok(self.position != self.target)
    }
}
