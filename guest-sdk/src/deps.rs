//! Handles to the resources this one depends on.

use crate::bindings::armature::module::deps as wit;
use crate::bindings::armature::module_v2::calls::{self, Answer, Method};
use crate::bindings::armature::module_v2_1::vision_calls::{self, VisionAnswer, VisionMethod};
use crate::clients::*;
use crate::value::{Map, map_from_owned_nodes, map_to_nodes};
use crate::{Error, Result};

/// One dependency, resolved by the host. Calls go through the host to the
/// other resource's sandbox.
#[derive(Debug)]
pub struct Dependency {
    handle: wit::Dependency,
    name: String,
    api: String,
}

impl Dependency {
    pub(crate) fn new(handle: wit::Dependency) -> Self {
        let name = handle.name();
        let api = handle.api();
        Self { handle, name, api }
    }

    /// Short name, e.g. "temp-1".
    pub fn name(&self) -> &str {
        &self.name
    }

    /// API triplet, e.g. "rdk:component:sensor".
    pub fn api(&self) -> &str {
        &self.api
    }

    /// GetReadings on a sensor or movement sensor.
    pub fn get_readings(&self, extra: &Map) -> Result<Map> {
        // No extra goes as the empty tree (null), which the host lowers into
        // the other guest with one allocation fewer than an empty map.
        let extra = if extra.is_empty() {
            Vec::new()
        } else {
            map_to_nodes(extra)
        };
        let nodes = self.handle.get_readings(&extra).map_err(Error::from)?;
        Ok(map_from_owned_nodes(nodes))
    }

    /// DoCommand on any resource.
    pub fn do_command(&self, command: &Map) -> Result<Map> {
        let nodes = self.handle.do_command(&map_to_nodes(command)).map_err(Error::from)?;
        Ok(map_from_owned_nodes(nodes))
    }

    /// Any method of the dependency's API, as the host's `calls` import
    /// takes it. The typed clients ([`Deps::arm`], …) are built on this.
    pub fn call(&self, method: Method) -> Result<Answer> {
        calls::call(&self.handle, &method).map_err(Error::from)
    }

    /// Any method of a vision service (the `vision-calls` import of
    /// contract 0.2.1); [`Deps::vision`] is built on this.
    pub fn call_vision(&self, method: VisionMethod) -> Result<VisionAnswer> {
        vision_calls::call(&self.handle, &method).map_err(Error::from)
    }
}

/// Typed clients by API, each checking that the dependency is of its API.
macro_rules! typed {
    ($($(#[$doc:meta])* $fn_name:ident => $client:ident, $api:literal;)*) => {
        impl Deps {
            $(
                $(#[$doc])*
                pub fn $fn_name(&self, name: &str) -> Result<$client<'_>> {
                    let dep = self.require(name)?;
                    if dep.api != $api {
                        return Err(Error::invalid_argument(format!(
                            "dependency {:?} is a {}, not a {}",
                            dep.name, dep.api, $api
                        )));
                    }
                    Ok($client::new(dep))
                }
            )*
        }
    };
}

typed! {
    /// A sensor this resource depends on, by short or full name.
    sensor => SensorClient, "rdk:component:sensor";
    /// A movement sensor this resource depends on.
    movement_sensor => MovementSensorClient, "rdk:component:movement_sensor";
    /// A camera this resource depends on.
    camera => CameraClient, "rdk:component:camera";
    /// A motor this resource depends on.
    motor => MotorClient, "rdk:component:motor";
    /// A servo this resource depends on.
    servo => ServoClient, "rdk:component:servo";
    /// An encoder this resource depends on.
    encoder => EncoderClient, "rdk:component:encoder";
    /// A board this resource depends on.
    board => BoardClient, "rdk:component:board";
    /// An arm this resource depends on.
    arm => ArmClient, "rdk:component:arm";
    /// A base this resource depends on.
    base => BaseClient, "rdk:component:base";
    /// A gripper this resource depends on.
    gripper => GripperClient, "rdk:component:gripper";
    /// A gantry this resource depends on.
    gantry => GantryClient, "rdk:component:gantry";
    /// A power sensor this resource depends on.
    power_sensor => PowerSensorClient, "rdk:component:power_sensor";
    /// A switch this resource depends on.
    switch => SwitchClient, "rdk:component:switch";
    /// A button this resource depends on.
    button => ButtonClient, "rdk:component:button";
    /// A vision service this resource depends on.
    vision => VisionClient, "rdk:service:vision";
}

/// All dependencies handed to `new` or `reconfigure`.
#[derive(Debug, Default)]
pub struct Deps {
    list: Vec<Dependency>,
}

impl Deps {
    pub(crate) fn from_wit(handles: Vec<wit::Dependency>) -> Self {
        Self {
            list: handles.into_iter().map(Dependency::new).collect(),
        }
    }

    /// By short name ("temp-1") or full name ("rdk:component:sensor/temp-1").
    pub fn get(&self, name: &str) -> Option<&Dependency> {
        let (api, short) = match name.rsplit_once('/') {
            Some((api, short)) => (Some(api), short),
            None => (None, name),
        };
        self.list
            .iter()
            .find(|d| d.name == short && api.is_none_or(|a| a == d.api))
    }

    /// Like [`Deps::get`], but a missing dependency is an error naming it.
    pub fn require(&self, name: &str) -> Result<&Dependency> {
        self.get(name)
            .ok_or_else(|| Error::not_found(format!("dependency {name:?} was not provided")))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Dependency> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Takes ownership of the handles, e.g. to keep them in the model.
    pub fn into_vec(self) -> Vec<Dependency> {
        self.list
    }
}
