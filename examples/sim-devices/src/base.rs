//! `armature:examples:sim-base`: a wheeled base whose position and heading
//! follow its commands over time. It starts at (0, 0) facing +y, Viam's
//! forward; the heading counts degrees turned, positive to the left
//! (counter-clockwise seen from above), unwrapped. DoCommand
//! `{"get_pose": true}` answers `{"x_mm", "y_mm", "heading_deg"}`.
//!
//! Attributes: `width_mm` (400), `turning_radius_mm` (0),
//! `wheel_circumference_mm` (220), `max_speed_mm_per_sec` (500),
//! `max_degs_per_sec` (180).

use std::time::Instant;

use armature_guest::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Drive {
    Idle,
    /// Straight ahead (negative: backwards) until `left_mm` is covered.
    Straight {
        left_mm: f64,
        mm_per_sec: f64,
    },
    /// Turning in place until `left_deg` is covered.
    Spin {
        left_deg: f64,
        degs_per_sec: f64,
    },
    /// Until told otherwise: forward mm/s and counter-clockwise degrees/s.
    Velocity {
        mm_per_sec: f64,
        degs_per_sec: f64,
    },
}

struct Settings {
    width_mm: f64,
    turning_radius_mm: f64,
    wheel_circumference_mm: f64,
    max_speed_mm_per_sec: f64,
    max_degs_per_sec: f64,
}

impl Settings {
    fn from_config(config: &Config) -> Result<Self> {
        let s = Settings {
            width_mm: config.get_or("width_mm", 400.0)?,
            turning_radius_mm: config.get_or("turning_radius_mm", 0.0)?,
            wheel_circumference_mm: config.get_or("wheel_circumference_mm", 220.0)?,
            max_speed_mm_per_sec: config.get_or("max_speed_mm_per_sec", 500.0)?,
            max_degs_per_sec: config.get_or("max_degs_per_sec", 180.0)?,
        };
        for (key, v, zero_ok) in [
            ("width_mm", s.width_mm, false),
            ("turning_radius_mm", s.turning_radius_mm, true),
            ("wheel_circumference_mm", s.wheel_circumference_mm, false),
            ("max_speed_mm_per_sec", s.max_speed_mm_per_sec, false),
            ("max_degs_per_sec", s.max_degs_per_sec, false),
        ] {
            if !v.is_finite() || v < 0.0 || (v == 0.0 && !zero_ok) {
                return Err(Error::invalid_argument(format!(
                    "resource {:?}: attribute `{key}` must be a positive number, got {v}",
                    config.name
                )));
            }
        }
        Ok(s)
    }
}

pub struct SimBase {
    settings: Settings,
    x_mm: f64,
    y_mm: f64,
    heading_deg: f64,
    drive: Drive,
    updated: Instant,
}

impl SimBase {
    /// Brings position and heading up to now.
    fn advance(&mut self) {
        let now = Instant::now();
        let secs = now.duration_since(self.updated).as_secs_f64();
        self.updated = now;
        match self.drive {
            Drive::Idle => {}
            Drive::Straight { left_mm, mm_per_sec } => {
                let step = (mm_per_sec.abs() * secs).min(left_mm);
                self.forward(step * mm_per_sec.signum());
                let left_mm = left_mm - step;
                self.drive = match left_mm > 0.0 {
                    true => Drive::Straight { left_mm, mm_per_sec },
                    false => Drive::Idle,
                };
            }
            Drive::Spin { left_deg, degs_per_sec } => {
                let step = (degs_per_sec.abs() * secs).min(left_deg);
                self.turn(step * degs_per_sec.signum());
                let left_deg = left_deg - step;
                self.drive = match left_deg > 0.0 {
                    true => Drive::Spin { left_deg, degs_per_sec },
                    false => Drive::Idle,
                };
            }
            Drive::Velocity {
                mm_per_sec,
                degs_per_sec,
            } => {
                // Small steps, so that an arc stays an arc.
                let steps = (secs / 0.01).ceil().max(1.0);
                for _ in 0..steps as u32 {
                    self.forward(mm_per_sec * secs / steps);
                    self.turn(degs_per_sec * secs / steps);
                }
            }
        }
    }

    /// Forward at heading h is (-sin h, cos h): heading 0 faces +y.
    fn forward(&mut self, mm: f64) {
        let h = self.heading_deg.to_radians();
        self.x_mm -= mm * h.sin();
        self.y_mm += mm * h.cos();
    }

    fn turn(&mut self, deg: f64) {
        self.heading_deg += deg;
    }

    fn speed(&self, what: &str, v: f64, max: f64) -> Result<f64> {
        if v.abs() > max {
            return Err(Error::out_of_range(format!(
                "{what} {v} exceeds the base's maximum of {max}"
            )));
        }
        Ok(v)
    }
}

impl Model for SimBase {
    const MODEL: &'static str = "armature:examples:sim-base";

    fn validate(config: &Config) -> Result<Dependencies> {
        Settings::from_config(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        Ok(Self {
            settings: Settings::from_config(config)?,
            x_mm: 0.0,
            y_mm: 0.0,
            heading_deg: 0.0,
            drive: Drive::Idle,
            updated: Instant::now(),
        })
    }

    fn reconfigure(&mut self, config: &Config, _deps: Deps) -> Result<Reconfigured> {
        self.advance();
        self.settings = Settings::from_config(config)?;
        Ok(Reconfigured::Applied)
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        if command.get("get_pose").and_then(Json::as_bool) != Some(true) {
            return Err(Error::unimplemented("the sim base knows only {\"get_pose\": true}"));
        }
        self.advance();
        Ok(readings! {
            "x_mm" => self.x_mm,
            "y_mm" => self.y_mm,
            "heading_deg" => self.heading_deg,
        })
    }
}

impl Base for SimBase {
    fn move_straight(&mut self, distance_mm: i64, mm_per_sec: f64, _extra: &Map) -> Result<()> {
        self.advance();
        let speed = self.speed("mm_per_sec", mm_per_sec, self.settings.max_speed_mm_per_sec)?;
        // Viam: a distance or a speed of 0 stops; either negative goes back.
        self.drive = match distance_mm == 0 || speed == 0.0 {
            true => Drive::Idle,
            false => Drive::Straight {
                left_mm: distance_mm.unsigned_abs() as f64,
                mm_per_sec: speed.abs() * (distance_mm.signum() as f64) * speed.signum(),
            },
        };
        Ok(())
    }

    fn spin(&mut self, angle_deg: f64, degs_per_sec: f64, _extra: &Map) -> Result<()> {
        self.advance();
        let rate = self.speed("degs_per_sec", degs_per_sec, self.settings.max_degs_per_sec)?;
        self.drive = match angle_deg == 0.0 || rate == 0.0 {
            true => Drive::Idle,
            false => Drive::Spin {
                left_deg: angle_deg.abs(),
                degs_per_sec: rate.abs() * angle_deg.signum() * rate.signum(),
            },
        };
        Ok(())
    }

    fn set_power(&mut self, linear: Vector3, angular: Vector3, _extra: &Map) -> Result<()> {
        self.advance();
        self.drive = Drive::Velocity {
            mm_per_sec: linear.y * self.settings.max_speed_mm_per_sec,
            degs_per_sec: angular.z * self.settings.max_degs_per_sec,
        };
        if linear.y == 0.0 && angular.z == 0.0 {
            self.drive = Drive::Idle;
        }
        Ok(())
    }

    fn set_velocity(&mut self, linear: Vector3, angular: Vector3, _extra: &Map) -> Result<()> {
        self.advance();
        let mm_per_sec = self.speed("linear.y", linear.y, self.settings.max_speed_mm_per_sec)?;
        let degs_per_sec = self.speed("angular.z", angular.z, self.settings.max_degs_per_sec)?;
        self.drive = match mm_per_sec == 0.0 && degs_per_sec == 0.0 {
            true => Drive::Idle,
            false => Drive::Velocity {
                mm_per_sec,
                degs_per_sec,
            },
        };
        Ok(())
    }

    fn stop(&mut self, _extra: &Map) -> Result<()> {
        self.advance();
        self.drive = Drive::Idle;
        Ok(())
    }

    fn is_moving(&mut self) -> Result<bool> {
        self.advance();
        Ok(self.drive != Drive::Idle)
    }

    fn get_properties(&mut self, _extra: &Map) -> Result<BaseProperties> {
        Ok(BaseProperties {
            width_meters: self.settings.width_mm / 1000.0,
            turning_radius_meters: self.settings.turning_radius_mm / 1000.0,
            wheel_circumference_meters: self.settings.wheel_circumference_mm / 1000.0,
        })
    }
}
