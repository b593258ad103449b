//! The modules `cargo xtask bench` runs.
//!
//! `armature:bench:sensor` answers GetReadings with the same three fixed
//! numbers as the floor server and the Python baseline module, so all three
//! send the same message.
//!
//! It answers DoCommand with the command it was sent, as the floor does;
//! `armature:bench:camera` answers GetImages with the floor's frame.
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

    fn do_command(&mut self, command: Map) -> Result<Map> {
        Ok(command)
    }
}

impl Sensor for BenchSensor {
    fn get_readings(&mut self, _extra: &Map) -> Result<Map> {
        Ok(readings! { "temperature" => 21.5, "humidity" => 40.25, "pressure" => 1013.25 })
    }
}

/// The floor's frame (`bench/frame.jpg`).
const FRAME: &[u8] = include_bytes!("../../frame.jpg");

struct BenchCamera;

impl Model for BenchCamera {
    const MODEL: &'static str = "armature:bench:camera";

    fn new(_config: &Config, _deps: Deps) -> Result<Self> {
        Ok(Self)
    }
}

impl Camera for BenchCamera {
    fn get_images(&mut self, _filter: &[String], _extra: &Map) -> Result<Vec<Image>> {
        Ok(vec![Image {
            source_name: "frame".into(),
            mime_type: "image/jpeg".into(),
            data: FRAME.to_vec(),
        }])
    }

    fn get_properties(&mut self) -> Result<CameraProperties> {
        Err(Error::unimplemented("no properties"))
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

armature_guest::export_module!(sensor(BenchSensor), camera(BenchCamera), generic_service(Caller));
