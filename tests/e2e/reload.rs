//! Hot reconfiguration under load: config edits and module upgrades take
//! effect live, touch only what changed, and never fail a call.

use std::time::Duration;

use armature_tests::hammer::{Hammer, until};
use armature_tests::*;
use serde_json::{Value, json};

fn versioned(name: &str) -> Value {
    json!({"name": name, "api": "rdk:component:sensor", "model": "armature-test:versioned:sensor"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_upgrades_take_effect_live_without_a_failed_call() {
    let modules = tempfile::tempdir().unwrap();
    let install = |file: &str| {
        let src = if file.starts_with("versioned") {
            fixture(file.trim_end_matches(".wasm"))
        } else {
            modules_dir().join(file)
        };
        let tmp = modules.path().join(format!(".{file}.partial"));
        std::fs::copy(src, &tmp).unwrap();
        std::fs::rename(&tmp, modules.path().join(file)).unwrap();
    };
    install("thermometer.wasm");
    install("versioned@1.0.0.wasm");
    let config = |celsius: f64, extra: bool| {
        let mut components = vec![thermometer("steady", celsius), versioned("v")];
        if extra {
            components.push(thermometer("extra", 1.0));
        }
        json!({"modules_dir": modules.path(), "components": components})
    };
    let host = Armature::start(config(20.0, false));
    let channel = host.channel().await;
    let steady = Hammer::start(SensorServiceClient::new(channel.clone()), "steady");
    let swapped = Hammer::start(SensorServiceClient::new(channel.clone()), "v");
    let mut robot = host.robot().await;
    until("first readings", || {
        steady.last()["temperature"] == json!(20.0) && swapped.last()["version"] == "1.0.0"
    })
    .await;

    // (1) An attribute edit, picked up by the file watcher, reconfigures in place.
    host.write_config(config(21.0, false));
    until("the edited attribute", || steady.last()["temperature"] == json!(21.0)).await;

    // (2) Resources added and removed.
    host.write_config(config(21.0, true));
    let mut sensors = host.sensors().await;
    eventually(Duration::from_secs(10), "extra added", || {
        let mut sensors = sensors.clone();
        async move { readings(&mut sensors, "extra").await.ok() }
    })
    .await;
    host.write_config(config(21.0, false));
    eventually(Duration::from_secs(10), "extra removed", || {
        let mut sensors = sensors.clone();
        async move {
            readings(&mut sensors, "extra")
                .await
                .err()
                .filter(|e| e.code() == tonic::Code::NotFound)
        }
    })
    .await;

    // (3) A newer version dropped into the modules folder serves.
    install("versioned@2.0.0.wasm");
    until("version 2 serving", || swapped.last()["version"] == "2.0.0").await;
    let status = robot
        .get_machine_status(robot::GetMachineStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    let v = status
        .resources
        .iter()
        .find(|r| r.name.as_ref().unwrap().name == "v")
        .unwrap();
    assert_eq!(v.revision, "versioned@2.0.0");

    // (4) A broken config, a .wasm that is not a component and a version
    // whose constructor traps: each refused, nothing changes.
    std::fs::write(host.config_path(), b"{ \"components\": [ oops").unwrap();
    std::fs::write(modules.path().join("garbage.wasm"), b"not wasm at all").unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    std::fs::remove_file(modules.path().join("garbage.wasm")).unwrap();
    host.write_config(config(21.0, false));
    install("versioned@3.0.0.wasm");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        swapped.last()["version"],
        "2.0.0",
        "the version that traps on construct was refused"
    );
    assert_eq!(steady.last()["temperature"], json!(21.0));
    let logs = host.logs();
    assert!(logs.contains("config change refused"), "{logs}");
    assert!(logs.contains("cannot start"), "the trap is reported: {logs}");
    std::fs::remove_file(modules.path().join("versioned@3.0.0.wasm")).unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;

    // (5) Twenty swaps between versions 1 and 2; memory stays put.
    let rss_before = host.rss();
    for i in 0..20 {
        if i % 2 == 0 {
            std::fs::remove_file(modules.path().join("versioned@2.0.0.wasm")).unwrap();
            until("back to version 1", || swapped.last()["version"] == "1.0.0").await;
        } else {
            install("versioned@2.0.0.wasm");
            until("version 2 again", || swapped.last()["version"] == "2.0.0").await;
        }
    }
    let rss_after = host.rss();

    let (steady_calls, steady_failures, steady_errors) = steady.finish().await;
    let (swapped_calls, swapped_failures, swapped_errors) = swapped.finish().await;
    assert_eq!(
        steady_failures, 0,
        "failed calls on the unchanged sensor: {steady_errors:?}"
    );
    assert_eq!(
        swapped_failures, 0,
        "failed calls on the swapped sensor: {swapped_errors:?}"
    );
    assert!(
        steady_calls > 200 && swapped_calls > 200,
        "{steady_calls} / {swapped_calls} calls"
    );
    assert!(
        rss_after < rss_before + (40 << 20),
        "no leaked Stores: RSS {} MiB before 20 swaps, {} MiB after",
        rss_before >> 20,
        rss_after >> 20
    );
    assert!(
        readings(&mut sensors, "steady").await.is_ok(),
        "steady still serves after the swaps"
    );
}

#[tokio::test]
async fn armature_reload_signals_the_running_host() {
    let host = Armature::start(json!({"components": [thermometer("t", 1.0)]}));
    std::fs::write(
        host.config_path(),
        serde_json::to_vec(&json!({"modules_dir": modules_dir(), "components": [thermometer("t", 2.0)]})).unwrap(),
    )
    .unwrap();
    let out = std::process::Command::new(armature_bin())
        .args(["reload", "--config"])
        .arg(host.config_path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut sensors = host.sensors().await;
    eventually(Duration::from_secs(5), "the reloaded value", || {
        let mut sensors = sensors.clone();
        async move { (readings(&mut sensors, "t").await.ok()?["temperature"] == json!(2.0)).then_some(()) }
    })
    .await;
    assert_eq!(
        readings(&mut sensors, "t").await.unwrap()["temperature"],
        json!(2.0),
        "and it stays"
    );
}

/// A component that carries its version inside (the `version` custom
/// section wasm-tools and wasm-metadata write) is that version, with no
/// `@version` in its file name, and version requirements match against it.
#[test]
fn a_version_embedded_in_the_component_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(modules_dir().join("thermometer.wasm")).unwrap();
    let (name, data) = (b"version".as_slice(), b"2.5.1".as_slice());
    bytes.extend([0, (1 + name.len() + data.len()) as u8, name.len() as u8]);
    bytes.extend(name);
    bytes.extend(data);
    std::fs::write(dir.path().join("thermo.wasm"), &bytes).unwrap();

    let out = std::process::Command::new(armature_bin())
        .args(["models", "--json", "--cache-dir"])
        .arg(test_cache())
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["module"], "thermo");
    assert_eq!(rows[0]["version"], "2.5.1");

    let check = |requirement: &str| {
        let config = dir.path().join("machine.json");
        std::fs::write(
            &config,
            json!({
                "modules_dir": dir.path(),
                "modules": [{"name": "thermo", "version": requirement}],
                "components": [thermometer("t", 1.0)],
            })
            .to_string(),
        )
        .unwrap();
        std::process::Command::new(armature_bin())
            .args(["check", "--config"])
            .arg(&config)
            .output()
            .unwrap()
    };
    assert!(check("^2.5").status.success());
    let refused = check("^3");
    assert!(!refused.status.success());
    let text = String::from_utf8_lossy(&refused.stdout).to_string() + &String::from_utf8_lossy(&refused.stderr);
    assert!(text.contains("thermo") && text.contains("^3"), "{text}");
}
