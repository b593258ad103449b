//! Typed calls on dependencies (the `calls` import of contract 0.2.0): a
//! logic module calls any method of its dependency's API through the host,
//! and a method of another API is refused with an error naming both.

use std::time::Duration;

use armature::core::proto::viam::component::arm::v1 as arm;
use armature::core::proto::viam::component::arm::v1::arm_service_client::ArmServiceClient;
use armature_tests::*;
use serde_json::{Value, json};
use tonic::Code;

fn sim(name: &str, api: &str, model: &str, attributes: Value) -> Value {
    json!({"name": name, "api": format!("rdk:component:{api}"),
           "model": format!("armature:examples:{model}"), "attributes": attributes})
}

#[tokio::test]
async fn a_logic_module_turns_an_arm_to_a_movement_sensors_heading() {
    let machine = json!({
        "components": [
            // Standing still at the start of its circle: heading 90° (east).
            sim("gps-1", "movement_sensor", "sim-gps", json!({"speed_mps": 0})),
            sim("arm-1", "arm", "sim-arm", json!({"degs_per_sec": 1000})),
        ],
        "services": [{"name": "follow", "api": "rdk:service:generic", "model": "armature:examples:heading-arm",
                      "attributes": {"sensor": "gps-1", "arm": "arm-1", "poll_ms": 50}}],
    });
    let host = Armature::start(machine.clone());
    let services = host.services().await;
    let status = eventually(Duration::from_secs(5), "a move commanded", || {
        let mut services = services.clone();
        async move {
            let s = service_command(&mut services, "follow", json!({"status": true}))
                .await
                .ok()?;
            (s["moves"].as_f64()? >= 1.0).then_some(s)
        }
    })
    .await;
    assert_eq!(status["heading"], json!(90.0), "{status}");
    assert_eq!(status["commanded"], json!([-90.0, 30.0, -30.0]), "{status}");
    assert_eq!(status["last_error"], Value::Null, "{status}");

    let arms = ArmServiceClient::new(host.channel().await);
    let joints = eventually(Duration::from_secs(5), "the arm at the heading", || {
        let mut arms = arms.clone();
        async move {
            let j = arms
                .get_joint_positions(arm::GetJointPositionsRequest {
                    name: "arm-1".into(),
                    extra: None,
                })
                .await
                .ok()?
                .into_inner()
                .positions?
                .values;
            (j == [-90.0, 30.0, -30.0]).then_some(j)
        }
    })
    .await;
    assert_eq!(joints, [-90.0, 30.0, -30.0]);

    // Contract 0.2.0's explicit close: removing the service runs its close.
    let mut without = machine;
    without["services"] = json!([]);
    host.write_config(without);
    eventually(Duration::from_secs(5), "the service's close in the log", || {
        let closed = host.logs().contains("closed after");
        async move { closed.then_some(()) }
    })
    .await;
}

#[tokio::test]
async fn typed_calls_reach_the_dependency_and_a_wrong_api_is_refused() {
    let host = Armature::start(json!({
        "modules": [{"name": "relay", "path": fixture("relay")}],
        "components": [
            sim("motor-1", "motor", "sim-motor", json!({})),
            thermometer("temp-1", 21.5),
        ],
        "services": [{"name": "relay", "api": "rdk:service:generic", "model": "armature-test:relay:relay",
                      "attributes": {"targets": ["motor-1", "temp-1"]}}],
    }));
    let mut services = host.services().await;
    let typed = |on: &'static str, method: &'static str| {
        let mut services = services.clone();
        async move {
            service_command(
                &mut services,
                "relay",
                json!({"command": "typed", "on": on, "method": method}),
            )
            .await
        }
    };
    assert_eq!(
        typed("motor-1", "motor.get_position").await.unwrap()["answer"],
        "Answer::Motor(MotorAnswer::Position(0.0))"
    );
    // A motion started by a dependent runs until it ends or is stopped.
    typed("motor-1", "motor.go_for").await.unwrap();
    assert_eq!(
        typed("motor-1", "is_moving").await.unwrap()["answer"],
        "Answer::Boolean(true)"
    );
    assert_eq!(typed("motor-1", "stop").await.unwrap()["answer"], "Answer::Unit");
    assert_eq!(
        typed("motor-1", "is_moving").await.unwrap()["answer"],
        "Answer::Boolean(false)"
    );

    let e = typed("temp-1", "arm.get_joint_positions").await.unwrap_err();
    assert_eq!(e.code(), Code::Unimplemented, "{e:?}");
    assert!(
        e.message()
            .contains("dependency \"temp-1\" is a rdk:component:sensor, not a rdk:component:arm"),
        "{}",
        e.message()
    );
    let e = typed("temp-1", "stop").await.unwrap_err();
    assert_eq!(e.code(), Code::Unimplemented, "{e:?}");
    assert!(e.message().contains("a sensor has no stop"), "{}", e.message());

    // Neither fault harmed anything: the relay and the sensor still answer.
    let r = service_command(&mut services, "relay", json!({"command": "readings", "from": "temp-1"}))
        .await
        .unwrap();
    assert_eq!(r["temperature"], json!(21.5));
}
