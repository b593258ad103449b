//! Actuator safety over the raw wire (what the SDKs do for us elsewhere):
//! a lapsed session stops what it moved, StopAll stops actuators and
//! nothing else, and bad arguments are refused with the resource named.

use std::time::Duration;

use armature::core::proto::viam::component::camera::v1 as camera;
use armature::core::proto::viam::component::camera::v1::camera_service_client::CameraServiceClient;
use armature::core::proto::viam::component::motor::v1 as motor;
use armature::core::proto::viam::component::motor::v1::motor_service_client::MotorServiceClient;
use armature_tests::*;
use serde_json::json;
use tonic::Code;
use tonic::transport::Channel;

fn sim_motor(name: &str) -> serde_json::Value {
    json!({"name": name, "api": "rdk:component:motor", "model": "armature:examples:sim-motor", "attributes": {"max_rpm": 100}})
}

async fn moving(client: &mut MotorServiceClient<Channel>, name: &str) -> bool {
    client
        .is_moving(motor::IsMovingRequest { name: name.into() })
        .await
        .unwrap()
        .into_inner()
        .is_moving
}

fn with_session<T>(message: T, id: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(message);
    r.metadata_mut().insert("viam-sid", id.parse().unwrap());
    r
}

#[tokio::test]
async fn a_lapsed_session_stops_what_it_moved_and_only_that() {
    let host = Armature::start(json!({
        "network": {"sessions": {"heartbeat_window": "300ms"}},
        "components": [sim_motor("m1"), sim_motor("m2"), thermometer("t", 1.0)],
    }));
    let mut robot = host.robot().await;
    let mut motors = MotorServiceClient::new(host.channel().await);
    let session = robot
        .start_session(robot::StartSessionRequest { resume: String::new() })
        .await
        .unwrap()
        .into_inner()
        .id;
    motors
        .set_power(with_session(
            motor::SetPowerRequest {
                name: "m1".into(),
                power_pct: 0.5,
                extra: None,
            },
            &session,
        ))
        .await
        .unwrap();
    // m2 is moved without a session: nothing watches it.
    motors
        .set_rpm(motor::SetRpmRequest {
            name: "m2".into(),
            rpm: 30.0,
            extra: None,
        })
        .await
        .unwrap();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        robot
            .send_session_heartbeat(robot::SendSessionHeartbeatRequest { id: session.clone() })
            .await
            .unwrap();
    }
    assert!(moving(&mut motors, "m1").await, "heartbeats keep the motion going");
    // Heartbeats stop: within the window (plus a reaper period) m1 stops.
    eventually(Duration::from_secs(2), "m1 stopped after the session lapsed", || {
        let mut motors = motors.clone();
        async move { (!moving(&mut motors, "m1").await).then_some(()) }
    })
    .await;
    assert!(
        moving(&mut motors, "m2").await,
        "a motor moved outside the session keeps moving"
    );
    assert!(host.logs().contains("session lapsed; stopping what it moved"));
    // A call tagged with the expired session is refused as Viam does.
    let e = motors
        .set_power(with_session(
            motor::SetPowerRequest {
                name: "m1".into(),
                power_pct: 0.5,
                extra: None,
            },
            &session,
        ))
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.message()), (Code::InvalidArgument, "SESSION_EXPIRED"));
}

#[tokio::test]
async fn stop_during_go_for_returns_within_a_control_period() {
    let host = Armature::start(json!({"components": [sim_motor("m")]}));
    let mut motors = MotorServiceClient::new(host.channel().await);
    let mut go = motors.clone();
    let started = tokio::spawn(async move {
        go.go_for(motor::GoForRequest {
            name: "m".into(),
            rpm: 10.0,
            revolutions: 100.0,
            extra: None,
        })
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(moving(&mut motors, "m").await, "IsMoving answers during the motion");
    let mut robot = host.robot().await;
    let ops = robot
        .get_operations(robot::GetOperationsRequest {})
        .await
        .unwrap()
        .into_inner()
        .operations;
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0].method, "/viam.component.motor.v1.MotorService/GoFor");
    let stop_sent = std::time::Instant::now();
    motors
        .stop(motor::StopRequest {
            name: "m".into(),
            extra: None,
        })
        .await
        .unwrap();
    started.await.unwrap().expect("GoFor returns OK when stopped");
    assert!(
        stop_sent.elapsed() < Duration::from_millis(300),
        "returned {:?} after the stop",
        stop_sent.elapsed()
    );
    assert!(!moving(&mut motors, "m").await);
    let ops = robot
        .get_operations(robot::GetOperationsRequest {})
        .await
        .unwrap()
        .into_inner()
        .operations;
    assert!(ops.is_empty(), "the finished motion is no longer listed: {ops:?}");
}

#[tokio::test]
async fn stop_all_stops_every_actuator_and_nothing_else() {
    let host = Armature::start(json!({
        "components": [
            sim_motor("m1"), sim_motor("m2"),
            {"name": "s", "api": "rdk:component:servo", "model": "armature:examples:sim-servo", "attributes": {"deg_per_sec": 10}},
            thermometer("t", 1.0),
        ],
    }));
    let mut motors = MotorServiceClient::new(host.channel().await);
    motors
        .set_rpm(motor::SetRpmRequest {
            name: "m1".into(),
            rpm: 30.0,
            extra: None,
        })
        .await
        .unwrap();
    motors
        .set_power(motor::SetPowerRequest {
            name: "m2".into(),
            power_pct: -0.3,
            extra: None,
        })
        .await
        .unwrap();
    let mut robot = host.robot().await;
    robot
        .stop_all(robot::StopAllRequest { extra: Vec::new() })
        .await
        .unwrap();
    assert!(!moving(&mut motors, "m1").await && !moving(&mut motors, "m2").await);
    let mut sensors = host.sensors().await;
    assert_eq!(readings(&mut sensors, "t").await.unwrap()["temperature"], json!(1.0));
}

#[tokio::test]
async fn out_of_range_arguments_name_the_resource_and_argument() {
    let host = Armature::start(json!({"components": [sim_motor("m")]}));
    let mut motors = MotorServiceClient::new(host.channel().await);
    let e = motors
        .set_power(motor::SetPowerRequest {
            name: "m".into(),
            power_pct: -1.5,
            extra: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.message().contains("\"m\"") && e.message().contains("power_pct"),
        "{e:?}"
    );
    let e = motors
        .go_for(motor::GoForRequest {
            name: "m".into(),
            rpm: 0.0,
            revolutions: 1.0,
            extra: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("rpm"), "{e:?}");
    let e = motors
        .set_rpm(motor::SetRpmRequest {
            name: "m".into(),
            rpm: 1000.0,
            extra: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::OutOfRange, "the guest's own range check: {e:?}");
}

#[tokio::test]
async fn a_camera_answering_an_unknown_mime_type_is_an_error() {
    let host = Armature::start(json!({
        "modules": [{"name": "hostile", "path": fixture("hostile")}],
        "components": [{"name": "bad-cam", "api": "rdk:component:camera", "model": "armature-test:hostile:camera"}],
    }));
    let mut cameras = CameraServiceClient::new(host.channel().await);
    let e = cameras
        .get_images(camera::GetImagesRequest {
            name: "bad-cam".into(),
            filter_source_names: vec![],
            extra: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Internal);
    assert!(
        e.message().contains("bad-cam") && e.message().contains("image/bogus"),
        "{e:?}"
    );
}
