//! Every service of the machine as tonic routes: the listener's
//! (`web::serve`) and module mode's socket (`module_protocol`).

use crate::apis::{
    arm, base, board, button, camera, encoder, gantry, generic, gripper, motor, movement_sensor, power_sensor, sensor,
    servo, switch,
};
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
    use crate::core::proto;
    use proto::viam::{component, robot, service};
    use tonic::service::interceptor::InterceptedService;
    // Every service but Authenticate itself requires a token when auth is on.
    let check = host.auth.check();
    let h = || host.clone();
    let mut routes = tonic::service::RoutesBuilder::default();
    routes
        .add_service(proto::proto::rpc::v1::auth_service_server::AuthServiceServer::new(auth::AuthApi(
            host.auth.clone(),
        )))
        .add_service(robot::v1::robot_service_server::RobotServiceServer::with_interceptor(
            crate::grpc::robot::RobotApi(h()),
            check.clone(),
        ))
        .add_service(component::sensor::v1::sensor_service_server::SensorServiceServer::with_interceptor(
            sensor::SensorApi(h()),
            check.clone(),
        ))
        .add_service(component::generic::v1::generic_service_server::GenericServiceServer::with_interceptor(
            generic::GenericComponentApi(h()),
            check.clone(),
        ))
        .add_service(service::generic::v1::generic_service_server::GenericServiceServer::with_interceptor(
            generic::GenericServiceApi(h()),
            check.clone(),
        ))
        .add_service(
            service::datamanager::v1::data_manager_service_server::DataManagerServiceServer::with_interceptor(
                data_manager::DataManagerApi(h()),
                check.clone(),
            ),
        )
        .add_service(
            component::movementsensor::v1::movement_sensor_service_server::MovementSensorServiceServer::with_interceptor(
                movement_sensor::MovementSensorApi(h()),
                check.clone(),
            ),
        )
        .add_service(component::camera::v1::camera_service_server::CameraServiceServer::with_interceptor(
            camera::CameraApi(h()),
            check.clone(),
        ))
        .add_service(component::motor::v1::motor_service_server::MotorServiceServer::with_interceptor(
            motor::MotorApi(h()),
            check.clone(),
        ))
        .add_service(component::servo::v1::servo_service_server::ServoServiceServer::with_interceptor(
            servo::ServoApi(h()),
            check.clone(),
        ))
        .add_service(component::encoder::v1::encoder_service_server::EncoderServiceServer::with_interceptor(
            encoder::EncoderApi(h()),
            check.clone(),
        ))
        .add_service(component::board::v1::board_service_server::BoardServiceServer::with_interceptor(
            board::BoardApi(h()),
            check.clone(),
        ))
        .add_service(component::arm::v1::arm_service_server::ArmServiceServer::with_interceptor(
            arm::ArmApi(h()),
            check.clone(),
        ))
        .add_service(component::base::v1::base_service_server::BaseServiceServer::with_interceptor(
            base::BaseApi(h()),
            check.clone(),
        ))
        .add_service(component::gripper::v1::gripper_service_server::GripperServiceServer::with_interceptor(
            gripper::GripperApi(h()),
            check.clone(),
        ))
        .add_service(component::gantry::v1::gantry_service_server::GantryServiceServer::with_interceptor(
            gantry::GantryApi(h()),
            check.clone(),
        ))
        .add_service(
            component::powersensor::v1::power_sensor_service_server::PowerSensorServiceServer::with_interceptor(
                power_sensor::PowerSensorApi(h()),
                check.clone(),
            ),
        )
        .add_service(component::switch::v1::switch_service_server::SwitchServiceServer::with_interceptor(
            switch::SwitchApi(h()),
            check.clone(),
        ))
        .add_service(component::button::v1::button_service_server::ButtonServiceServer::with_interceptor(
            button::ButtonApi(h()),
            check.clone(),
        ))
        .add_service(InterceptedService::new(reflection_v1, check.clone()))
        .add_service(InterceptedService::new(reflection_v1alpha, check));
    Ok(routes.routes())
}
