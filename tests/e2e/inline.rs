//! Inline modules from a terminal and over HTTP: `armature inline push`
//! builds a Python source on the host and serves it; each success is a new
//! version 0.0.N kept under the state folder; a build error or an exception
//! at construction names its line and leaves the previous version serving;
//! `log`, `list` and `rollback` work on the versions; resources are added to
//! the config over HTTP; a restarted host serves the newest (or pinned)
//! version. And who may do it: a key when keys are on, only this machine's
//! own clients and pages when they are off.

use std::process::Command;
use std::time::Duration;

use armature_tests::hammer::{Hammer, until};
use armature_tests::http::{get, post_json, request};
use armature_tests::*;
use serde_json::{Value, json};

const MODULE: &str = "lab-sensor";

fn inline_cli(host: &Armature, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(armature_bin())
        .arg("inline")
        .args(args)
        .args(["--host", &format!("http://{}", host.addr)])
        .env_remove("ARMATURE_API_KEY")
        .output()
        .expect("running armature inline");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The host's sensor template with its value changed to `value`.
fn sensor_source(host: &Armature, value: f64) -> String {
    let template = get(
        &host.addr,
        &format!("/armature/inline/templates/sensor?module={MODULE}"),
    );
    assert_eq!(template.status, 200, "{}", template.body);
    let source = template.json()["source"].as_str().unwrap().to_string();
    assert!(source.contains("\"value\": 1.0 + self.offset"), "{source}");
    source.replace(
        "\"value\": 1.0 + self.offset",
        &format!("\"value\": {value} + self.offset"),
    )
}

fn push(host: &Armature, source: &str) -> (bool, String, String) {
    let file = host.dir.path().join("main.py");
    std::fs::write(&file, source).unwrap();
    inline_cli(host, &["push", MODULE, file.to_str().unwrap()])
}

fn config_json(host: &Armature) -> Value {
    serde_json::from_slice(&std::fs::read(host.config_path()).unwrap()).unwrap()
}

async fn value(host: &Armature) -> Option<f64> {
    let mut sensors = host.sensors().await;
    readings(&mut sensors, "inline-1").await.ok()?["value"].as_f64()
}

#[tokio::test(flavor = "multi_thread")]
async fn push_serve_fail_at_a_line_log_and_roll_back() {
    let mut host = Armature::start(json!({"components": [thermometer("temp-1", 20.0)]}));

    // First push: built, kept as 0.0.1, and listed in the config.
    let (ok, out, err) = push(&host, &sensor_source(&host, 1.0));
    assert!(ok, "push failed:\n{out}\n{err}\n{}", host.logs());
    assert!(
        out.contains(&format!("{MODULE} 0.0.1")) && out.contains("built") && out.contains("serving"),
        "{out}"
    );
    let config = config_json(&host);
    assert!(
        config["modules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == &json!({"type": "inline", "name": MODULE})),
        "{config}"
    );

    // A resource of its model, added over HTTP like the panel does.
    let added = post_json(
        &host.addr,
        "/armature/config/resources",
        &json!({
            "name": "inline-1", "api": "rdk:component:sensor", "model": format!("inline:{MODULE}:sensor"),
            "attributes": {"offset": 0.5}
        }),
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.json()["state"], "ready", "{}", added.body);
    assert!(
        config_json(&host)["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "inline-1")
    );
    assert_eq!(value(&host).await, Some(1.5));
    // A resource the machine refuses is not written.
    let before = std::fs::read(host.config_path()).unwrap();
    let refused = post_json(
        &host.addr,
        "/armature/config/resources",
        &json!({
            "name": "inline-2", "api": "rdk:component:sensor", "model": format!("inline:{MODULE}:sensor"),
            "attributes": {"offset": "not a number"}
        }),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.json()["error"].as_str().unwrap().contains("offset"),
        "{}",
        refused.body
    );
    assert_eq!(std::fs::read(host.config_path()).unwrap(), before);

    // A new version under load: no call fails.
    let hammer = Hammer::start(host.sensors().await, "inline-1");
    until("the load running", || hammer.last().get("value").is_some()).await;
    let (ok, out, err) = push(&host, &sensor_source(&host, 2.0));
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("0.0.2"), "{out}");
    until("2.5 served", || hammer.last()["value"] == json!(2.5)).await;

    // A syntax error: refused at its line; 0.0.2 keeps serving.
    let broken = sensor_source(&host, 3.0).replacen("import math", "import math\ndef broken(:", 1);
    let line = broken.lines().position(|l| l.starts_with("def broken(")).unwrap() + 1;
    let (ok, out, err) = push(&host, &broken);
    assert!(!ok, "a syntax error deployed:\n{out}");
    assert!(
        err.contains(&format!("main.py:{line}")) && err.contains("SyntaxError"),
        "{err}"
    );
    assert!(err.contains("previous version keeps serving"), "{err}");

    // An exception at construction, at its line: 0.0.2 keeps serving.
    let raising = sensor_source(&host, 4.0).replacen(
        "        self.offset = config.get_float(\"offset\", 0.0)",
        "        self.offset = config.get_float(\"offset\", 0.0)\n        raise ValueError(\"not today\")",
        1,
    );
    let line = raising.lines().position(|l| l.contains("not today")).unwrap() + 1;
    let (ok, out, err) = push(&host, &raising);
    assert!(!ok, "a raising constructor deployed:\n{out}");
    assert!(
        err.contains(&format!("main.py:{line}")) && err.contains("not today"),
        "{err}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hammer.last()["value"], json!(2.5));

    // The log: two versions, 0.0.2 serving; the failed ones left no version.
    let (ok, out, _) = inline_cli(&host, &["log", MODULE]);
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("  0.0.1") && lines[1].starts_with("* 0.0.2"),
        "{out}"
    );

    // Roll back to 0.0.1: a new version, 0.0.3, with 0.0.1's source.
    let (ok, out, err) = inline_cli(&host, &["rollback", MODULE, "0.0.1"]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("0.0.3"), "{out}");
    until("1.5 served again", || hammer.last()["value"] == json!(1.5)).await;
    let (calls, failures, errors) = hammer.finish().await;
    assert_eq!(failures, 0, "{failures} of {calls} calls failed: {errors:?}");
    let (_, out, _) = inline_cli(&host, &["log", MODULE]);
    assert!(out.contains("* 0.0.3") && out.contains("rollback to 0.0.1"), "{out}");
    let (_, out, _) = inline_cli(&host, &["list"]);
    assert!(
        out.lines()
            .any(|l| l.starts_with(MODULE) && l.contains("0.0.3") && l.contains(&format!("inline:{MODULE}:sensor"))),
        "{out}"
    );

    // A pin in the config: 0.0.2 serves, though 0.0.3 is newer.
    let mut config = config_json(&host);
    for m in config["modules"].as_array_mut().unwrap() {
        if m["name"] == MODULE {
            m["version"] = json!("0.0.2");
        }
    }
    std::fs::write(host.config_path(), serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    eventually(Duration::from_secs(20), "the pinned 0.0.2 serving", || async {
        (value(&host).await == Some(2.5)).then_some(())
    })
    .await;

    // After a restart: the versions are still there; unpinned, the newest serves.
    config["modules"].as_array_mut().unwrap().iter_mut().for_each(|m| {
        if let Some(o) = m.as_object_mut() {
            o.remove("version");
        }
    });
    let state = host.dir.path().join("state");
    host.signal(libc::SIGTERM);
    host.wait_exit(Duration::from_secs(10));
    let again = Armature::start_with(config, &["--state-dir", state.to_str().unwrap()]);
    assert_eq!(value(&again).await, Some(1.5), "{}", again.logs());
}

#[tokio::test(flavor = "multi_thread")]
async fn only_keyed_or_local_callers_may_deploy() {
    // An open machine: this machine's own clients, by a local name, from a
    // local page if any, in JSON.
    let open = Armature::start(json!({"components": []}));
    assert_eq!(get(&open.addr, "/armature/inline").status, 200);
    let body = json!({"source": "x = 1\n"}).to_string();
    let from_elsewhere = request(
        &open.addr,
        "POST",
        "/armature/inline/evil/deploy",
        &[("Origin", "https://evil.example"), ("Content-Type", "application/json")],
        Some(&body),
    );
    assert_eq!(from_elsewhere.status, 403, "{}", from_elsewhere.body);
    let rebound = request(
        &open.addr,
        "POST",
        "/armature/inline/evil/deploy",
        &[("Host", "evil.example:8080"), ("Content-Type", "application/json")],
        Some(&body),
    );
    assert_eq!(rebound.status, 403, "{}", rebound.body);
    let form = request(
        &open.addr,
        "POST",
        "/armature/inline/evil/deploy",
        &[("Content-Type", "text/plain")],
        Some(&body),
    );
    assert_eq!(form.status, 415, "{}", form.body);
    let resource = request(
        &open.addr,
        "POST",
        "/armature/config/resources",
        &[("Origin", "http://evil.example"), ("Content-Type", "application/json")],
        Some(&json!({"name": "x", "api": "rdk:component:sensor", "model": "a:b:c"}).to_string()),
    );
    assert_eq!(resource.status, 403, "{}", resource.body);
    // Nothing was kept.
    assert!(!open.dir.path().join("state/inline/evil").exists());
    // A page from a local origin, in JSON, gets through (and is told what is wrong).
    let local = request(
        &open.addr,
        "POST",
        "/armature/inline/BAD/deploy",
        &[
            ("Origin", "http://localhost:5173"),
            ("Content-Type", "application/json"),
        ],
        Some(&body),
    );
    assert_eq!(local.status, 400, "{}", local.body);

    // With API keys on: a key, whoever asks.
    let keyed = Armature::start(json!({"components": [],
        "auth": {"handlers": [{"type": "api-key", "config": {"keys": ["k1"], "k1": "s3cret"}}]}}));
    assert_eq!(get(&keyed.addr, "/armature/inline").status, 401);
    let (ok, _, err) = inline_cli(&keyed, &["list"]);
    assert!(!ok && err.contains("API key"), "{err}");
    let with_key = Command::new(armature_bin())
        .args(["inline", "list", "--host", &keyed.addr, "--api-key", "k1:s3cret"])
        .output()
        .unwrap();
    assert!(
        with_key.status.success(),
        "{}",
        String::from_utf8_lossy(&with_key.stderr)
    );
    let wrong_key = Command::new(armature_bin())
        .args(["inline", "list", "--host", &keyed.addr, "--api-key", "k1:nope"])
        .output()
        .unwrap();
    assert!(!wrong_key.status.success());
}

/// The other two templates, as the panel offers them, build and serve: the
/// logic service reads the sensor it depends on from its background task,
/// the generic component keeps a value.
#[tokio::test(flavor = "multi_thread")]
async fn every_template_deploys_and_serves() {
    let host = Armature::start(json!({"components": [thermometer("temp-1", 20.5)]}));
    for (module, template) in [("my-logic", "logic"), ("my-thing", "generic")] {
        let answer = get(
            &host.addr,
            &format!("/armature/inline/templates/{template}?module={module}"),
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        let file = host.dir.path().join(format!("{module}.py"));
        std::fs::write(&file, answer.json()["source"].as_str().unwrap()).unwrap();
        let (ok, out, err) = inline_cli(&host, &["push", module, file.to_str().unwrap()]);
        assert!(ok, "{template}: {out}\n{err}\n{}", host.logs());
    }
    for resource in [
        json!({"name": "logic-1", "api": "rdk:service:generic", "model": "inline:my-logic:logic",
               "attributes": {"sensors": ["temp-1"], "poll_ms": 50}}),
        json!({"name": "thing-1", "api": "rdk:component:generic", "model": "inline:my-thing:generic"}),
    ] {
        let added = post_json(&host.addr, "/armature/config/resources", &resource);
        assert_eq!(added.status, 200, "{}", added.body);
        assert_eq!(added.json()["state"], "ready", "{}", added.body);
    }
    let mut services = host.services().await;
    let latest = eventually(Duration::from_secs(10), "the logic service polling temp-1", || {
        let mut services = services.clone();
        async move {
            let r = service_command(&mut services, "logic-1", json!({"command": "latest"}))
                .await
                .ok()?;
            (r["readings"]["temp-1"]["temperature"] == json!(20.5)).then_some(r)
        }
    })
    .await;
    assert!(latest["readings"]["temp-1"].is_object(), "{latest}");
    let missing = service_command(&mut services, "logic-1", json!({"command": "nope"}))
        .await
        .unwrap_err();
    assert!(missing.message().contains("unknown command"), "{missing:?}");

    let mut generic =
        armature::core::proto::viam::component::generic::v1::generic_service_client::GenericServiceClient::new(
            host.channel().await,
        );
    let command = |c: Value| common::DoCommandRequest {
        name: "thing-1".into(),
        command: Some(pb_struct(c)),
    };
    generic
        .do_command(command(json!({"command": "set", "value": 7})))
        .await
        .unwrap();
    let got = generic
        .do_command(command(json!({"command": "get"})))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(struct_json(&got.result.unwrap_or_default()), json!({"value": 7.0}));
}
