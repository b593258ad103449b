//! Every service of the machine as tonic routes: the listener's
//! (`web::serve`) and module mode's socket (`module_protocol`).

use tonic::service::interceptor::InterceptedService;

use crate::apis::{
    arm, base, board, button, camera, encoder, gantry, generic, gripper, motor, movement_sensor, power_sensor, sensor,
    servo, switch, vision,
};
use crate::core::proto::tables::proto::rpc::v1 as rpc;
use crate::core::proto::tables::viam::{component as c, robot, service as s};
use crate::grpc::encoded::EncodedService;
use crate::grpc::host::Host;
use crate::grpc::{auth, data_manager};

/// Every service of the machine (robot, each resource API, auth,
/// reflection), for `serve` and for module mode's socket.
pub fn routes(host: &Host) -> anyhow::Result<tonic::service::Routes> {
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::core::proto::DESCRIPTORS)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::core::proto::DESCRIPTORS)
        .build_v1alpha()?;
    let h = || host.clone();
    // Every service but Authenticate itself requires a token when auth is on.
    let guarded = [
        EncodedService::new(robot::v1::robot_service(), crate::grpc::robot::RobotApi(h())),
        EncodedService::new(
            s::datamanager::v1::data_manager_service(),
            data_manager::DataManagerApi(h()),
        ),
        EncodedService::new(c::sensor::v1::sensor_service(), sensor::SensorApi(h())),
        EncodedService::new(c::generic::v1::generic_service(), generic::GenericComponentApi(h())),
        EncodedService::new(s::generic::v1::generic_service(), generic::GenericServiceApi(h())),
        EncodedService::new(
            c::movementsensor::v1::movement_sensor_service(),
            movement_sensor::MovementSensorApi(h()),
        ),
        EncodedService::new(c::camera::v1::camera_service(), camera::CameraApi(h())),
        EncodedService::new(c::motor::v1::motor_service(), motor::MotorApi(h())),
        EncodedService::new(c::servo::v1::servo_service(), servo::ServoApi(h())),
        EncodedService::new(c::encoder::v1::encoder_service(), encoder::EncoderApi(h())),
        EncodedService::new(c::board::v1::board_service(), board::BoardApi(h())),
        EncodedService::new(c::arm::v1::arm_service(), arm::ArmApi(h())),
        EncodedService::new(c::base::v1::base_service(), base::BaseApi(h())),
        EncodedService::new(c::gripper::v1::gripper_service(), gripper::GripperApi(h())),
        EncodedService::new(c::gantry::v1::gantry_service(), gantry::GantryApi(h())),
        EncodedService::new(
            c::powersensor::v1::power_sensor_service(),
            power_sensor::PowerSensorApi(h()),
        ),
        EncodedService::new(c::switch::v1::switch_service(), switch::SwitchApi(h())),
        EncodedService::new(c::button::v1::button_service(), button::ButtonApi(h())),
        EncodedService::new(s::vision::v1::vision_service(), vision::VisionApi(h())),
    ];
    let check = host.auth.check();
    let mut router = tonic::service::Routes::new(InterceptedService::new(reflection_v1, check.clone()))
        .add_service(InterceptedService::new(reflection_v1alpha, check.clone()))
        .into_axum_router();
    for service in guarded {
        router = router.route_service(&path(&service), InterceptedService::new(service, check.clone()));
    }
    let open = EncodedService::new(rpc::auth_service(), auth::AuthApi(host.auth.clone()));
    Ok(with_service(router.into(), open))
}

/// `routes` and `service`, which takes no token (authentication itself,
/// module mode's ModuleService).
pub fn with_service(routes: tonic::service::Routes, service: EncodedService) -> tonic::service::Routes {
    let path = path(&service);
    routes.into_axum_router().route_service(&path, service).into()
}

/// Where axum routes a service's calls, as tonic's `Routes` does.
fn path(service: &EncodedService) -> String {
    format!("/{}/{{*rest}}", service.name())
}
