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

/// The vision service is not served yet: every method answers UNIMPLEMENTED.
impl<M: Module> vision::Guest for M {
    fn get_detections_from_camera(_: InstanceBorrow<'_>, _: String, _: Value) -> R<Vec<api_types::Detection>> {
        not_yet()
    }
    fn get_detections(_: InstanceBorrow<'_>, _: api_types::Image, _: Value) -> R<Vec<api_types::Detection>> {
        not_yet()
    }
    fn get_classifications_from_camera(
        _: InstanceBorrow<'_>,
        _: String,
        _: u32,
        _: Value,
    ) -> R<Vec<api_types::Classification>> {
        not_yet()
    }
    fn get_classifications(
        _: InstanceBorrow<'_>,
        _: api_types::Image,
        _: u32,
        _: Value,
    ) -> R<Vec<api_types::Classification>> {
        not_yet()
    }
    fn get_object_point_clouds(
        _: InstanceBorrow<'_>,
        _: String,
        _: String,
        _: Value,
    ) -> R<Vec<api_types::PointCloudObject>> {
        not_yet()
    }
    fn get_properties(_: InstanceBorrow<'_>, _: Value) -> R<api_types::VisionProperties> {
        not_yet()
    }
    fn capture_all_from_camera(
        _: InstanceBorrow<'_>,
        _: String,
        _: api_types::CaptureParts,
        _: Value,
    ) -> R<api_types::CaptureAll> {
        not_yet()
    }
}

fn not_yet<T>() -> R<T> {
    Err(crate::Error::unimplemented("this SDK has no vision service models yet").into())
}
