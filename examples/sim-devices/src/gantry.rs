//! `armature:examples:sim-gantry`: linear axes, each moving at the speed it
//! is given, that home to 0 at `home_mm_per_sec`.
//!
//! Attributes: `lengths_mm` ([500, 500, 200]), `home_mm_per_sec` (100).

use std::time::Instant;

use armature_guest::prelude::*;

pub struct SimGantry {
    lengths: Vec<f64>,
    home_speed: f64,
    positions: Vec<f64>,
    /// Per axis: where it goes and at what speed; empty when still.
    goals: Vec<(f64, f64)>,
    updated: Instant,
}

impl SimGantry {
    fn settings(config: &Config) -> Result<(Vec<f64>, f64)> {
        let lengths: Vec<f64> = config.get_or("lengths_mm", vec![500.0, 500.0, 200.0])?;
        let home: f64 = config.get_or("home_mm_per_sec", 100.0)?;
        if lengths.is_empty() || lengths.iter().any(|l| !(*l > 0.0 && l.is_finite())) {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `lengths_mm` must list one positive length per axis, got {lengths:?}",
                config.name
            )));
        }
        if !(home > 0.0 && home.is_finite()) {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `home_mm_per_sec` must be positive, got {home}",
                config.name
            )));
        }
        Ok((lengths, home))
    }

    fn advance(&mut self) {
        let now = Instant::now();
        let secs = now.duration_since(self.updated).as_secs_f64();
        self.updated = now;
        if self.goals.is_empty() {
            return;
        }
        let mut arrived = true;
        for (p, (goal, speed)) in self.positions.iter_mut().zip(&self.goals) {
            let step = speed.abs() * secs;
            let left = goal - *p;
            if left.abs() <= step {
                *p = *goal;
            } else {
                *p += step * left.signum();
                arrived = false;
            }
        }
        if arrived {
            self.goals.clear();
        }
    }
}

impl Model for SimGantry {
    const MODEL: &'static str = "armature:examples:sim-gantry";

    fn validate(config: &Config) -> Result<Dependencies> {
        Self::settings(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let (lengths, home_speed) = Self::settings(config)?;
        Ok(Self {
            positions: vec![0.0; lengths.len()],
            lengths,
            home_speed,
            goals: Vec::new(),
            updated: Instant::now(),
        })
    }
}

impl Gantry for SimGantry {
    fn get_position(&mut self, _extra: &Map) -> Result<Vec<f64>> {
        self.advance();
        Ok(self.positions.clone())
    }

    fn move_to_position(&mut self, positions_mm: Vec<f64>, speeds_mm_per_sec: Vec<f64>, _extra: &Map) -> Result<()> {
        self.advance();
        if let Some(i) = speeds_mm_per_sec.iter().position(|s| *s <= 0.0) {
            return Err(Error::invalid_argument(format!(
                "speeds_mm_per_sec[{i}] must be positive, got {}",
                speeds_mm_per_sec[i]
            )));
        }
        self.goals = positions_mm.into_iter().zip(speeds_mm_per_sec).collect();
        Ok(())
    }

    fn home(&mut self, _extra: &Map) -> Result<()> {
        self.advance();
        self.goals = vec![(0.0, self.home_speed); self.lengths.len()];
        Ok(())
    }

    fn get_lengths(&mut self, _extra: &Map) -> Result<Vec<f64>> {
        Ok(self.lengths.clone())
    }

    fn stop(&mut self, _extra: &Map) -> Result<()> {
        self.advance();
        self.goals.clear();
        Ok(())
    }

    fn is_moving(&mut self) -> Result<bool> {
        self.advance();
        Ok(!self.goals.is_empty())
    }
}
