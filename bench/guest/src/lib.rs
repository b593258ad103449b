//! The modules `cargo xtask bench` runs.
//!
//! `armature:bench:sensor` answers GetReadings with the same three fixed
//! numbers as the floor server and the Python baseline module, so all three
//! send the same message.
//!
//! `armature:bench:caller` (generic service) depends on the sensor named by
//! its `sensor` attribute. DoCommand `{"command": "loop", "n": N}` calls the
//! sensor's get-readings N times through the host and answers
//! `{"n": N, "elapsed_ns": ...}`, timed inside the guest; the benchmark also
//! times the whole DoCommand from outside.

use std::time::Instant;

use armature_guest::prelude::*;

struct BenchSensor;

impl Model for BenchSensor {
    const MODEL: &'static str = "armature:bench:sensor";

    fn new(_config: &Config, _deps: Deps) -> Result<Self> {
        Ok(Self)
    }
}

impl Sensor for BenchSensor {
    fn get_readings(&mut self, _extra: &Map) -> Result<Map> {
        Ok(readings! { "temperature" => 21.5, "humidity" => 40.25, "pressure" => 1013.25 })
    }
}

struct Caller {
    sensor: String,
    deps: Deps,
}

impl Caller {
    fn sensor_name(config: &Config) -> Result<String> {
        config.get("sensor")
    }
}

impl Model for Caller {
    const MODEL: &'static str = "armature:bench:caller";

    fn validate(config: &Config) -> Result<Dependencies> {
        Ok(Dependencies::required([Self::sensor_name(config)?]))
    }

    fn new(config: &Config, deps: Deps) -> Result<Self> {
        Ok(Self {
            sensor: Self::sensor_name(config)?,
            deps,
        })
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("command").and_then(Json::as_str) {
            Some("loop") => {
                let n = command.get("n").and_then(Json::as_u64).unwrap_or(0);
                let sensor = self.deps.require(&self.sensor)?;
                let extra = Map::new();
                let started = Instant::now();
                for _ in 0..n {
                    sensor.get_readings(&extra)?;
                }
                let elapsed_ns = started.elapsed().as_nanos() as u64;
                Ok(readings! { "n" => n, "elapsed_ns" => elapsed_ns })
            }
            other => Err(Error::invalid_argument(format!(
                "unknown command {other:?}; try {{\"command\": \"loop\", \"n\": 1000}}"
            ))),
        }
    }
}

armature_guest::export_module!(sensor(BenchSensor), generic_service(Caller));
