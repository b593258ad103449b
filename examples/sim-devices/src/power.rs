//! `armature:examples:sim-power-sensor`: a supply at a steady voltage whose
//! current swings around its mean once every 10 seconds.
//!
//! Attributes: `volts` (12), `amperes` (1.5), `is_ac` (false).

use std::f64::consts::TAU;
use std::time::Instant;

use armature_guest::prelude::*;

pub struct SimPowerSensor {
    volts: f64,
    amperes: f64,
    is_ac: bool,
    started: Instant,
}

impl SimPowerSensor {
    fn settings(config: &Config) -> Result<(f64, f64, bool)> {
        let volts: f64 = config.get_or("volts", 12.0)?;
        let amperes: f64 = config.get_or("amperes", 1.5)?;
        for (key, v) in [("volts", volts), ("amperes", amperes)] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(Error::invalid_argument(format!(
                    "resource {:?}: attribute `{key}` must be a number ≥ 0, got {v}",
                    config.name
                )));
            }
        }
        Ok((volts, amperes, config.get_or("is_ac", false)?))
    }

    fn current(&self) -> f64 {
        let phase = self.started.elapsed().as_secs_f64() / 10.0 * TAU;
        self.amperes * (1.0 + 0.2 * phase.sin())
    }
}

impl Model for SimPowerSensor {
    const MODEL: &'static str = "armature:examples:sim-power-sensor";

    fn validate(config: &Config) -> Result<Dependencies> {
        Self::settings(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let (volts, amperes, is_ac) = Self::settings(config)?;
        Ok(Self {
            volts,
            amperes,
            is_ac,
            started: Instant::now(),
        })
    }
}

impl PowerSensor for SimPowerSensor {
    fn get_voltage(&mut self, _extra: &Map) -> Result<Electrical> {
        Ok(Electrical {
            value: self.volts,
            is_ac: self.is_ac,
        })
    }

    fn get_current(&mut self, _extra: &Map) -> Result<Electrical> {
        Ok(Electrical {
            value: self.current(),
            is_ac: self.is_ac,
        })
    }

    fn get_power(&mut self, _extra: &Map) -> Result<f64> {
        Ok(self.volts * self.current())
    }
}
