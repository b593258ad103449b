//! The traits of the APIs contract 0.2.0 added: arm, base, gripper, gantry,
//! power sensor, switch, button and the vision service. As in [`crate::api`], a method with a
//! sensible default has one; the rest a model must write.
//!
//! Motion methods (arm and gantry moves, base `move_straight` and `spin`,
//! gripper `open` and `grab`, gantry `home`) START the motion and return at
//! once; the host asks `is_moving` once per control period until it ends,
//! so that a stop always gets in.

use crate::Result;
use crate::api::{Image, Pose, Vector3};
use crate::value::Map;

pub use crate::bindings::armature::module_v2::api_types::{
    BaseProperties, CaptureParts, Classification, Detection, Electrical, JointPositions, Kinematics, KinematicsFormat,
    MoveOptions, PointCloudObject, SwitchPositions, VisionProperties,
};

/// Whether a gripper holds something, and free-form details (e.g. the
/// grip force).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HoldingStatus {
    pub is_holding_something: bool,
    pub meta: Map,
}

fn unimplemented<T>(method: &str) -> Result<T> {
    Err(crate::Error::unimplemented(format!(
        "{method} is not implemented by this model"
    )))
}

/// rdk:component:arm. Joint positions are degrees (rotational joints) or mm
/// (translational ones), base to end effector.
pub trait Arm {
    /// The end effector's pose in the arm's base frame (mm, degrees).
    fn get_end_position(&mut self, extra: &Map) -> Result<Pose>;
    /// Start moving the end effector to `to`. The default answers
    /// UNIMPLEMENTED, for arms without inverse kinematics.
    fn move_to_position(&mut self, to: Pose, extra: &Map) -> Result<()> {
        let _ = (to, extra);
        unimplemented("move_to_position")
    }
    fn get_joint_positions(&mut self, extra: &Map) -> Result<JointPositions>;
    /// Start moving to `positions`.
    fn move_to_joint_positions(&mut self, positions: JointPositions, extra: &Map) -> Result<()>;
    /// Start moving through `positions` in order. The default answers
    /// UNIMPLEMENTED.
    fn move_through_joint_positions(
        &mut self,
        positions: Vec<JointPositions>,
        options: Option<MoveOptions>,
        extra: &Map,
    ) -> Result<()> {
        let _ = (positions, options, extra);
        unimplemented("move_through_joint_positions")
    }
    fn stop(&mut self, extra: &Map) -> Result<()>;
    fn is_moving(&mut self) -> Result<bool>;
    fn get_kinematics(&mut self, extra: &Map) -> Result<Kinematics> {
        let _ = extra;
        unimplemented("get_kinematics")
    }
}

/// rdk:component:base
pub trait Base {
    /// Start driving `distance_mm` (negative: backwards) at `mm_per_sec`.
    fn move_straight(&mut self, distance_mm: i64, mm_per_sec: f64, extra: &Map) -> Result<()>;
    /// Start turning `angle_deg` (positive: left) at `degs_per_sec`.
    fn spin(&mut self, angle_deg: f64, degs_per_sec: f64, extra: &Map) -> Result<()>;
    /// Power fractions in [-1, 1]; a wheeled base uses `linear.y` and `angular.z`.
    fn set_power(&mut self, linear: Vector3, angular: Vector3, extra: &Map) -> Result<()>;
    /// mm/s and degrees/s. The default answers UNIMPLEMENTED.
    fn set_velocity(&mut self, linear: Vector3, angular: Vector3, extra: &Map) -> Result<()> {
        let _ = (linear, angular, extra);
        unimplemented("set_velocity")
    }
    fn stop(&mut self, extra: &Map) -> Result<()>;
    fn is_moving(&mut self) -> Result<bool>;
    fn get_properties(&mut self, extra: &Map) -> Result<BaseProperties>;
}

/// rdk:component:gripper
pub trait Gripper {
    /// Start opening.
    fn open(&mut self, extra: &Map) -> Result<()>;
    /// Start closing; when the motion ends the host answers Grab with
    /// [`Gripper::is_holding_something`].
    fn grab(&mut self, extra: &Map) -> Result<()>;
    fn stop(&mut self, extra: &Map) -> Result<()>;
    fn is_moving(&mut self) -> Result<bool>;
    fn is_holding_something(&mut self, extra: &Map) -> Result<HoldingStatus>;
    fn get_kinematics(&mut self, extra: &Map) -> Result<Kinematics> {
        let _ = extra;
        unimplemented("get_kinematics")
    }
}

/// rdk:component:gantry. One entry per axis, in mm.
pub trait Gantry {
    fn get_position(&mut self, extra: &Map) -> Result<Vec<f64>>;
    /// Start moving; the host has checked one position and one speed per axis.
    fn move_to_position(&mut self, positions_mm: Vec<f64>, speeds_mm_per_sec: Vec<f64>, extra: &Map) -> Result<()>;
    /// Start homing. The default homes at once, for gantries with absolute
    /// position sensing.
    fn home(&mut self, extra: &Map) -> Result<()> {
        let _ = extra;
        Ok(())
    }
    fn get_lengths(&mut self, extra: &Map) -> Result<Vec<f64>>;
    fn stop(&mut self, extra: &Map) -> Result<()>;
    fn is_moving(&mut self) -> Result<bool>;
    fn get_kinematics(&mut self, extra: &Map) -> Result<Kinematics> {
        let _ = extra;
        unimplemented("get_kinematics")
    }
}

/// rdk:component:power_sensor
pub trait PowerSensor {
    /// Volts.
    fn get_voltage(&mut self, extra: &Map) -> Result<Electrical>;
    /// Amperes.
    fn get_current(&mut self, extra: &Map) -> Result<Electrical>;
    /// Watts.
    fn get_power(&mut self, extra: &Map) -> Result<f64>;
    /// The default gathers the three, as Viam's does: `voltage`, `current`,
    /// `is_ac` and `power`.
    fn get_readings(&mut self, extra: &Map) -> Result<Map> {
        let voltage = self.get_voltage(extra)?;
        let current = self.get_current(extra)?;
        let power = self.get_power(extra)?;
        Ok(crate::readings! {
            "voltage" => voltage.value,
            "current" => current.value,
            "is_ac" => voltage.is_ac,
            "power" => power,
        })
    }
}

/// rdk:component:switch. Positions count from 0; the host refuses one
/// outside `get_number_of_positions` before it reaches the model.
pub trait Switch {
    fn set_position(&mut self, position: u32, extra: &Map) -> Result<()>;
    fn get_position(&mut self, extra: &Map) -> Result<u32>;
    fn get_number_of_positions(&mut self, extra: &Map) -> Result<SwitchPositions>;
}

/// rdk:component:button
pub trait Button {
    fn push(&mut self, extra: &Map) -> Result<()>;
}

/// What [`Vision::capture_all_from_camera`] found on one image: the parts
/// asked for, the others empty (Viam's `CaptureAllResult`).
#[derive(Debug, Clone, Default)]
pub struct CaptureAllResult {
    pub image: Option<Image>,
    pub detections: Vec<Detection>,
    pub classifications: Vec<Classification>,
    pub objects: Vec<PointCloudObject>,
    pub extra: Map,
}

impl From<crate::bindings::armature::module_v2::api_types::Image> for Image {
    fn from(i: crate::bindings::armature::module_v2::api_types::Image) -> Self {
        Image {
            source_name: i.source_name,
            mime_type: i.mime_type,
            data: i.data,
        }
    }
}

impl From<Image> for crate::bindings::armature::module_v2::api_types::Image {
    fn from(i: Image) -> Self {
        Self {
            source_name: i.source_name,
            mime_type: i.mime_type,
            data: i.data,
        }
    }
}

impl From<crate::bindings::armature::module_v2::api_types::CaptureAll> for CaptureAllResult {
    fn from(all: crate::bindings::armature::module_v2::api_types::CaptureAll) -> Self {
        CaptureAllResult {
            image: all.image.map(Image::from),
            detections: all.detections,
            classifications: all.classifications,
            objects: all.objects,
            extra: crate::value::map_from_owned_nodes(all.extra),
        }
    }
}

impl From<CaptureAllResult> for crate::bindings::armature::module_v2::api_types::CaptureAll {
    fn from(all: CaptureAllResult) -> Self {
        Self {
            image: all.image.map(Into::into),
            detections: all.detections,
            classifications: all.classifications,
            objects: all.objects,
            extra: crate::value::map_into_nodes(all.extra),
        }
    }
}

/// rdk:service:vision. A model implements what it can and says which in
/// [`Vision::get_properties`]; every other method answers UNIMPLEMENTED.
/// The `*_from_camera` methods name a camera the model depends on (its
/// `camera_name` attribute, as Viam's models have, when the name is empty).
pub trait Vision {
    fn get_properties(&mut self, extra: &Map) -> Result<VisionProperties>;
    fn get_detections_from_camera(&mut self, camera_name: &str, extra: &Map) -> Result<Vec<Detection>> {
        let _ = (camera_name, extra);
        unimplemented("get_detections_from_camera")
    }
    fn get_detections(&mut self, image: Image, extra: &Map) -> Result<Vec<Detection>> {
        let _ = (image, extra);
        unimplemented("get_detections")
    }
    /// At most `n` classifications.
    fn get_classifications_from_camera(
        &mut self,
        camera_name: &str,
        n: u32,
        extra: &Map,
    ) -> Result<Vec<Classification>> {
        let _ = (camera_name, n, extra);
        unimplemented("get_classifications_from_camera")
    }
    fn get_classifications(&mut self, image: Image, n: u32, extra: &Map) -> Result<Vec<Classification>> {
        let _ = (image, n, extra);
        unimplemented("get_classifications")
    }
    fn get_object_point_clouds(
        &mut self,
        camera_name: &str,
        mime_type: &str,
        extra: &Map,
    ) -> Result<Vec<PointCloudObject>> {
        let _ = (camera_name, mime_type, extra);
        unimplemented("get_object_point_clouds")
    }
    /// One image of the camera and, found on that same image, the `parts`
    /// asked for.
    fn capture_all_from_camera(
        &mut self,
        camera_name: &str,
        parts: CaptureParts,
        extra: &Map,
    ) -> Result<CaptureAllResult> {
        let _ = (camera_name, parts, extra);
        unimplemented("capture_all_from_camera")
    }
}
