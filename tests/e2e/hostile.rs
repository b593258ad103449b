//! Hostile guests beside healthy ones: what a module cannot do, and that
//! trying it harms nobody else.

use std::time::Duration;

use armature_tests::*;
use serde_json::{Value, json};
use tonic::Code;

fn hostile(name: &str, on_read: &str) -> Value {
    json!({"name": name, "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
           "attributes": {"on_read": on_read}, "limits": {"memory_mb": 16, "call_timeout_ms": 500}})
}

fn machine(extra: Vec<Value>) -> Value {
    let mut components = vec![thermometer("healthy", 20.0)];
    components.extend(extra);
    json!({"modules": [{"name": "hostile", "path": fixture("hostile")}], "components": components})
}

#[tokio::test]
async fn no_files_no_network_no_environment() {
    let host = Armature::start(machine(vec![hostile("snoop", "snoop")]));
    let mut sensors = host.sensors().await;
    let r = readings(&mut sensors, "snoop").await.unwrap();
    for key in ["fs", "dir", "escape", "tcp", "udp"] {
        let v = r[key].as_str().unwrap_or_default();
        assert!(v.starts_with("denied"), "{key}: {v}");
    }
    assert_eq!(r["env"].as_f64(), Some(0.0), "no environment variables");
    assert_eq!(r["args"].as_f64(), Some(0.0), "no arguments");
}

#[tokio::test]
async fn a_gigabyte_answer_is_stopped_by_the_memory_cap() {
    let host = Armature::start(machine(vec![hostile("huge", "huge")]));
    let before = host.rss();
    let mut sensors = host.sensors().await;
    let e = readings(&mut sensors, "huge").await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
    assert!(
        host.rss() < before + (200 << 20),
        "the host did not allocate the answer"
    );
    assert_eq!(
        readings(&mut sensors, "healthy").await.unwrap()["temperature"],
        json!(20.0)
    );
}

#[tokio::test]
async fn log_floods_and_forged_lines_are_bounded() {
    let host = Armature::start(machine(vec![hostile("flood", "flood"), hostile("long", "long-line")]));
    let mut sensors = host.sensors().await;
    readings(&mut sensors, "flood").await.unwrap();
    readings(&mut sensors, "long").await.unwrap();
    // The rate limit reports what it dropped once its second is over.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    readings(&mut sensors, "flood").await.unwrap();
    let logs = host.logs();
    let flood_lines = logs.lines().filter(|l| l.contains("flood line")).count();
    assert!(flood_lines <= 2 * 200 + 10, "{flood_lines} flood lines reached the log");
    assert!(logs.contains("guest log lines dropped"), "drops are reported");
    assert!(
        !logs.lines().any(|l| l.starts_with("\u{1b}[31mforged line")),
        "a guest cannot start a log line"
    );
    let long = logs
        .lines()
        .find(|l| l.contains("yyyy"))
        .expect("the long line is logged");
    assert!(long.len() < 2000, "cut to the bound: {} bytes", long.len());
    assert!(long.contains("\\n"), "control characters are escaped");
}

#[tokio::test]
async fn a_forged_handle_traps_that_guest_only() {
    let host = Armature::start(machine(vec![hostile("forger", "forge")]));
    let mut sensors = host.sensors().await;
    let e = readings(&mut sensors, "forger").await.unwrap_err();
    assert_eq!(e.code(), Code::Internal, "{e:?}");
    assert_eq!(
        readings(&mut sensors, "healthy").await.unwrap()["temperature"],
        json!(20.0)
    );
}

#[tokio::test]
async fn a_validate_that_never_returns_hits_its_deadline() {
    let mut slow = hostile("slow", "ok");
    slow["attributes"]["on_validate"] = json!("spin");
    slow["limits"]["validate_timeout_ms"] = json!(300);
    let host = Armature::start(machine(vec![slow]));
    let mut robot = host.robot().await;
    let status = machine_status(&mut robot).await;
    assert_eq!(status["slow"].0, UNHEALTHY, "{status:?}");
    assert!(status["slow"].1.contains("deadline"), "{status:?}");
    assert_eq!(status["healthy"].0, READY);
}

#[tokio::test]
async fn a_granted_data_folder_survives_restarts_and_cannot_be_left() {
    let state = tempfile::tempdir().unwrap();
    let state_arg = state.path().to_str().unwrap().to_string();
    let mut store = hostile("store", "storage");
    store["data_dir"] = json!(true);
    let folder = state.path().join("data/sensor/store");
    std::fs::create_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink("/etc", folder.join("link")).unwrap();
    let config = machine(vec![store, hostile("no-grant", "storage")]);
    {
        let host = Armature::start_with(config.clone(), &["--state-dir", &state_arg]);
        let mut sensors = host.sensors().await;
        assert_eq!(
            readings(&mut sensors, "store").await.unwrap()["count"].as_f64(),
            Some(1.0)
        );
        let r = readings(&mut sensors, "store").await.unwrap();
        assert_eq!(r["count"].as_f64(), Some(2.0));
        for key in ["dotdot", "absolute", "symlink"] {
            assert!(r[key].as_str().unwrap().starts_with("denied"), "{key}: {r}");
        }
        // Without the grant there is no /data at all.
        let e = readings(&mut sensors, "no-grant").await.unwrap_err();
        assert_eq!(e.code(), Code::Internal, "{e:?}");
    }
    let host = Armature::start_with(config, &["--state-dir", &state_arg]);
    let mut sensors = host.sensors().await;
    assert_eq!(
        readings(&mut sensors, "store").await.unwrap()["count"].as_f64(),
        Some(3.0),
        "kept across restarts"
    );
    assert_eq!(std::fs::read_to_string(folder.join("count")).unwrap(), "3");
}
