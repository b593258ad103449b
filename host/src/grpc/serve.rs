//! The listener: every service of the machine on one port, gRPC natively
//! and, for browsers, gRPC-Web and the plain HTTP of `web`.

use std::sync::Arc;

use anyhow::Context;
use tokio_stream::wrappers::UnixListenerStream;

use crate::grpc::host::Host;
use crate::grpc::listen::Listener;
use crate::grpc::{
    auth, board, camera, connections, data_manager, encoder, generic, motor, movement_sensor, sensor, servo,
};

/// Serves every service on `listener` until `shutdown` fires: gRPC, and on
/// the same port gRPC-Web and the plain HTTP of [`crate::web`] (the control
/// panel only when `panel`), answering browsers only by the names in `names`.
pub async fn serve(
    host: Host,
    listener: Listener,
    tls: Option<tonic::transport::Identity>,
    panel: bool,
    names: Arc<crate::web::names::AllowedNames>,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let mut server = tonic::transport::Server::builder()
        // A live client answers pings, which keeps its connection active
        // (grpc/connections.rs); a dead one is closed.
        .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(std::time::Duration::from_secs(10)));
    if let Some(identity) = tls {
        server = server
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .context("configuring TLS")?;
    }
    // gRPC-Web wraps the gRPC services only: it answers every other HTTP/1.1
    // request 400, so the plain HTTP routes are added after it (axum layers
    // apply to the routes added before).
    // The browser's stack: gRPC-Web, the panel's routes, the check of the
    // name a request was sent to, and CORS outermost, so that preflights
    // are answered before anything else looks at the request.
    let grpc_web = routes(&host)?.into_axum_router().layer(tonic_web::GrpcWebLayer::new());
    let web = crate::web::add_routes(grpc_web, &host, panel);
    let web = crate::web::only_allowed_names(web, names.clone());
    let web = tower::ServiceBuilder::new()
        .map_response(|r: http::Response<axum::body::Body>| r.map(tonic::body::Body::new))
        .layer(crate::web::cors(&host.auth))
        .service(web);
    // Native gRPC skips all of it (web/native_first.rs); HTTP/1.1 is for browsers.
    let router = server
        .accept_http1(true)
        .layer(crate::web::native_first::NativeFirstLayer::new(
            tower::util::BoxCloneSyncService::new(web),
            names,
        ))
        .add_routes(routes(&host)?);
    match listener {
        Listener::Tcp(l) => {
            let incoming = connections::incoming(l, connections::Limits::for_this_process());
            router.serve_with_incoming_shutdown(incoming, shutdown).await?;
        }
        Listener::Unix { listener, path } => {
            let served = router
                .serve_with_incoming_shutdown(UnixListenerStream::new(listener), shutdown)
                .await;
            let _ = std::fs::remove_file(&path);
            served?;
        }
    }
    Ok(())
}

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
        .add_service(InterceptedService::new(reflection_v1, check.clone()))
        .add_service(InterceptedService::new(reflection_v1alpha, check));
    Ok(routes.routes())
}

/// Binds a TCP address (`localhost:8080`) or a Unix socket (`unix:PATH`).
pub async fn bind(addr: &str) -> anyhow::Result<(Listener, String)> {
    Listener::bind(addr).await
}
