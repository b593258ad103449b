//! Bad input gets a clear error naming the file, resource and field, and
//! the rest of the machine still comes up.

use std::process::Command;

use armature_tests::*;
use serde_json::json;

fn check(config: &serde_json::Value, dir: &std::path::Path) -> (bool, String) {
    let path = dir.join("machine.json");
    std::fs::write(&path, serde_json::to_vec_pretty(config).unwrap()).unwrap();
    let out = Command::new(armature_bin())
        .args(["check", "--config"])
        .arg(&path)
        .arg("--cache-dir")
        .arg(test_cache())
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn check_accepts_a_good_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"modules_dir": modules_dir(), "components": [thermometer("t", 1.0)],
                        "services": [alerts("a", &["t"], 3.0)]});
    let (ok, out) = check(&config, dir.path());
    assert!(ok, "{out}");
}

#[test]
fn check_lists_every_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"this is not wasm").unwrap();
    let core = dir.path().join("core.wasm");
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    let config = json!({
        "modules_dir": modules_dir(),
        "modules": [
            {"name": "missing", "path": "no/such/module.wasm"},
            {"name": "garbage", "path": garbage},
            {"name": "core", "path": core},
            {"name": "old", "path": fixture("old-wit")},
            {"name": "new", "path": fixture("new-wit")},
        ],
        "components": [
            {"name": "no-model", "api": "rdk:component:sensor"},
            {"name": "unknown", "api": "rdk:component:sensor", "model": "acme:nope:nothing"},
            {"name": "bad-attr", "api": "rdk:component:sensor", "model": "armature:examples:thermometer",
             "attributes": {"celsius": "warm"}},
            {"name": "x", "api": "rdk:component:sensor", "model": "armature:examples:thermometer", "depends_on": ["y"]},
            {"name": "y", "api": "rdk:component:sensor", "model": "armature:examples:thermometer", "depends_on": ["x"]},
        ],
        "services": [alerts("lonely", &["ghost"], 1.0)],
    });
    let (ok, out) = check(&config, dir.path());
    assert!(!ok);
    let expect = [
        "components[0] \"no-model\": field `model`: is required",
        "module \"missing\"",
        "module \"garbage\"",
        "not a WebAssembly file",
        "a core WebAssembly module, not a component",
        "built for armature:module@0.0.1, but this host speaks armature:module@0.1.0, 0.2.0 and 0.2.1",
        "built for armature:module@0.3.0, newer than this host, which speaks armature:module@0.1.0, 0.2.0 and 0.2.1: update armature",
        "resource \"unknown\" (rdk:component:sensor): field `model`: no module provides acme:nope:nothing",
        "resource \"bad-attr\" (rdk:component:sensor): validate: resource \"bad-attr\": attribute `celsius`",
        "dependency cycle",
        "resource \"lonely\" (rdk:service:generic): depends on \"ghost\", which is not in the config",
    ];
    for e in expect {
        assert!(out.contains(e), "missing {e:?} in:\n{out}");
    }
    assert!(
        out.lines()
            .all(|l| l.contains("machine.json") || l.ends_with("problem(s)")),
        "every line names the file:\n{out}"
    );
}

#[tokio::test]
async fn the_rest_of_the_machine_comes_up_despite_bad_entries() {
    let host = Armature::start(json!({
        "modules": [{"name": "hostile", "path": fixture("hostile")}],
        "components": [
            thermometer("good", 5.0),
            {"name": "no-model", "api": "rdk:component:sensor"},
            {"name": "unknown", "api": "rdk:component:sensor", "model": "acme:nope:nothing"},
            {"name": "traps", "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
             "attributes": {"on_construct": "panic"}},
        ],
    }));
    let mut sensors = host.sensors().await;
    assert_eq!(readings(&mut sensors, "good").await.unwrap()["temperature"], json!(5.0));
    let mut robot = host.robot().await;
    let status = machine_status(&mut robot).await;
    assert_eq!(status["unknown"].0, UNHEALTHY);
    assert!(
        status["unknown"].1.contains("no module provides acme:nope:nothing"),
        "{status:?}"
    );
    assert_eq!(status["traps"].0, UNHEALTHY);
    assert!(
        status["traps"].1.contains("constructor panics on purpose"),
        "{status:?}"
    );
    let e = readings(&mut sensors, "traps").await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unavailable);
    assert!(host.logs().contains("no-model"), "the left-out entry is logged");
}

#[tokio::test]
async fn a_bad_config_edit_changes_nothing() {
    let host = Armature::start(json!({"components": [thermometer("t", 7.0)]}));
    std::fs::write(host.config_path(), b"{ not json").unwrap();
    host.signal(libc::SIGHUP);
    host.reload(
        json!({"components": [thermometer("t", 7.0), {"name": "u", "api": "rdk:component:sensor", "model": "a:b:c"}]}),
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut sensors = host.sensors().await;
    assert_eq!(readings(&mut sensors, "t").await.unwrap()["temperature"], json!(7.0));
    let mut robot = host.robot().await;
    let status = machine_status(&mut robot).await;
    assert!(
        !status.contains_key("u"),
        "the refused config added nothing: {status:?}"
    );
    let logs = host.logs();
    assert!(logs.contains("config change refused"), "{logs}");
}
