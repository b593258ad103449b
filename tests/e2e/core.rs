//! The core promise, end to end: a real armature process with the example
//! modules, driven over gRPC.

use std::time::Duration;

use armature_tests::*;
use serde_json::json;
use tonic::Code;

fn demo_config() -> serde_json::Value {
    json!({
        "components": [thermometer("temp-1", 21.5), thermometer("temp-2", 25.0)],
        "services": [alerts("alerts", &["temp-1", "temp-2"], 40.0)],
    })
}

#[tokio::test]
async fn lists_resources_and_reads_a_sensor() {
    let host = Armature::start(demo_config());
    let mut robot = host.robot().await;
    let names = robot
        .resource_names(robot::ResourceNamesRequest {})
        .await
        .unwrap()
        .into_inner()
        .resources;
    let mut listed: Vec<(String, String, String)> = names
        .iter()
        .map(|n| (n.r#type.clone(), n.subtype.clone(), n.name.clone()))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![
            ("component".into(), "sensor".into(), "temp-1".into()),
            ("component".into(), "sensor".into(), "temp-2".into()),
            ("service".into(), "generic".into(), "alerts".into()),
        ]
    );

    let mut sensors = host.sensors().await;
    let r = readings(&mut sensors, "temp-1").await.unwrap();
    assert_eq!(r["temperature"], json!(21.5));
    assert_eq!(r["humidity"], json!(40.0));

    let subtypes = robot
        .resource_rpc_subtypes(robot::ResourceRpcSubtypesRequest {})
        .await
        .unwrap()
        .into_inner();
    let services: Vec<String> = subtypes
        .resource_rpc_subtypes
        .iter()
        .map(|s| s.proto_service.clone())
        .collect();
    assert!(
        services.contains(&"viam.component.sensor.v1.SensorService".to_string()),
        "{services:?}"
    );
    assert!(
        services.contains(&"viam.service.generic.v1.GenericService".to_string()),
        "{services:?}"
    );

    let version = robot
        .get_version(robot::GetVersionRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(version.platform, "armature");

    let status = machine_status(&mut robot).await;
    assert!(status.values().all(|(state, _)| *state == READY), "{status:?}");
}

#[tokio::test]
async fn unknown_names_are_not_found_and_bad_commands_invalid() {
    let host = Armature::start(demo_config());
    let mut sensors = host.sensors().await;
    let e = readings(&mut sensors, "nope").await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "{e:?}");
    assert!(e.message().contains("nope"), "{e:?}");
    // A sensor's name asked of another API is not found either.
    let mut services = host.services().await;
    let e = service_command(&mut services, "temp-1", json!({"command": "get_alerts"}))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    let e = service_command(&mut services, "alerts", json!({"command": "explode"}))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
    assert!(e.message().contains("alerts"), "the message names the resource: {e:?}");
}

#[tokio::test]
async fn an_alert_appears_when_a_reading_crosses_the_threshold() {
    let host = Armature::start(demo_config());
    let mut services = host.services().await;
    let mut sensors = host.sensors().await;
    let quiet = service_command(
        &mut services,
        "alerts",
        json!({"command": "get_alerts", "severity": "critical"}),
    )
    .await
    .unwrap();
    assert_eq!(quiet, json!({"alerts": []}));

    sensor_command(&mut sensors, "temp-1", json!({"command": "set", "celsius": 42.5}))
        .await
        .unwrap();
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
    assert_eq!(
        alerts,
        json!({"alerts": [{"sensor": "temp-1", "value": 42.5, "threshold": 40.0, "severity": "critical"}]})
    );
}

#[tokio::test]
async fn background_polling_stops_when_the_logic_resource_is_removed() {
    let host = Armature::start(demo_config());
    let mut sensors = host.sensors().await;
    let reads = |v: serde_json::Value| v["reads"].as_f64().unwrap_or(-1.0);
    // The logic service polls temp-2 every 50 ms.
    let before = reads(
        sensor_command(&mut sensors, "temp-2", json!({"command": "stats"}))
            .await
            .unwrap(),
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let during = reads(
        sensor_command(&mut sensors, "temp-2", json!({"command": "stats"}))
            .await
            .unwrap(),
    );
    assert!(during >= before + 3.0, "polling runs: {before} -> {during}");

    host.reload(json!({"components": [thermometer("temp-1", 21.5), thermometer("temp-2", 25.0)]}));
    let mut robot = host.robot().await;
    eventually(Duration::from_secs(5), "alerts removed", || {
        let mut robot = robot.clone();
        async move { (!machine_status(&mut robot).await.contains_key("alerts")).then_some(()) }
    })
    .await;
    let after_removal = reads(
        sensor_command(&mut sensors, "temp-2", json!({"command": "stats"}))
            .await
            .unwrap(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let later = reads(
        sensor_command(&mut sensors, "temp-2", json!({"command": "stats"}))
            .await
            .unwrap(),
    );
    assert_eq!(later, after_removal, "no reads after the logic resource was removed");
    // The sensors kept their state: they were not touched by the change.
    assert!(later >= during);
    let _ = robot.resource_names(robot::ResourceNamesRequest {}).await.unwrap();
}

#[tokio::test]
async fn dependencies_wait_and_optional_ones_are_handed_over_when_they_appear() {
    // alerts needs temp-9, which is not configured yet: it waits.
    let host = Armature::start(json!({
        "components": [thermometer("temp-1", 50.0)],
        "services": [alerts("alerts", &["temp-1", "temp-9"], 40.0)],
    }));
    let mut robot = host.robot().await;
    let status = machine_status(&mut robot).await;
    assert_eq!(status["alerts"].0, CONFIGURING, "{status:?}");
    assert!(status["alerts"].1.contains("temp-9"), "{status:?}");

    host.reload(json!({
        "components": [thermometer("temp-1", 50.0), thermometer("temp-9", 45.0)],
        "services": [alerts("alerts", &["temp-1", "temp-9"], 40.0)],
    }));
    let services = host.services().await;
    let alerts = eventually(Duration::from_secs(10), "alerts for both sensors", || {
        let mut services = services.clone();
        async move {
            let r = service_command(&mut services, "alerts", json!({"command": "get_alerts"}))
                .await
                .ok()?;
            (r["alerts"].as_array()?.len() == 2).then_some(r)
        }
    })
    .await;
    let sensors: Vec<&str> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["sensor"].as_str().unwrap())
        .collect();
    assert_eq!(sensors, vec!["temp-1", "temp-9"]);
}

#[tokio::test]
async fn full_dependency_names_resolve_and_cycles_are_named() {
    let host = Armature::start(json!({
        "components": [
            thermometer("temp-1", 50.0),
            {"name": "a", "api": "rdk:component:sensor", "model": "armature:examples:thermometer", "depends_on": ["b"]},
            {"name": "b", "api": "rdk:component:sensor", "model": "armature:examples:thermometer", "depends_on": ["rdk:component:sensor/a"]},
        ],
        "services": [alerts("alerts", &["rdk:component:sensor/temp-1"], 40.0)],
    }));
    let mut robot = host.robot().await;
    let status = machine_status(&mut robot).await;
    assert_eq!(status["temp-1"].0, READY);
    assert_eq!(status["a"].0, UNHEALTHY);
    assert!(status["a"].1.contains("cycle"), "{status:?}");
    assert!(
        status["b"].1.contains("a -> b -> a") || status["b"].1.contains("b -> a -> b"),
        "{status:?}"
    );
    let services = host.services().await;
    let alerts = eventually(
        Duration::from_secs(5),
        "an alert through a full-name dependency",
        || {
            let mut services = services.clone();
            async move {
                let r = service_command(&mut services, "alerts", json!({"command": "get_alerts"}))
                    .await
                    .ok()?;
                (r["alerts"].as_array()?.len() == 1).then_some(r)
            }
        },
    )
    .await;
    assert_eq!(alerts["alerts"][0]["sensor"], "rdk:component:sensor/temp-1");
}

#[tokio::test]
async fn sessions_heartbeat_and_expire() {
    let host = Armature::start(
        json!({"network": {"sessions": {"heartbeat_window": "200ms"}}, "components": [thermometer("t", 1.0)]}),
    );
    let mut robot = host.robot().await;
    let s = robot
        .start_session(robot::StartSessionRequest { resume: String::new() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(s.heartbeat_window.unwrap().nanos, 200_000_000);
    robot
        .send_session_heartbeat(robot::SendSessionHeartbeatRequest { id: s.id.clone() })
        .await
        .unwrap();
    // Resuming a live session returns it.
    let again = robot
        .start_session(robot::StartSessionRequest { resume: s.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.id, s.id);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let e = robot
        .send_session_heartbeat(robot::SendSessionHeartbeatRequest { id: s.id })
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.message()), (Code::InvalidArgument, "SESSION_EXPIRED"));
}

#[tokio::test]
async fn a_second_start_uses_the_compile_cache() {
    let config = json!({"components": [thermometer("t", 1.0)]});
    drop(Armature::start(config.clone()));
    let host = Armature::start(config);
    let logs = host.logs();
    assert!(
        logs.contains("module=thermometer") && logs.contains("cache=Hit"),
        "{logs}"
    );
}

/// A module no resource uses costs a start its listing only: the compile
/// cache's index has its models, and its code is loaded when a resource
/// first needs it (here, from its file again: the cached code was removed
/// after the start, and comes back).
#[tokio::test]
async fn a_module_is_listed_from_the_cache_and_its_code_loaded_when_a_resource_needs_it() {
    let dir = tempfile::tempdir().unwrap();
    // A thermometer of bytes of its own (a custom section with a nonce):
    // cache entries no other test shares.
    let mut bytes = std::fs::read(modules_dir().join("thermometer.wasm")).unwrap();
    let nonce = format!("{:?}", std::time::SystemTime::now());
    let (name, data) = (b"nonce".as_slice(), nonce.as_bytes());
    bytes.extend([0, (1 + name.len() + data.len()) as u8, name.len() as u8]);
    bytes.extend(name);
    bytes.extend(data);
    std::fs::write(dir.path().join("own-thermometer.wasm"), &bytes).unwrap();
    let digest = armature::runtime::cache::digest(&bytes);
    let cached = |ext: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(test_cache())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy().to_string();
                n.starts_with(&digest) && n.ends_with(ext)
            })
            .collect()
    };
    let modules = dir.path().display().to_string();
    let with = |sensors: Vec<serde_json::Value>| json!({"modules_dir": modules, "components": sensors});

    // Compiled, listed and indexed.
    drop(Armature::start(with(vec![thermometer("t", 1.0)])));
    assert_eq!((cached(".cwasm").len(), cached(".json").len()), (1, 1));

    // Listed from the index; its code not loaded.
    let host = Armature::start(with(vec![]));
    let logs = host.logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("module loaded") && l.contains("module=own-thermometer") && l.contains("cache=Hit")),
        "{logs}"
    );
    for artifact in cached(".cwasm") {
        std::fs::remove_file(artifact).unwrap();
    }

    // A resource of its model: the code is compiled from the file then.
    host.reload(with(vec![thermometer("t", 7.0)]));
    let mut sensors = host.sensors().await;
    let r = eventually(Duration::from_secs(30), "t to answer", || {
        let mut sensors = sensors.clone();
        async move { readings(&mut sensors, "t").await.ok() }
    })
    .await;
    assert_eq!(r["temperature"], json!(7.0), "{r}");
    assert_eq!(cached(".cwasm").len(), 1, "compiled again and cached");
    readings(&mut sensors, "t").await.unwrap();
}

#[tokio::test]
async fn sigterm_closes_and_exits() {
    let mut host = Armature::start(demo_config());
    host.signal(libc::SIGTERM);
    let status = host.wait_exit(Duration::from_secs(5)).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(host.logs().contains("stopped"));
}

#[tokio::test]
async fn an_optional_dependency_that_appears_later_is_handed_over() {
    let mut logic = alerts("alerts", &["temp-1"], 40.0);
    logic["attributes"]["optional_sensors"] = json!(["late"]);
    let host = Armature::start(json!({"components": [thermometer("temp-1", 10.0)], "services": [logic.clone()]}));
    let mut services = host.services().await;
    // Built at once, without the optional sensor.
    let r = service_command(&mut services, "alerts", json!({"command": "get_alerts"}))
        .await
        .unwrap();
    assert_eq!(r, json!({"alerts": []}));
    // The sensor appears: the service is reconfigured with it (at the config
    // change here; a sensor that exists but is not yet healthy is picked up by
    // the retry every 5 s).
    host.reload(json!({"components": [thermometer("temp-1", 10.0), thermometer("late", 99.0)], "services": [logic]}));
    let alerts = eventually(Duration::from_secs(12), "an alert from the late sensor", || {
        let mut services = services.clone();
        async move {
            let r = service_command(&mut services, "alerts", json!({"command": "get_alerts"}))
                .await
                .ok()?;
            (r["alerts"].as_array()?.len() == 1).then_some(r)
        }
    })
    .await;
    assert_eq!(alerts["alerts"][0]["sensor"], "late");
    let logs = host.logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("reconfigured in place") && l.contains("generic/alerts")),
        "handed over by reconfiguring, not rebuilding: {logs}"
    );
}

#[test]
fn armature_models_lists_every_model_of_a_folder() {
    let out = std::process::Command::new(armature_bin())
        .args(["models", "--json", "--cache-dir"])
        .arg(test_cache())
        .arg(modules_dir())
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let models: Vec<(&str, &str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["module"].as_str().unwrap(),
                r["api"].as_str().unwrap(),
                r["model"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        models.contains(&("thermometer", "rdk:component:sensor", "armature:examples:thermometer")),
        "{models:?}"
    );
    assert!(
        models.contains(&("sim-devices", "rdk:component:motor", "armature:examples:sim-motor")),
        "{models:?}"
    );
    assert!(models.contains(&(
        "test-pattern-camera",
        "rdk:component:camera",
        "armature:examples:test-pattern"
    )));
}
