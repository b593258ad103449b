//! `armature:examples:sim-gps`: a GPS on a robot driving in a circle.
//! Attributes: `latitude`, `longitude` (the circle's centre; default a park
//! in New York), `radius_m` (20), `speed_mps` (2).

use std::f64::consts::TAU;
use std::time::Instant;

use armature_guest::prelude::*;

const EARTH_RADIUS_M: f64 = 6_371_000.0;

pub struct SimGps {
    lat: f64,
    lng: f64,
    radius: f64,
    speed: f64,
    start: Instant,
}

impl SimGps {
    /// Angle around the circle, radians.
    fn angle(&self) -> f64 {
        (self.start.elapsed().as_secs_f64() * self.speed / self.radius) % TAU
    }
}

impl Model for SimGps {
    const MODEL: &'static str = "armature:examples:sim-gps";

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let radius: f64 = config.get_or("radius_m", 20.0)?;
        if radius <= 0.0 {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `radius_m` must be positive",
                config.name
            )));
        }
        Ok(Self {
            lat: config.get_or("latitude", 40.7829)?,
            lng: config.get_or("longitude", -73.9654)?,
            radius,
            speed: config.get_or("speed_mps", 2.0)?,
            start: Instant::now(),
        })
    }
}

impl MovementSensor for SimGps {
    fn get_properties(&mut self, _extra: &Map) -> Result<MovementSensorProperties> {
        Ok(MovementSensorProperties {
            linear_velocity_supported: true,
            angular_velocity_supported: true,
            orientation_supported: false,
            position_supported: true,
            compass_heading_supported: true,
            linear_acceleration_supported: false,
        })
    }

    fn get_position(&mut self, _extra: &Map) -> Result<GeoPosition> {
        let a = self.angle();
        let north = self.radius * a.cos();
        let east = self.radius * a.sin();
        Ok(GeoPosition {
            latitude: self.lat + (north / EARTH_RADIUS_M).to_degrees(),
            longitude: self.lng + (east / (EARTH_RADIUS_M * self.lat.to_radians().cos())).to_degrees(),
            altitude_m: 10.0,
        })
    }

    fn get_linear_velocity(&mut self, _extra: &Map) -> Result<Vector3> {
        // Body frame: straight ahead.
        Ok(Vector3 {
            x: 0.0,
            y: self.speed,
            z: 0.0,
        })
    }

    fn get_angular_velocity(&mut self, _extra: &Map) -> Result<Vector3> {
        Ok(Vector3 {
            x: 0.0,
            y: 0.0,
            z: (self.speed / self.radius).to_degrees(),
        })
    }

    fn get_compass_heading(&mut self, _extra: &Map) -> Result<f64> {
        // Tangent to the circle, clockwise seen from above: north at a = 0 heads east.
        Ok(((self.angle() + TAU / 4.0).to_degrees()) % 360.0)
    }

    fn get_accuracy(&mut self, _extra: &Map) -> Result<Accuracy> {
        Ok(Accuracy {
            accuracy: vec![("hdop".into(), 0.9)],
            position_hdop: Some(0.9),
            position_vdop: Some(1.4),
            position_nmea_gga_fix: Some(1),
            compass_degrees_error: Some(2.0),
        })
    }
}
