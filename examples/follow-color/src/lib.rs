//! `armature:examples:follow-color`: the seed's robot — a camera sees
//! something, and a base responds. Every `poll_ms` it asks a vision service
//! for detections in a camera's image and steers a base toward the largest:
//! it turns toward it while it is off centre, drives toward it while it is
//! small, and stops when it is close or nothing is seen. All three are
//! typed calls on its dependencies, each in its own sandbox.
//!
//! Attributes: `camera`, `vision`, `base` (names, required); `poll_ms`
//! (100); `speed_mm_per_sec` (200), forward while the target is small;
//! `turn_degs_per_sec` (60), the fastest turn, for a target at the image's
//! edge; `deadband_pct` (0.05), centred within this share of the width;
//! `stop_area_pct` (0.1), close once the target's box fills this share of
//! the image.
//!
//! Safety: when the camera or the vision service fails it stops the base.
//! When the base stops while it was driving it (StopAll, a lapsed session,
//! another client's Stop) it pauses rather than drive again, until DoCommand
//! `{"command": "resume"}`. DoCommand `{"command": "status"}` answers what
//! it sees and does: `{"state", "seen", "linear_mm_per_sec",
//! "angular_degs_per_sec", "ticks", "last_error"}`; `{"command":
//! "timings"}` hands over (and forgets) how long the last ticks took, by
//! the guest's clock: `{"vision_ms": [..], "base_ms": [..], "tick_ms":
//! [..]}` (`base_ms` only for the ticks that commanded the base).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use armature_guest::prelude::*;

struct Settings {
    camera: String,
    vision: String,
    base: String,
    poll: Duration,
    speed: f64,
    turn: f64,
    deadband: f64,
    stop_area: f64,
}

impl Settings {
    fn from_config(config: &Config) -> Result<Self> {
        let s = Settings {
            camera: config.get("camera")?,
            vision: config.get("vision")?,
            base: config.get("base")?,
            poll: Duration::from_millis(config.get_or("poll_ms", 100)?),
            speed: config.get_or("speed_mm_per_sec", 200.0)?,
            turn: config.get_or("turn_degs_per_sec", 60.0)?,
            deadband: config.get_or("deadband_pct", 0.05)?,
            stop_area: config.get_or("stop_area_pct", 0.1)?,
        };
        let bad = |field: &str, why: &str, v: f64| {
            Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `{field}` {why}, got {v}",
                config.name
            )))
        };
        if s.poll < Duration::from_millis(10) {
            return bad("poll_ms", "must be at least 10", s.poll.as_millis() as f64);
        }
        for (field, v) in [("speed_mm_per_sec", s.speed), ("turn_degs_per_sec", s.turn)] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(field, "must be a number ≥ 0", v);
            }
        }
        for (field, v) in [("deadband_pct", s.deadband), ("stop_area_pct", s.stop_area)] {
            if !(0.0..=1.0).contains(&v) {
                return bad(field, "must be within [0, 1]", v);
            }
        }
        Ok(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Nothing seen: the base is still.
    Idle,
    /// Turning or driving toward what it sees.
    Following,
    /// Close to what it sees, and centred on it: the base is still.
    Arrived,
    /// The base stopped while driven: waits for `resume`.
    Paused,
    /// The camera or the vision service failed: the base was stopped.
    Failed,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Following => "following",
            State::Arrived => "arrived",
            State::Paused => "paused",
            State::Failed => "failed",
        }
    }
}

/// The largest detection, as shares of the image.
#[derive(Debug, Clone)]
struct Seen {
    label: String,
    /// Centre, 0 (left) to 1 (right).
    x: f64,
    /// Share of the image its box fills.
    area: f64,
    confidence: f64,
}

impl Seen {
    fn largest(detections: Vec<Detection>) -> Result<Option<Seen>> {
        let mut best: Option<Seen> = None;
        for d in detections {
            let (Some(x0), Some(y0), Some(x1), Some(y1)) = (
                d.x_min_normalized,
                d.y_min_normalized,
                d.x_max_normalized,
                d.y_max_normalized,
            ) else {
                return Err(Error::failed_precondition(
                    "the vision service answers boxes without their normalized corners",
                ));
            };
            let seen = Seen {
                label: d.class_name,
                x: (x0 + x1) / 2.0,
                area: (x1 - x0).abs() * (y1 - y0).abs(),
                confidence: d.confidence,
            };
            if best.as_ref().is_none_or(|b| seen.area > b.area) {
                best = Some(seen);
            }
        }
        Ok(best)
    }
}

pub struct FollowColor {
    settings: Settings,
    deps: Deps,
    state: State,
    seen: Option<Seen>,
    /// The velocity last commanded: forward mm/s, counter-clockwise deg/s.
    command: (f64, f64),
    ticks: u64,
    last_error: Option<String>,
    timings: VecDeque<Timing>,
}

/// One tick, by the guest's clock.
struct Timing {
    vision_ms: f64,
    base_ms: Option<f64>,
    tick_ms: f64,
}

/// Ticks kept for `timings`: a minute and more at 10 a second.
const TIMINGS_KEPT: usize = 1024;

impl FollowColor {
    fn base_moves(&self) -> bool {
        self.command != (0.0, 0.0)
    }

    /// Stops the base if this service set it moving. The command is
    /// forgotten only once the stop went through: a failed stop is tried
    /// again on the next tick.
    fn halt(&mut self) -> Result<()> {
        if self.base_moves() {
            self.deps.base(&self.settings.base)?.stop()?;
            self.command = (0.0, 0.0);
        }
        Ok(())
    }

    /// Whether the base this service drives was stopped by someone else
    /// (StopAll, a lapsed session, a client's Stop): then it pauses rather
    /// than drive again. Not knowing is a failure, and the base is stopped.
    fn stopped_from_outside(&mut self) -> Result<bool> {
        if !self.base_moves() {
            return Ok(false);
        }
        match self.deps.base(&self.settings.base).and_then(|b| b.is_moving()) {
            Ok(true) => Ok(false),
            Ok(false) => {
                self.command = (0.0, 0.0);
                self.state = State::Paused;
                armature_guest::warn!(
                    "base {:?} was stopped from outside while followed: paused until {{\"command\": \"resume\"}}",
                    self.settings.base
                );
                Ok(true)
            }
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    /// The camera, the vision service or the base failed: the base is
    /// stopped (tried again every tick until it is), and the log says so once.
    fn fail(&mut self, e: &Error) {
        if self.state != State::Failed {
            armature_guest::warn!("following failed, the base is stopped: {}", e.message);
        }
        self.state = State::Failed;
        self.seen = None;
        if let Err(stop) = self.halt() {
            armature_guest::warn!("stopping base {:?} failed: {}", self.settings.base, stop.message);
        }
    }

    fn steer(&self, seen: &Seen) -> (f64, f64) {
        let s = &self.settings;
        let offset = seen.x - 0.5;
        // Left of centre (offset < 0) turns left: counter-clockwise, positive.
        let angular = match offset.abs() > s.deadband {
            true => (-2.0 * offset * s.turn).clamp(-s.turn, s.turn),
            false => 0.0,
        };
        let linear = match seen.area < s.stop_area {
            true => s.speed,
            false => 0.0,
        };
        (linear, angular)
    }

    fn follow(&mut self) -> Result<()> {
        if self.state == State::Paused || self.stopped_from_outside()? {
            return Ok(());
        }
        let started = Instant::now();
        let detections = self
            .deps
            .vision(&self.settings.vision)
            .and_then(|v| v.get_detections_from_camera(&self.settings.camera))
            .and_then(Seen::largest);
        let vision_ms = started.elapsed().as_secs_f64() * 1e3;
        let seen = match detections {
            Ok(seen) => seen,
            Err(e) => {
                self.fail(&e);
                return Err(e);
            }
        };
        let (linear, angular) = match &seen {
            Some(s) => self.steer(s),
            None => (0.0, 0.0),
        };
        self.state = match (&seen, linear == 0.0 && angular == 0.0) {
            (None, _) => State::Idle,
            (Some(_), true) => State::Arrived,
            (Some(_), false) => State::Following,
        };
        self.seen = seen;
        let before_base = Instant::now();
        let commanded = if (linear, angular) == (0.0, 0.0) {
            let moving = self.base_moves();
            self.halt()?;
            moving
        } else if (linear, angular) != self.command {
            // The vision call took time: a stop may have come meanwhile,
            // and must not be undone.
            if self.stopped_from_outside()? {
                return Ok(());
            }
            let linear_v = Vector3 {
                x: 0.0,
                y: linear,
                z: 0.0,
            };
            let angular_v = Vector3 {
                x: 0.0,
                y: 0.0,
                z: angular,
            };
            if let Err(e) = self.deps.base(&self.settings.base)?.set_velocity(linear_v, angular_v) {
                self.fail(&e);
                return Err(e);
            }
            self.command = (linear, angular);
            true
        } else {
            false
        };
        if self.timings.len() == TIMINGS_KEPT {
            self.timings.pop_front();
        }
        self.timings.push_back(Timing {
            vision_ms,
            base_ms: commanded.then(|| before_base.elapsed().as_secs_f64() * 1e3),
            tick_ms: started.elapsed().as_secs_f64() * 1e3,
        });
        Ok(())
    }
}

impl Model for FollowColor {
    const MODEL: &'static str = "armature:examples:follow-color";

    fn validate(config: &Config) -> Result<Dependencies> {
        let s = Settings::from_config(config)?;
        Ok(Dependencies::required([s.camera, s.vision, s.base]))
    }

    fn new(config: &Config, deps: Deps) -> Result<Self> {
        let settings = Settings::from_config(config)?;
        // A dependency of the wrong API is a construct error naming it.
        deps.camera(&settings.camera)?;
        deps.vision(&settings.vision)?;
        deps.base(&settings.base)?;
        armature_guest::tick_every(settings.poll);
        Ok(Self {
            settings,
            deps,
            state: State::Idle,
            seen: None,
            command: (0.0, 0.0),
            ticks: 0,
            last_error: None,
            timings: VecDeque::new(),
        })
    }

    fn tick(&mut self) -> Result<()> {
        self.ticks += 1;
        match self.follow() {
            Ok(()) => self.last_error = None,
            Err(e) => self.last_error = Some(e.message),
        }
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        self.halt()
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("command").and_then(Json::as_str) {
            Some("status") => Ok(readings! {
                "state" => self.state.name(),
                "seen" => self.seen.as_ref().map(|s| json!({
                    "label": s.label, "x": s.x, "area": s.area, "confidence": s.confidence,
                })),
                "linear_mm_per_sec" => self.command.0,
                "angular_degs_per_sec" => self.command.1,
                "ticks" => self.ticks,
                "last_error" => self.last_error,
            }),
            Some("timings") => {
                let taken: Vec<Timing> = self.timings.drain(..).collect();
                Ok(readings! {
                    "vision_ms" => taken.iter().map(|t| t.vision_ms).collect::<Vec<_>>(),
                    "base_ms" => taken.iter().filter_map(|t| t.base_ms).collect::<Vec<_>>(),
                    "tick_ms" => taken.iter().map(|t| t.tick_ms).collect::<Vec<_>>(),
                })
            }
            Some("resume") => {
                if self.state == State::Paused {
                    self.state = State::Idle;
                }
                Ok(Map::new())
            }
            other => Err(Error::invalid_argument(format!(
                "unknown command {other:?} (follow-color knows \"status\", \"timings\" and \"resume\")"
            ))),
        }
    }
}

armature_guest::export_module!(generic_service(FollowColor));
