//! `armature:examples:sim-arm`: a three-joint arm — a waist turning about
//! z, a shoulder and an elbow pitching — with forward kinematics for its end
//! pose and inverse kinematics for `move_to_position`. Joints move together
//! at `degs_per_sec` and arrive at the same time; `move_through_joint_positions`
//! visits each set in turn.
//!
//! Attributes: `base_height_mm` (100), `upper_arm_mm` (300), `forearm_mm`
//! (250), `degs_per_sec` (90), `joint_limit_deg` (170, each joint within ±).

use std::collections::VecDeque;
use std::time::Instant;

use armature_guest::prelude::*;

const JOINTS: usize = 3;

struct Geometry {
    base_height: f64,
    upper_arm: f64,
    forearm: f64,
    speed: f64,
    limit: f64,
}

impl Geometry {
    fn from_config(config: &Config) -> Result<Self> {
        let g = Geometry {
            base_height: config.get_or("base_height_mm", 100.0)?,
            upper_arm: config.get_or("upper_arm_mm", 300.0)?,
            forearm: config.get_or("forearm_mm", 250.0)?,
            speed: config.get_or("degs_per_sec", 90.0)?,
            limit: config.get_or("joint_limit_deg", 170.0)?,
        };
        for (key, v) in [
            ("upper_arm_mm", g.upper_arm),
            ("forearm_mm", g.forearm),
            ("degs_per_sec", g.speed),
            ("joint_limit_deg", g.limit),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::invalid_argument(format!(
                    "resource {:?}: attribute `{key}` must be a positive number, got {v}",
                    config.name
                )));
            }
        }
        Ok(g)
    }

    /// The end effector's pose: position from the joint angles, orientation
    /// along the forearm.
    fn end_pose(&self, j: &[f64; JOINTS]) -> Pose {
        let (waist, shoulder, elbow) = (j[0].to_radians(), j[1].to_radians(), (j[1] + j[2]).to_radians());
        let reach = self.upper_arm * shoulder.cos() + self.forearm * elbow.cos();
        let height = self.base_height + self.upper_arm * shoulder.sin() + self.forearm * elbow.sin();
        Pose {
            x: reach * waist.cos(),
            y: reach * waist.sin(),
            z: height,
            o_x: elbow.cos() * waist.cos(),
            o_y: elbow.cos() * waist.sin(),
            o_z: elbow.sin(),
            theta: 0.0,
        }
    }

    /// Joint angles putting the end effector at (x, y, z), elbow up; the
    /// orientation of `to` cannot be chosen with three joints and is ignored.
    fn solve(&self, to: &Pose) -> Result<[f64; JOINTS]> {
        let reach = to.x.hypot(to.y);
        let height = to.z - self.base_height;
        let (a, b) = (self.upper_arm, self.forearm);
        let cos_elbow = (reach * reach + height * height - a * a - b * b) / (2.0 * a * b);
        if !(-1.0..=1.0).contains(&cos_elbow) {
            return Err(Error::out_of_range(format!(
                "({:.1}, {:.1}, {:.1}) mm is out of the arm's reach of {:.1} mm",
                to.x,
                to.y,
                to.z,
                a + b
            )));
        }
        let elbow = -(1.0 - cos_elbow * cos_elbow).sqrt().atan2(cos_elbow);
        let shoulder = height.atan2(reach) - (b * elbow.sin()).atan2(a + b * elbow.cos());
        Ok([to.y.atan2(to.x).to_degrees(), shoulder.to_degrees(), elbow.to_degrees()])
    }

    /// Viam's kinematic parameter format (SVA) for this arm.
    fn kinematics(&self) -> Vec<u8> {
        let link = |id: &str, parent: &str, z: f64, x: f64| json!({"id": id, "parent": parent, "translation": {"x": x, "y": 0, "z": z}});
        let joint = |id: &str, parent: &str, axis: [f64; 3]| {
            json!({"id": id, "type": "revolute", "parent": parent,
                   "axis": {"x": axis[0], "y": axis[1], "z": axis[2]},
                   "min": -self.limit, "max": self.limit})
        };
        let model = json!({
            "name": "sim-arm",
            "links": [
                link("base_link", "world", self.base_height, 0.0),
                link("upper_arm_link", "shoulder", 0.0, self.upper_arm),
                link("forearm_link", "elbow", 0.0, self.forearm),
            ],
            "joints": [
                joint("waist", "base_link", [0.0, 0.0, 1.0]),
                joint("shoulder", "waist", [0.0, -1.0, 0.0]),
                joint("elbow", "upper_arm_link", [0.0, -1.0, 0.0]),
            ],
        });
        model.to_string().into_bytes()
    }
}

pub struct SimArm {
    geometry: Geometry,
    joints: [f64; JOINTS],
    /// Where the joints are headed, in order; the first is the current goal.
    goals: VecDeque<[f64; JOINTS]>,
    updated: Instant,
}

impl SimArm {
    /// Brings the joints up to now.
    fn advance(&mut self) {
        let now = Instant::now();
        let mut budget = now.duration_since(self.updated).as_secs_f64() * self.geometry.speed;
        self.updated = now;
        while let Some(goal) = self.goals.front().copied() {
            let far = (0..JOINTS)
                .map(|i| (goal[i] - self.joints[i]).abs())
                .fold(0.0, f64::max);
            if far <= budget {
                self.joints = goal;
                self.goals.pop_front();
                budget -= far;
                continue;
            }
            // All joints arrive together: each covers its share of the way.
            let fraction = budget / far;
            for (joint, to) in self.joints.iter_mut().zip(goal) {
                *joint += (to - *joint) * fraction;
            }
            break;
        }
    }

    fn checked(&self, positions: &[f64]) -> Result<[f64; JOINTS]> {
        let joints: [f64; JOINTS] = positions.try_into().map_err(|_| {
            Error::invalid_argument(format!(
                "{} joint positions given, the arm has {JOINTS}",
                positions.len()
            ))
        })?;
        for (i, p) in joints.iter().enumerate() {
            if p.abs() > self.geometry.limit {
                return Err(Error::out_of_range(format!(
                    "joint {i} position {p}° is beyond the limit of ±{}°",
                    self.geometry.limit
                )));
            }
        }
        Ok(joints)
    }
}

impl Model for SimArm {
    const MODEL: &'static str = "armature:examples:sim-arm";

    fn validate(config: &Config) -> Result<Dependencies> {
        Geometry::from_config(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        Ok(Self {
            geometry: Geometry::from_config(config)?,
            joints: [0.0; JOINTS],
            goals: VecDeque::new(),
            updated: Instant::now(),
        })
    }

    fn reconfigure(&mut self, config: &Config, _deps: Deps) -> Result<Reconfigured> {
        self.advance();
        self.geometry = Geometry::from_config(config)?;
        Ok(Reconfigured::Applied)
    }
}

impl Arm for SimArm {
    fn get_end_position(&mut self, _extra: &Map) -> Result<Pose> {
        self.advance();
        Ok(self.geometry.end_pose(&self.joints))
    }

    fn move_to_position(&mut self, to: Pose, _extra: &Map) -> Result<()> {
        self.advance();
        let goal = self.geometry.solve(&to)?;
        let goal = self.checked(&goal)?;
        self.goals = VecDeque::from([goal]);
        Ok(())
    }

    fn get_joint_positions(&mut self, _extra: &Map) -> Result<JointPositions> {
        self.advance();
        Ok(self.joints.to_vec())
    }

    fn move_to_joint_positions(&mut self, positions: JointPositions, _extra: &Map) -> Result<()> {
        self.advance();
        let goal = self.checked(&positions)?;
        self.goals = VecDeque::from([goal]);
        Ok(())
    }

    fn move_through_joint_positions(
        &mut self,
        positions: Vec<JointPositions>,
        _options: Option<MoveOptions>,
        _extra: &Map,
    ) -> Result<()> {
        self.advance();
        let goals = positions.iter().map(|p| self.checked(p)).collect::<Result<_>>()?;
        self.goals = goals;
        Ok(())
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

    fn get_kinematics(&mut self, _extra: &Map) -> Result<Kinematics> {
        Ok(Kinematics {
            format: KinematicsFormat::Sva,
            data: self.geometry.kinematics(),
        })
    }
}
