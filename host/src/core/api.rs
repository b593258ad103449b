//! The table of resource APIs Armature serves, keyed by API: one row per
//! API, and everything that differs between APIs outside their methods'
//! translation (proto service, whether it actuates) is read from here.

use crate::core::bindings::Contract;
use crate::core::names::{Api, Kind};

/// The standard APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKind {
    Sensor,
    MovementSensor,
    Camera,
    Motor,
    Servo,
    Encoder,
    Board,
    Arm,
    Base,
    Gripper,
    Gantry,
    PowerSensor,
    Switch,
    Button,
    Vision,
    GenericComponent,
    GenericService,
    DataManager,
}

/// One row of the table.
pub struct ApiInfo {
    pub kind: ApiKind,
    pub resource_kind: Kind,
    pub subtype: &'static str,
    /// The fully qualified gRPC service serving it.
    pub proto_service: &'static str,
    /// Stopped by StopAll and by a lapsed session.
    pub actuator: bool,
    /// Has GetReadings (and so a capturable `Readings`).
    pub readings: bool,
    /// The oldest contract that has this API's interface: a module of an
    /// older one cannot provide a model of it.
    pub contract: Contract,
}

pub const APIS: &[ApiInfo] = &[
    row(
        ApiKind::Sensor,
        Kind::Component,
        "sensor",
        "viam.component.sensor.v1.SensorService",
        false,
        true,
        Contract::V0_1,
    ),
    row(
        ApiKind::MovementSensor,
        Kind::Component,
        "movement_sensor",
        "viam.component.movementsensor.v1.MovementSensorService",
        false,
        true,
        Contract::V0_1,
    ),
    row(
        ApiKind::Camera,
        Kind::Component,
        "camera",
        "viam.component.camera.v1.CameraService",
        false,
        false,
        Contract::V0_1,
    ),
    row(
        ApiKind::Motor,
        Kind::Component,
        "motor",
        "viam.component.motor.v1.MotorService",
        true,
        false,
        Contract::V0_1,
    ),
    row(
        ApiKind::Servo,
        Kind::Component,
        "servo",
        "viam.component.servo.v1.ServoService",
        true,
        false,
        Contract::V0_1,
    ),
    row(
        ApiKind::Encoder,
        Kind::Component,
        "encoder",
        "viam.component.encoder.v1.EncoderService",
        false,
        false,
        Contract::V0_1,
    ),
    row(
        ApiKind::Board,
        Kind::Component,
        "board",
        "viam.component.board.v1.BoardService",
        false,
        false,
        Contract::V0_1,
    ),
    row(
        ApiKind::Arm,
        Kind::Component,
        "arm",
        "viam.component.arm.v1.ArmService",
        true,
        false,
        Contract::V0_2,
    ),
    row(
        ApiKind::Base,
        Kind::Component,
        "base",
        "viam.component.base.v1.BaseService",
        true,
        false,
        Contract::V0_2,
    ),
    row(
        ApiKind::Gripper,
        Kind::Component,
        "gripper",
        "viam.component.gripper.v1.GripperService",
        true,
        false,
        Contract::V0_2,
    ),
    row(
        ApiKind::Gantry,
        Kind::Component,
        "gantry",
        "viam.component.gantry.v1.GantryService",
        true,
        false,
        Contract::V0_2,
    ),
    row(
        ApiKind::PowerSensor,
        Kind::Component,
        "power_sensor",
        "viam.component.powersensor.v1.PowerSensorService",
        false,
        true,
        Contract::V0_2,
    ),
    row(
        ApiKind::Switch,
        Kind::Component,
        "switch",
        "viam.component.switch.v1.SwitchService",
        false,
        false,
        Contract::V0_2,
    ),
    row(
        ApiKind::Button,
        Kind::Component,
        "button",
        "viam.component.button.v1.ButtonService",
        false,
        false,
        Contract::V0_2,
    ),
    row(
        ApiKind::Vision,
        Kind::Service,
        "vision",
        "viam.service.vision.v1.VisionService",
        false,
        false,
        Contract::V0_2,
    ),
    row(
        ApiKind::GenericComponent,
        Kind::Component,
        "generic",
        "viam.component.generic.v1.GenericService",
        false,
        false,
        Contract::V0_1,
    ),
    row(
        ApiKind::GenericService,
        Kind::Service,
        "generic",
        "viam.service.generic.v1.GenericService",
        false,
        false,
        Contract::V0_1,
    ),
    row(
        ApiKind::DataManager,
        Kind::Service,
        "data_manager",
        "viam.service.datamanager.v1.DataManagerService",
        false,
        false,
        Contract::V0_1,
    ),
];

const fn row(
    kind: ApiKind,
    resource_kind: Kind,
    subtype: &'static str,
    proto_service: &'static str,
    actuator: bool,
    readings: bool,
    contract: Contract,
) -> ApiInfo {
    ApiInfo {
        kind,
        resource_kind,
        subtype,
        proto_service,
        actuator,
        readings,
        contract,
    }
}

impl ApiKind {
    /// The standard API an API triplet names, if any (namespace `rdk`).
    pub fn of(api: &Api) -> Option<ApiKind> {
        if api.namespace != "rdk" {
            return None;
        }
        APIS.iter()
            .find(|r| r.resource_kind == api.kind && r.subtype == api.subtype)
            .map(|r| r.kind)
    }

    /// Whether `api` is this API: three comparisons, not the table scan of
    /// [`ApiKind::of`] (a dependent's typed call asks on every call).
    pub fn is(self, api: &Api) -> bool {
        let info = self.info();
        api.namespace == "rdk" && api.kind == info.resource_kind && api.subtype == info.subtype
    }

    pub fn info(self) -> &'static ApiInfo {
        APIS.iter()
            .find(|r| r.kind == self)
            .expect("every ApiKind has a row in APIS")
    }

    /// The oldest contract that has this API's interface.
    pub fn contract(self) -> Contract {
        self.info().contract
    }

    pub fn api(self) -> Api {
        let info = self.info();
        Api::new("rdk", info.resource_kind, info.subtype)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_triplet() {
        for row in APIS {
            assert_eq!(ApiKind::of(&row.kind.api()), Some(row.kind));
        }
        assert_eq!(ApiKind::of(&Api::parse("acme:component:sensor").unwrap()), None);
        assert!(ApiKind::Arm.is(&Api::parse("rdk:component:arm").unwrap()));
        assert!(!ApiKind::Arm.is(&Api::parse("rdk:component:sensor").unwrap()));
        assert!(!ApiKind::Arm.is(&Api::parse("acme:component:arm").unwrap()));
    }
}
