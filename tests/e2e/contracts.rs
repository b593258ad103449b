//! Contract versions: modules built for armature:module@0.1.0 and 0.2.0
//! keep loading and serving beside modules of the newest, in one machine (a
//! component of a newer contract is refused, see `bad_input`).
//!
//! The frozen modules are examples as they were built before the contract
//! moved on, kept as binaries: today's thermometer and threshold-alerts in
//! tests/fixtures/wit-0.1.0/, heading-arm (typed calls through 0.2.0's
//! `calls`) in tests/fixtures/wit-0.2.0/. Rebuilding them would build them
//! for the newest contract.

use std::path::PathBuf;
use std::time::Duration;

use armature::core::proto::viam::component::arm::v1 as arm;
use armature::core::proto::viam::component::arm::v1::arm_service_client::ArmServiceClient;
use armature_tests::*;
use serde_json::json;

fn frozen(name: &str) -> PathBuf {
    root().join("tests/fixtures/wit-0.1.0").join(format!("{name}.wasm"))
}

fn frozen_0_2_0(name: &str) -> PathBuf {
    root().join("tests/fixtures/wit-0.2.0").join(format!("{name}.wasm"))
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

#[tokio::test]
async fn a_logic_module_of_contract_0_2_0_serves_beside_one_of_0_2_1() {
    let modules = tempfile::tempdir().unwrap();
    std::fs::copy(frozen_0_2_0("heading-arm"), modules.path().join("heading-arm.wasm")).unwrap();
    for name in ["sim-devices", "test-pattern-camera", "color-detector", "follow-color"] {
        let file = format!("{name}.wasm");
        std::fs::copy(modules_dir().join(&file), modules.path().join(&file)).unwrap();
    }
    let component = |name: &str, api: &str, model: &str, attributes: serde_json::Value| {
        json!({"name": name, "api": format!("rdk:component:{api}"),
               "model": format!("armature:examples:{model}"), "attributes": attributes})
    };
    let host = Armature::start(json!({
        "modules_dir": modules.path(),
        "components": [
            component("gps-1", "movement_sensor", "sim-gps", json!({"speed_mps": 0})),
            component("arm-1", "arm", "sim-arm", json!({"degs_per_sec": 1000})),
            component("cam-1", "camera", "test-pattern", json!({})),
            component("base-1", "base", "sim-base", json!({})),
        ],
        "services": [
            // 0.2.0: typed calls on a movement sensor and an arm.
            {"name": "turn", "api": "rdk:service:generic", "model": "armature:examples:heading-arm",
             "attributes": {"sensor": "gps-1", "arm": "arm-1", "poll_ms": 50}},
            {"name": "vision-1", "api": "rdk:service:vision", "model": "armature:examples:color-detector",
             "attributes": {"detect_color": "#FF8000", "hue_tolerance_pct": 0.05, "segment_size_px": 100,
                            "camera_name": "cam-1"}},
            // 0.2.1: and on a vision service.
            {"name": "follow", "api": "rdk:service:generic", "model": "armature:examples:follow-color",
             "attributes": {"camera": "cam-1", "vision": "vision-1", "base": "base-1", "poll_ms": 50}},
        ],
    }));
    let services = host.services().await;
    let status = |name: &'static str, command: serde_json::Value, done: fn(&serde_json::Value) -> bool| {
        let services = services.clone();
        eventually(Duration::from_secs(5), name, move || {
            let mut services = services.clone();
            let command = command.clone();
            async move {
                let s = service_command(&mut services, name, command).await.ok()?;
                done(&s).then_some(s)
            }
        })
    };
    let turned = status("turn", json!({"status": true}), |s| s["moves"].as_f64() >= Some(1.0)).await;
    assert_eq!(turned["commanded"], json!([-90.0, 30.0, -30.0]), "{turned}");
    let followed = status("follow", json!({"command": "status"}), |s| {
        s["ticks"].as_f64() >= Some(3.0)
    })
    .await;
    assert_eq!(followed["state"], json!("idle"), "{followed}");
    assert_eq!(followed["last_error"], serde_json::Value::Null, "{followed}");
}

/// What docs/reference/wit.md promises of a Rust module built from 0.2.1:
/// one that calls no vision service names no interface of 0.2.1 (the linker
/// drops the unused import), and so is a 0.2.0 component a 0.2.0 host
/// loads; one that calls a vision service names `vision-calls@0.2.1`.
#[test]
fn a_rust_module_names_0_2_1_only_when_it_calls_a_vision_service() {
    let names_0_2_1 = |module: &str| {
        let bytes = std::fs::read(modules_dir().join(format!("{module}.wasm"))).unwrap();
        let needle = b"armature:module/vision-calls@0.2.1";
        let any_0_2_1 = bytes.windows(6).any(|w| w == b"@0.2.1");
        (bytes.windows(needle.len()).any(|w| w == needle), any_0_2_1)
    };
    for module in ["sim-devices", "heading-arm", "color-detector", "test-pattern-camera"] {
        assert_eq!(
            names_0_2_1(module),
            (false, false),
            "{module} names an interface of 0.2.1"
        );
    }
    assert_eq!(names_0_2_1("follow-color"), (true, true));
}
