//! The glue of the APIs contract 0.2.0 added, as in the parent module.

use super::{AnyResource, Module, with};
use crate::api::{Pose, Vector3};
use crate::api_v2::*;
use crate::bindings::armature::module::types::{Error as WitError, Value};
use crate::bindings::armature::module_v2::api_types;
use crate::bindings::exports::armature::module::model::InstanceBorrow;
use crate::bindings::exports::armature::module_v2::{
    arm, base, button, gantry, gripper, lifecycle, power_sensor, switch, vision,
};
use crate::value::{map_from_nodes, map_into_nodes};

type R<T> = Result<T, WitError>;

impl<M: Module> lifecycle::Guest for M {
    fn close(r: InstanceBorrow<'_>) -> R<()> {
        let instance = r.get::<super::InstanceBox>();
        let mut inner = instance.inner.borrow_mut();
        Ok(inner.lifecycle().close()?)
    }
}

impl<M: Module> arm::Guest for M {
    fn get_end_position(r: InstanceBorrow<'_>, extra: Value) -> R<Pose> {
        dispatch!(r, Arm(a) => a.get_end_position(&map_from_nodes(&extra)))
    }
    fn move_to_position(r: InstanceBorrow<'_>, to: Pose, extra: Value) -> R<()> {
        dispatch!(r, Arm(a) => a.move_to_position(to, &map_from_nodes(&extra)))
    }
    fn get_joint_positions(r: InstanceBorrow<'_>, extra: Value) -> R<JointPositions> {
        dispatch!(r, Arm(a) => a.get_joint_positions(&map_from_nodes(&extra)))
    }
    fn move_to_joint_positions(r: InstanceBorrow<'_>, positions: JointPositions, extra: Value) -> R<()> {
        dispatch!(r, Arm(a) => a.move_to_joint_positions(positions, &map_from_nodes(&extra)))
    }
    fn move_through_joint_positions(
        r: InstanceBorrow<'_>,
        positions: Vec<JointPositions>,
        options: Option<MoveOptions>,
        extra: Value,
    ) -> R<()> {
        dispatch!(r, Arm(a) => a.move_through_joint_positions(positions, options, &map_from_nodes(&extra)))
    }
    fn stop(r: InstanceBorrow<'_>, extra: Value) -> R<()> {
        dispatch!(r, Arm(a) => a.stop(&map_from_nodes(&extra)))
    }
    fn is_moving(r: InstanceBorrow<'_>) -> R<bool> {
        dispatch!(r, Arm(a) => a.is_moving())
    }
    fn get_kinematics(r: InstanceBorrow<'_>, extra: Value) -> R<Kinematics> {
        dispatch!(r, Arm(a) => a.get_kinematics(&map_from_nodes(&extra)))
    }
}

impl<M: Module> base::Guest for M {
    fn move_straight(r: InstanceBorrow<'_>, distance_mm: i64, mm_per_sec: f64, extra: Value) -> R<()> {
        dispatch!(r, Base(b) => b.move_straight(distance_mm, mm_per_sec, &map_from_nodes(&extra)))
    }
    fn spin(r: InstanceBorrow<'_>, angle_deg: f64, degs_per_sec: f64, extra: Value) -> R<()> {
        dispatch!(r, Base(b) => b.spin(angle_deg, degs_per_sec, &map_from_nodes(&extra)))
    }
    fn set_power(r: InstanceBorrow<'_>, linear: Vector3, angular: Vector3, extra: Value) -> R<()> {
        dispatch!(r, Base(b) => b.set_power(linear, angular, &map_from_nodes(&extra)))
    }
    fn set_velocity(r: InstanceBorrow<'_>, linear: Vector3, angular: Vector3, extra: Value) -> R<()> {
        dispatch!(r, Base(b) => b.set_velocity(linear, angular, &map_from_nodes(&extra)))
    }
    fn stop(r: InstanceBorrow<'_>, extra: Value) -> R<()> {
        dispatch!(r, Base(b) => b.stop(&map_from_nodes(&extra)))
    }
    fn is_moving(r: InstanceBorrow<'_>) -> R<bool> {
        dispatch!(r, Base(b) => b.is_moving())
    }
    fn get_properties(r: InstanceBorrow<'_>, extra: Value) -> R<BaseProperties> {
        dispatch!(r, Base(b) => b.get_properties(&map_from_nodes(&extra)))
    }
}

impl<M: Module> gripper::Guest for M {
    fn open(r: InstanceBorrow<'_>, extra: Value) -> R<()> {
        dispatch!(r, Gripper(g) => g.open(&map_from_nodes(&extra)))
    }
    fn grab(r: InstanceBorrow<'_>, extra: Value) -> R<()> {
        dispatch!(r, Gripper(g) => g.grab(&map_from_nodes(&extra)))
    }
    fn stop(r: InstanceBorrow<'_>, extra: Value) -> R<()> {
        dispatch!(r, Gripper(g) => g.stop(&map_from_nodes(&extra)))
    }
    fn is_moving(r: InstanceBorrow<'_>) -> R<bool> {
        dispatch!(r, Gripper(g) => g.is_moving())
    }
    fn is_holding_something(r: InstanceBorrow<'_>, extra: Value) -> R<api_types::HoldingStatus> {
        dispatch!(r, Gripper(g) => g.is_holding_something(&map_from_nodes(&extra)).map(|h| api_types::HoldingStatus {
            is_holding_something: h.is_holding_something,
            meta: map_into_nodes(h.meta),
        }))
    }
    fn get_kinematics(r: InstanceBorrow<'_>, extra: Value) -> R<Kinematics> {
        dispatch!(r, Gripper(g) => g.get_kinematics(&map_from_nodes(&extra)))
    }
}

impl<M: Module> gantry::Guest for M {
    fn get_position(r: InstanceBorrow<'_>, extra: Value) -> R<Vec<f64>> {
        dispatch!(r, Gantry(g) => g.get_position(&map_from_nodes(&extra)))
    }
    fn move_to_position(r: InstanceBorrow<'_>, positions_mm: Vec<f64>, speeds: Vec<f64>, extra: Value) -> R<()> {
        dispatch!(r, Gantry(g) => g.move_to_position(positions_mm, speeds, &map_from_nodes(&extra)))
    }
    fn home(r: InstanceBorrow<'_>, extra: Value) -> R<()> {
        dispatch!(r, Gantry(g) => g.home(&map_from_nodes(&extra)))
    }
    fn get_lengths(r: InstanceBorrow<'_>, extra: Value) -> R<Vec<f64>> {
        dispatch!(r, Gantry(g) => g.get_lengths(&map_from_nodes(&extra)))
    }
    fn stop(r: InstanceBorrow<'_>, extra: Value) -> R<()> {
        dispatch!(r, Gantry(g) => g.stop(&map_from_nodes(&extra)))
    }
    fn is_moving(r: InstanceBorrow<'_>) -> R<bool> {
        dispatch!(r, Gantry(g) => g.is_moving())
    }
    fn get_kinematics(r: InstanceBorrow<'_>, extra: Value) -> R<Kinematics> {
        dispatch!(r, Gantry(g) => g.get_kinematics(&map_from_nodes(&extra)))
    }
}

impl<M: Module> power_sensor::Guest for M {
    fn get_voltage(r: InstanceBorrow<'_>, extra: Value) -> R<Electrical> {
        dispatch!(r, PowerSensor(p) => p.get_voltage(&map_from_nodes(&extra)))
    }
    fn get_current(r: InstanceBorrow<'_>, extra: Value) -> R<Electrical> {
        dispatch!(r, PowerSensor(p) => p.get_current(&map_from_nodes(&extra)))
    }
    fn get_power(r: InstanceBorrow<'_>, extra: Value) -> R<f64> {
        dispatch!(r, PowerSensor(p) => p.get_power(&map_from_nodes(&extra)))
    }
    fn get_readings(r: InstanceBorrow<'_>, extra: Value) -> R<Value> {
        dispatch!(r, PowerSensor(p) => p.get_readings(&map_from_nodes(&extra)).map(map_into_nodes))
    }
}

impl<M: Module> switch::Guest for M {
    fn set_position(r: InstanceBorrow<'_>, position: u32, extra: Value) -> R<()> {
        dispatch!(r, Switch(s) => s.set_position(position, &map_from_nodes(&extra)))
    }
    fn get_position(r: InstanceBorrow<'_>, extra: Value) -> R<u32> {
        dispatch!(r, Switch(s) => s.get_position(&map_from_nodes(&extra)))
    }
    fn get_number_of_positions(r: InstanceBorrow<'_>, extra: Value) -> R<SwitchPositions> {
        dispatch!(r, Switch(s) => s.get_number_of_positions(&map_from_nodes(&extra)))
    }
}

impl<M: Module> button::Guest for M {
    fn push(r: InstanceBorrow<'_>, extra: Value) -> R<()> {
        dispatch!(r, Button(b) => b.push(&map_from_nodes(&extra)))
    }
}

impl<M: Module> vision::Guest for M {
    fn get_detections_from_camera(r: InstanceBorrow<'_>, camera_name: String, extra: Value) -> R<Vec<Detection>> {
        dispatch!(r, Vision(v) => v.get_detections_from_camera(&camera_name, &map_from_nodes(&extra)))
    }
    fn get_detections(r: InstanceBorrow<'_>, image: api_types::Image, extra: Value) -> R<Vec<Detection>> {
        dispatch!(r, Vision(v) => v.get_detections(image.into(), &map_from_nodes(&extra)))
    }
    fn get_classifications_from_camera(
        r: InstanceBorrow<'_>,
        camera_name: String,
        n: u32,
        extra: Value,
    ) -> R<Vec<Classification>> {
        dispatch!(r, Vision(v) => v.get_classifications_from_camera(&camera_name, n, &map_from_nodes(&extra)))
    }
    fn get_classifications(
        r: InstanceBorrow<'_>,
        image: api_types::Image,
        n: u32,
        extra: Value,
    ) -> R<Vec<Classification>> {
        dispatch!(r, Vision(v) => v.get_classifications(image.into(), n, &map_from_nodes(&extra)))
    }
    fn get_object_point_clouds(
        r: InstanceBorrow<'_>,
        camera_name: String,
        mime_type: String,
        extra: Value,
    ) -> R<Vec<PointCloudObject>> {
        dispatch!(r, Vision(v) => v.get_object_point_clouds(&camera_name, &mime_type, &map_from_nodes(&extra)))
    }
    fn get_properties(r: InstanceBorrow<'_>, extra: Value) -> R<VisionProperties> {
        dispatch!(r, Vision(v) => v.get_properties(&map_from_nodes(&extra)))
    }
    fn capture_all_from_camera(
        r: InstanceBorrow<'_>,
        camera_name: String,
        parts: CaptureParts,
        extra: Value,
    ) -> R<api_types::CaptureAll> {
        dispatch!(r, Vision(v) => v
            .capture_all_from_camera(&camera_name, parts, &map_from_nodes(&extra))
            .map(Into::into))
    }
}
