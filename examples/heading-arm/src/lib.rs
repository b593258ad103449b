//! `armature:examples:heading-arm`: a logic service in the seed's words — a
//! movement sensor reports, and an arm adjusts. Every `poll_ms` it reads the
//! compass heading of `sensor` (a movement sensor) and, when it has changed
//! by more than `deadband_deg`, turns the waist of `arm` to face it, keeping
//! the shoulder and elbow at `shoulder_deg` and `elbow_deg`. Both are typed
//! calls on its dependencies, through the host.
//!
//! Attributes: `sensor` and `arm` (names, required), `poll_ms` (100),
//! `deadband_deg` (1), `shoulder_deg` (30), `elbow_deg` (-30),
//! `limit_deg` (170: the waist turns within ±).
//!
//! DoCommand `{"status": true}` answers `{"heading", "commanded", "moves",
//! "last_error"}`.

use std::time::Duration;

use armature_guest::prelude::*;

struct Settings {
    sensor: String,
    arm: String,
    poll: Duration,
    deadband: f64,
    shoulder: f64,
    elbow: f64,
    limit: f64,
}

impl Settings {
    fn from_config(config: &Config) -> Result<Self> {
        let s = Settings {
            sensor: config.get("sensor")?,
            arm: config.get("arm")?,
            poll: Duration::from_millis(config.get_or("poll_ms", 100)?),
            deadband: config.get_or("deadband_deg", 1.0)?,
            shoulder: config.get_or("shoulder_deg", 30.0)?,
            elbow: config.get_or("elbow_deg", -30.0)?,
            limit: config.get_or("limit_deg", 170.0)?,
        };
        if !(s.limit > 0.0 && s.limit <= 180.0) {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `limit_deg` must be within (0, 180], got {}",
                config.name, s.limit
            )));
        }
        Ok(s)
    }
}

pub struct HeadingArm {
    settings: Settings,
    deps: Deps,
    heading: Option<f64>,
    commanded: Option<Vec<f64>>,
    moves: u64,
    last_error: Option<String>,
}

impl HeadingArm {
    /// The waist angle facing `heading` (compass degrees, clockwise from
    /// north): the waist turns counter-clockwise, so it is the heading's
    /// negative, folded into ±180 and held within the limit.
    fn waist(&self, heading: f64) -> f64 {
        let ccw = (-heading).rem_euclid(360.0);
        let folded = if ccw > 180.0 { ccw - 360.0 } else { ccw };
        folded.clamp(-self.settings.limit, self.settings.limit)
    }

    fn follow(&mut self) -> Result<()> {
        let heading = self
            .deps
            .movement_sensor(&self.settings.sensor)?
            .get_compass_heading()?;
        self.heading = Some(heading);
        let goal = vec![self.waist(heading), self.settings.shoulder, self.settings.elbow];
        let far = match &self.commanded {
            Some(last) => (last[0] - goal[0]).abs() > self.settings.deadband,
            None => true,
        };
        if far {
            self.deps.arm(&self.settings.arm)?.move_to_joint_positions(&goal)?;
            self.commanded = Some(goal);
            self.moves += 1;
        }
        Ok(())
    }
}

impl Model for HeadingArm {
    const MODEL: &'static str = "armature:examples:heading-arm";

    fn validate(config: &Config) -> Result<Dependencies> {
        let s = Settings::from_config(config)?;
        Ok(Dependencies::required([s.sensor, s.arm]))
    }

    fn new(config: &Config, deps: Deps) -> Result<Self> {
        let settings = Settings::from_config(config)?;
        // Checked now, so that a wrong dependency is a construct error
        // naming it, not a failing tick.
        deps.movement_sensor(&settings.sensor)?;
        deps.arm(&settings.arm)?;
        armature_guest::tick_every(settings.poll);
        Ok(Self {
            settings,
            deps,
            heading: None,
            commanded: None,
            moves: 0,
            last_error: None,
        })
    }

    fn tick(&mut self) -> Result<()> {
        match self.follow() {
            Ok(()) => self.last_error = None,
            Err(e) => self.last_error = Some(e.message),
        }
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        armature_guest::info!("closed after {} moves", self.moves);
        Ok(())
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        if command.get("status").and_then(Json::as_bool) != Some(true) {
            return Err(Error::invalid_argument("heading-arm knows only {\"status\": true}"));
        }
        Ok(readings! {
            "heading" => self.heading,
            "commanded" => self.commanded,
            "moves" => self.moves,
            "last_error" => self.last_error,
        })
    }
}

armature_guest::export_module!(generic_service(HeadingArm));
