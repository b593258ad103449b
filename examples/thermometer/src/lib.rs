//! A simulated thermometer. Its readings come from its attributes:
//!
//! ```json
//! { "name": "temp-1", "api": "rdk:component:sensor",
//!   "model": "armature:examples:thermometer",
//!   "attributes": { "celsius": 21.5, "humidity": 40 } }
//! ```
//!
//! DoCommand `{"command": "set", "celsius": 42.5}` changes the temperature,
//! and `{"command": "stats"}` says how often it has been read.

use armature_guest::prelude::*;

struct Thermometer {
    celsius: f64,
    humidity: f64,
    reads: u64,
}

impl Model for Thermometer {
    const MODEL: &'static str = "armature:examples:thermometer";

    fn validate(config: &Config) -> Result<Dependencies> {
        Self::new(config, Deps::default())?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let humidity: f64 = config.get_or("humidity", 40.0)?;
        if !(0.0..=100.0).contains(&humidity) {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `humidity` must be within 0..=100, got {humidity}",
                config.name
            )));
        }
        Ok(Self {
            celsius: config.get_or("celsius", 21.0)?,
            humidity,
            reads: 0,
        })
    }

    fn reconfigure(&mut self, config: &Config, deps: Deps) -> Result<Reconfigured> {
        let fresh = Self::new(config, deps)?;
        *self = Self {
            reads: self.reads,
            ..fresh
        };
        Ok(Reconfigured::Applied)
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("command").and_then(Json::as_str) {
            Some("set") => {
                if let Some(c) = command.get("celsius").and_then(Json::as_f64) {
                    self.celsius = c;
                }
                Ok(readings! { "celsius" => self.celsius })
            }
            Some("stats") => Ok(readings! { "reads" => self.reads }),
            other => Err(Error::invalid_argument(format!("unknown command {other:?}"))),
        }
    }
}

impl Sensor for Thermometer {
    fn get_readings(&mut self, _extra: &Map) -> Result<Map> {
        self.reads += 1;
        Ok(readings! { "temperature" => self.celsius, "humidity" => self.humidity })
    }
}

armature_guest::export_module!(sensor(Thermometer));
