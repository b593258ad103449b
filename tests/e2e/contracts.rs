//! Contract versions: modules built for armature:module@0.1.0 keep loading
//! and serving beside modules of 0.2.0, in one machine (a component of a
//! newer contract is refused, see `bad_input`).
//!
//! The 0.1.0 modules are today's thermometer and threshold-alerts examples
//! as they were built before the contract moved on, kept as binaries in
//! tests/fixtures/wit-0.1.0/: rebuilding them would build them for 0.2.0.

use std::path::PathBuf;
use std::time::Duration;

use armature::core::proto::viam::component::arm::v1 as arm;
use armature::core::proto::viam::component::arm::v1::arm_service_client::ArmServiceClient;
use armature_tests::*;
use serde_json::json;

fn frozen(name: &str) -> PathBuf {
    root().join("tests/fixtures/wit-0.1.0").join(format!("{name}.wasm"))
}

#[tokio::test]
async fn modules_of_contract_0_1_0_serve_beside_modules_of_0_2_0() {
    // A modules folder of its own: the 0.1.0 thermometer and alerts, and the
    // 0.2.0 simulated devices (the current thermometer would provide the
    // same model as the frozen one).
    let modules = tempfile::tempdir().unwrap();
    for name in ["thermometer", "threshold-alerts"] {
        std::fs::copy(frozen(name), modules.path().join(format!("{name}.wasm"))).unwrap();
    }
    std::fs::copy(
        modules_dir().join("sim-devices.wasm"),
        modules.path().join("sim-devices.wasm"),
    )
    .unwrap();
    let host = Armature::start(json!({
        "modules_dir": modules.path(),
        "components": [
            thermometer("temp-1", 21.5),
            {"name": "arm-1", "api": "rdk:component:arm", "model": "armature:examples:sim-arm",
             "attributes": {"degs_per_sec": 1000}},
        ],
        "services": [alerts("alerts", &["temp-1"], 40.0)],
    }));

    let mut sensors = host.sensors().await;
    let r = readings(&mut sensors, "temp-1").await.unwrap();
    assert_eq!(r["temperature"], json!(21.5));

    let mut arms = ArmServiceClient::new(host.channel().await);
    arms.move_to_joint_positions(arm::MoveToJointPositionsRequest {
        name: "arm-1".into(),
        positions: Some(arm::JointPositions {
            values: vec![10.0, 20.0, 30.0],
        }),
        extra: None,
    })
    .await
    .unwrap();
    let joints = arms
        .get_joint_positions(arm::GetJointPositionsRequest {
            name: "arm-1".into(),
            extra: None,
        })
        .await
        .unwrap()
        .into_inner()
        .positions
        .unwrap()
        .values;
    assert_eq!(joints, vec![10.0, 20.0, 30.0]);

    // The 0.1.0 logic module reads its 0.1.0 sensor through the host: set
    // above its threshold, the sensor raises an alert.
    sensor_command(&mut sensors, "temp-1", json!({"command": "set", "celsius": 42.5}))
        .await
        .unwrap();
    let services = host.services().await;
    let alerts = eventually(Duration::from_secs(5), "the critical alert", || {
        let mut services = services.clone();
        async move {
            let r = service_command(
                &mut services,
                "alerts",
                json!({"command": "get_alerts", "severity": "critical"}),
            )
            .await
            .ok()?;
            (r["alerts"].as_array()?.len() == 1).then_some(r)
        }
    })
    .await;
    assert_eq!(alerts["alerts"][0]["value"], json!(42.5));

    let mut robot = host.robot().await;
    let status = machine_status(&mut robot).await;
    assert!(status.values().all(|(state, _)| *state == READY), "{status:?}");
}
