//! The glue between the WIT exports and the typed traits: a module's models
//! are listed by `export_module!`, and these blanket implementations route
//! every exported function to the model behind the instance.

use std::cell::RefCell;

use crate::api::*;
use crate::api_v2::*;
use crate::bindings::armature::module::deps::Dependency as WitDependency;
use crate::bindings::armature::module::types::{Error as WitError, Value};
use crate::bindings::exports::armature::module::{
    board, camera, encoder, model, motor, movement_sensor, sensor, servo,
};
use crate::config::{Config, Dependencies};
use crate::deps::Deps;
use crate::value::{Map, map_from_nodes, map_into_nodes};
use crate::{Error, Result};

/// The lifecycle part of a model, callable without knowing its type.
#[doc(hidden)]
pub trait Lifecycle {
    fn reconfigure(&mut self, config: &Config, deps: Deps) -> Result<Reconfigured>;
    fn do_command(&mut self, command: Map) -> Result<Map>;
    fn get_geometries(&mut self, extra: &Map) -> Result<Vec<Geometry>>;
    fn tick(&mut self) -> Result<()>;
    fn close(&mut self) -> Result<()>;
}

impl<T: Model> Lifecycle for T {
    fn reconfigure(&mut self, config: &Config, deps: Deps) -> Result<Reconfigured> {
        Model::reconfigure(self, config, deps)
    }
    fn do_command(&mut self, command: Map) -> Result<Map> {
        Model::do_command(self, command)
    }
    fn get_geometries(&mut self, extra: &Map) -> Result<Vec<Geometry>> {
        Model::get_geometries(self, extra)
    }
    fn tick(&mut self) -> Result<()> {
        Model::tick(self)
    }
    fn close(&mut self) -> Result<()> {
        Model::close(self)
    }
}

macro_rules! api_objects {
    ($($obj:ident: $api:ident),* $(,)?) => {
        $(
            #[doc(hidden)]
            pub trait $obj: Lifecycle + $api {}
            impl<T: Model + $api> $obj for T {}
        )*
    };
}

api_objects! {
    SensorObj: Sensor,
    MovementSensorObj: MovementSensor,
    CameraObj: Camera,
    MotorObj: Motor,
    ServoObj: Servo,
    EncoderObj: Encoder,
    BoardObj: Board,
    ArmObj: Arm,
    BaseObj: Base,
    GripperObj: Gripper,
    GantryObj: Gantry,
    PowerSensorObj: PowerSensor,
    SwitchObj: Switch,
    ButtonObj: Button,
    VisionObj: Vision,
}

/// A constructed model, tagged with its API.
#[doc(hidden)]
pub enum AnyResource {
    Sensor(Box<dyn SensorObj>),
    MovementSensor(Box<dyn MovementSensorObj>),
    Camera(Box<dyn CameraObj>),
    Motor(Box<dyn MotorObj>),
    Servo(Box<dyn ServoObj>),
    Encoder(Box<dyn EncoderObj>),
    Board(Box<dyn BoardObj>),
    Arm(Box<dyn ArmObj>),
    Base(Box<dyn BaseObj>),
    Gripper(Box<dyn GripperObj>),
    Gantry(Box<dyn GantryObj>),
    PowerSensor(Box<dyn PowerSensorObj>),
    Switch(Box<dyn SwitchObj>),
    Button(Box<dyn ButtonObj>),
    Vision(Box<dyn VisionObj>),
    /// Generic components and services: DoCommand only.
    Generic(Box<dyn Lifecycle>),
}

impl AnyResource {
    fn lifecycle(&mut self) -> &mut dyn Lifecycle {
        match self {
            AnyResource::Sensor(r) => &mut **r,
            AnyResource::MovementSensor(r) => &mut **r,
            AnyResource::Camera(r) => &mut **r,
            AnyResource::Motor(r) => &mut **r,
            AnyResource::Servo(r) => &mut **r,
            AnyResource::Encoder(r) => &mut **r,
            AnyResource::Board(r) => &mut **r,
            AnyResource::Arm(r) => &mut **r,
            AnyResource::Base(r) => &mut **r,
            AnyResource::Gripper(r) => &mut **r,
            AnyResource::Gantry(r) => &mut **r,
            AnyResource::PowerSensor(r) => &mut **r,
            AnyResource::Switch(r) => &mut **r,
            AnyResource::Button(r) => &mut **r,
            AnyResource::Vision(r) => &mut **r,
            AnyResource::Generic(r) => &mut **r,
        }
    }
}

type Construct = fn(&Config, Deps) -> Result<AnyResource>;

/// One model a module provides; made by `export_module!`.
#[doc(hidden)]
pub struct ModelEntry {
    api: &'static str,
    model: &'static str,
    validate: fn(&Config) -> Result<Dependencies>,
    construct: Construct,
}

macro_rules! entries {
    ($($fn_name:ident: $trait:ident => $variant:ident, $api:literal;)*) => {
        impl ModelEntry {
            $(
                pub fn $fn_name<T: Model + $trait>() -> Self {
                    Self {
                        api: $api,
                        model: T::MODEL,
                        validate: T::validate,
                        construct: |c, d| Ok(AnyResource::$variant(Box::new(T::new(c, d)?))),
                    }
                }
            )*
        }
    };
}

entries! {
    sensor: Sensor => Sensor, "rdk:component:sensor";
    movement_sensor: MovementSensor => MovementSensor, "rdk:component:movement_sensor";
    camera: Camera => Camera, "rdk:component:camera";
    motor: Motor => Motor, "rdk:component:motor";
    servo: Servo => Servo, "rdk:component:servo";
    encoder: Encoder => Encoder, "rdk:component:encoder";
    board: Board => Board, "rdk:component:board";
    arm: Arm => Arm, "rdk:component:arm";
    base: Base => Base, "rdk:component:base";
    gripper: Gripper => Gripper, "rdk:component:gripper";
    gantry: Gantry => Gantry, "rdk:component:gantry";
    power_sensor: PowerSensor => PowerSensor, "rdk:component:power_sensor";
    switch: Switch => Switch, "rdk:component:switch";
    button: Button => Button, "rdk:component:button";
    vision: Vision => Vision, "rdk:service:vision";
}

impl ModelEntry {
    pub fn generic_component<T: Model>() -> Self {
        Self::generic::<T>("rdk:component:generic")
    }

    pub fn generic_service<T: Model>() -> Self {
        Self::generic::<T>("rdk:service:generic")
    }

    fn generic<T: Model>(api: &'static str) -> Self {
        Self {
            api,
            model: T::MODEL,
            validate: T::validate,
            construct: |c, d| Ok(AnyResource::Generic(Box::new(T::new(c, d)?))),
        }
    }
}

/// Implemented by `export_module!` for the module's marker type.
#[doc(hidden)]
pub trait Module: 'static {
    fn models() -> Vec<ModelEntry>;
}

fn find<M: Module>(config: &Config) -> Result<ModelEntry> {
    M::models()
        .into_iter()
        .find(|e| e.model == config.model && e.api == config.api)
        .ok_or_else(|| {
            Error::not_found(format!(
                "this module has no model {:?} of API {:?}",
                config.model, config.api
            ))
        })
}

/// The guest side of a `model.instance`.
#[doc(hidden)]
pub struct InstanceBox {
    inner: RefCell<AnyResource>,
}

impl model::GuestInstance for InstanceBox {
    fn reconfigure(
        &self,
        config: model::Config,
        deps: Vec<WitDependency>,
    ) -> Result<model::ReconfigureOutcome, WitError> {
        let config = Config::from(config);
        let outcome = self
            .inner
            .borrow_mut()
            .lifecycle()
            .reconfigure(&config, Deps::from_wit(deps))?;
        Ok(match outcome {
            Reconfigured::Applied => model::ReconfigureOutcome::Applied,
            Reconfigured::Rebuild => model::ReconfigureOutcome::Rebuild,
        })
    }

    fn do_command(&self, command: Value) -> Result<Value, WitError> {
        let out = self
            .inner
            .borrow_mut()
            .lifecycle()
            .do_command(map_from_nodes(&command))?;
        Ok(map_into_nodes(out))
    }

    fn get_geometries(&self, extra: Value) -> Result<Vec<Geometry>, WitError> {
        Ok(self
            .inner
            .borrow_mut()
            .lifecycle()
            .get_geometries(&map_from_nodes(&extra))?)
    }

    fn tick(&self) -> Result<(), WitError> {
        Ok(self.inner.borrow_mut().lifecycle().tick()?)
    }
}

impl<M: Module> model::Guest for M {
    type Instance = InstanceBox;

    fn models() -> Vec<model::ModelInfo> {
        M::models()
            .into_iter()
            .map(|e| model::ModelInfo {
                api: e.api.into(),
                model: e.model.into(),
            })
            .collect()
    }

    fn validate(config: model::Config) -> Result<model::Dependencies, WitError> {
        let config = Config::from(config);
        let entry = find::<M>(&config)?;
        Ok((entry.validate)(&config)?.into())
    }

    fn construct(config: model::Config, deps: Vec<WitDependency>) -> Result<model::Instance, WitError> {
        let config = Config::from(config);
        let entry = find::<M>(&config)?;
        let resource = (entry.construct)(&config, Deps::from_wit(deps))?;
        Ok(model::Instance::new(InstanceBox {
            inner: RefCell::new(resource),
        }))
    }
}

/// Runs `f` on the model behind `res` if it is of the expected API.
pub(crate) fn with<T>(
    res: model::InstanceBorrow<'_>,
    f: impl FnOnce(&mut AnyResource) -> Option<Result<T>>,
) -> Result<T, WitError> {
    let instance = res.get::<InstanceBox>();
    let mut inner = instance.inner.borrow_mut();
    match f(&mut inner) {
        Some(result) => result.map_err(WitError::from),
        None => Err(Error::unimplemented("this resource is of another API").into()),
    }
}

/// `dispatch!(res, Variant(x) => expr)`: call on the right API or answer UNIMPLEMENTED.
macro_rules! dispatch {
    ($res:expr, $variant:ident($x:ident) => $body:expr) => {
        with($res, |r| match r {
            AnyResource::$variant($x) => Some($body),
            _ => None,
        })
    };
}

impl<M: Module> sensor::Guest for M {
    fn get_readings(res: sensor::InstanceBorrow<'_>, extra: Value) -> Result<Value, WitError> {
        dispatch!(res, Sensor(s) => s.get_readings(&map_from_nodes(&extra)).map(map_into_nodes))
    }
}

impl<M: Module> movement_sensor::Guest for M {
    fn get_position(r: model::InstanceBorrow<'_>, extra: Value) -> Result<GeoPosition, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_position(&map_from_nodes(&extra)))
    }
    fn get_linear_velocity(r: model::InstanceBorrow<'_>, extra: Value) -> Result<Vector3, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_linear_velocity(&map_from_nodes(&extra)))
    }
    fn get_angular_velocity(r: model::InstanceBorrow<'_>, extra: Value) -> Result<Vector3, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_angular_velocity(&map_from_nodes(&extra)))
    }
    fn get_linear_acceleration(r: model::InstanceBorrow<'_>, extra: Value) -> Result<Vector3, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_linear_acceleration(&map_from_nodes(&extra)))
    }
    fn get_compass_heading(r: model::InstanceBorrow<'_>, extra: Value) -> Result<f64, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_compass_heading(&map_from_nodes(&extra)))
    }
    fn get_orientation(r: model::InstanceBorrow<'_>, extra: Value) -> Result<Orientation, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_orientation(&map_from_nodes(&extra)))
    }
    fn get_properties(r: model::InstanceBorrow<'_>, extra: Value) -> Result<MovementSensorProperties, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_properties(&map_from_nodes(&extra)))
    }
    fn get_accuracy(r: model::InstanceBorrow<'_>, extra: Value) -> Result<Accuracy, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_accuracy(&map_from_nodes(&extra)))
    }
    fn get_readings(r: model::InstanceBorrow<'_>, extra: Value) -> Result<Value, WitError> {
        dispatch!(r, MovementSensor(m) => m.get_readings(&map_from_nodes(&extra)).map(map_into_nodes))
    }
}

impl<M: Module> camera::Guest for M {
    fn get_images(
        r: model::InstanceBorrow<'_>,
        filter_source_names: Vec<String>,
        extra: Value,
    ) -> Result<Vec<Image>, WitError> {
        dispatch!(r, Camera(c) => c.get_images(&filter_source_names, &map_from_nodes(&extra)))
    }
    fn get_point_cloud(r: model::InstanceBorrow<'_>, mime_type: String, extra: Value) -> Result<PointCloud, WitError> {
        dispatch!(r, Camera(c) => c.get_point_cloud(&mime_type, &map_from_nodes(&extra)))
    }
    fn get_properties(r: model::InstanceBorrow<'_>) -> Result<CameraProperties, WitError> {
        dispatch!(r, Camera(c) => c.get_properties())
    }
}

impl<M: Module> motor::Guest for M {
    fn set_power(r: model::InstanceBorrow<'_>, power_pct: f64, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Motor(m) => m.set_power(power_pct, &map_from_nodes(&extra)))
    }
    fn go_for(r: model::InstanceBorrow<'_>, rpm: f64, revolutions: f64, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Motor(m) => m.go_for(rpm, revolutions, &map_from_nodes(&extra)))
    }
    fn go_to(r: model::InstanceBorrow<'_>, rpm: f64, position: f64, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Motor(m) => m.go_to(rpm, position, &map_from_nodes(&extra)))
    }
    fn set_rpm(r: model::InstanceBorrow<'_>, rpm: f64, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Motor(m) => m.set_rpm(rpm, &map_from_nodes(&extra)))
    }
    fn reset_zero_position(r: model::InstanceBorrow<'_>, offset: f64, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Motor(m) => m.reset_zero_position(offset, &map_from_nodes(&extra)))
    }
    fn get_position(r: model::InstanceBorrow<'_>, extra: Value) -> Result<f64, WitError> {
        dispatch!(r, Motor(m) => m.get_position(&map_from_nodes(&extra)))
    }
    fn get_properties(r: model::InstanceBorrow<'_>, extra: Value) -> Result<MotorProperties, WitError> {
        dispatch!(r, Motor(m) => m.get_properties(&map_from_nodes(&extra)))
    }
    fn stop(r: model::InstanceBorrow<'_>, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Motor(m) => m.stop(&map_from_nodes(&extra)))
    }
    fn is_powered(r: model::InstanceBorrow<'_>, extra: Value) -> Result<PowerState, WitError> {
        dispatch!(r, Motor(m) => m.is_powered(&map_from_nodes(&extra)))
    }
    fn is_moving(r: model::InstanceBorrow<'_>) -> Result<bool, WitError> {
        dispatch!(r, Motor(m) => m.is_moving())
    }
}

impl<M: Module> servo::Guest for M {
    fn move_to(r: model::InstanceBorrow<'_>, angle_deg: u32, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Servo(s) => s.move_to(angle_deg, &map_from_nodes(&extra)))
    }
    fn get_position(r: model::InstanceBorrow<'_>, extra: Value) -> Result<u32, WitError> {
        dispatch!(r, Servo(s) => s.get_position(&map_from_nodes(&extra)))
    }
    fn stop(r: model::InstanceBorrow<'_>, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Servo(s) => s.stop(&map_from_nodes(&extra)))
    }
    fn is_moving(r: model::InstanceBorrow<'_>) -> Result<bool, WitError> {
        dispatch!(r, Servo(s) => s.is_moving())
    }
}

impl<M: Module> encoder::Guest for M {
    fn get_position(
        r: model::InstanceBorrow<'_>,
        position_type: PositionType,
        extra: Value,
    ) -> Result<EncoderPosition, WitError> {
        dispatch!(r, Encoder(e) => e.get_position(position_type, &map_from_nodes(&extra)))
    }
    fn reset_position(r: model::InstanceBorrow<'_>, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Encoder(e) => e.reset_position(&map_from_nodes(&extra)))
    }
    fn get_properties(r: model::InstanceBorrow<'_>, extra: Value) -> Result<EncoderProperties, WitError> {
        dispatch!(r, Encoder(e) => e.get_properties(&map_from_nodes(&extra)))
    }
}

impl<M: Module> board::Guest for M {
    fn set_gpio(r: model::InstanceBorrow<'_>, pin: String, high: bool, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Board(b) => b.set_gpio(&pin, high, &map_from_nodes(&extra)))
    }
    fn get_gpio(r: model::InstanceBorrow<'_>, pin: String, extra: Value) -> Result<bool, WitError> {
        dispatch!(r, Board(b) => b.get_gpio(&pin, &map_from_nodes(&extra)))
    }
    fn get_pwm(r: model::InstanceBorrow<'_>, pin: String, extra: Value) -> Result<f64, WitError> {
        dispatch!(r, Board(b) => b.get_pwm(&pin, &map_from_nodes(&extra)))
    }
    fn set_pwm(r: model::InstanceBorrow<'_>, pin: String, duty: f64, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Board(b) => b.set_pwm(&pin, duty, &map_from_nodes(&extra)))
    }
    fn get_pwm_frequency(r: model::InstanceBorrow<'_>, pin: String, extra: Value) -> Result<u64, WitError> {
        dispatch!(r, Board(b) => b.get_pwm_frequency(&pin, &map_from_nodes(&extra)))
    }
    fn set_pwm_frequency(r: model::InstanceBorrow<'_>, pin: String, hz: u64, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Board(b) => b.set_pwm_frequency(&pin, hz, &map_from_nodes(&extra)))
    }
    fn read_analog(r: model::InstanceBorrow<'_>, reader: String, extra: Value) -> Result<AnalogReading, WitError> {
        dispatch!(r, Board(b) => b.read_analog(&reader, &map_from_nodes(&extra)))
    }
    fn write_analog(r: model::InstanceBorrow<'_>, pin: String, value: i32, extra: Value) -> Result<(), WitError> {
        dispatch!(r, Board(b) => b.write_analog(&pin, value, &map_from_nodes(&extra)))
    }
    fn get_digital_interrupt_value(
        r: model::InstanceBorrow<'_>,
        interrupt: String,
        extra: Value,
    ) -> Result<i64, WitError> {
        dispatch!(r, Board(b) => b.get_digital_interrupt_value(&interrupt, &map_from_nodes(&extra)))
    }
    fn read_ticks(r: model::InstanceBorrow<'_>, interrupts: Vec<String>, since_ns: u64) -> Result<Vec<Tick>, WitError> {
        dispatch!(r, Board(b) => b.read_ticks(&interrupts, since_ns))
    }
    fn set_power_mode(
        r: model::InstanceBorrow<'_>,
        mode: PowerMode,
        duration_ns: Option<u64>,
        extra: Value,
    ) -> Result<(), WitError> {
        dispatch!(r, Board(b) => b.set_power_mode(mode, duration_ns, &map_from_nodes(&extra)))
    }
}

// After `dispatch!`, so that the 0.2.0 APIs' glue can use it.
mod v2;
