//! Fleets on a real nats-server with JetStream (loopback): several real
//! `armature run --fleet` hosts take their configs and fragments from KV,
//! report to the status bucket, keep serving through refused configs and
//! server outages, boot offline from the config they applied last, and are
//! moved to new registry versions by `armature fleet rollout` — canaries
//! first, rolled back automatically when a canary turns unhealthy.

use std::path::Path;
use std::time::Duration;

use armature_tests::hammer::Hammer;
use armature_tests::nats::{Nats, fleet, put, status};
use armature_tests::registry::{Registry, push};
use armature_tests::*;
use serde_json::{Value, json};

const SLOW: Duration = Duration::from_secs(60);

async fn temperature(host: &Armature, name: &str) -> Option<f64> {
    let mut sensors = host.sensors().await;
    readings(&mut sensors, name).await.ok()?["temperature"].as_f64()
}

async fn version(host: &Armature) -> Option<String> {
    let mut sensors = host.sensors().await;
    Some(readings(&mut sensors, "v").await.ok()?["version"].as_str()?.to_string())
}

async fn wait_version(host: &Armature, v: &str) {
    eventually(SLOW, &format!("version {v} serving"), || async {
        (version(host).await.as_deref() == Some(v)).then_some(())
    })
    .await;
}

/// Waits for a machine's report to satisfy `check`.
async fn wait_report(url: &str, machine: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    eventually(SLOW, what, || async {
        let all = status(url);
        all.get(machine).filter(|r| check(r)).cloned()
    })
    .await
}

fn refused(report: &Value) -> String {
    report["refused"][1].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configs_and_fragments_reach_every_host_and_bad_ones_change_nothing() {
    let nats = Nats::start();
    let url = nats.url();
    let modules = modules_dir();
    put(
        &url,
        "put-fragment",
        "sensors",
        &json!({"components": [thermometer("shared", 20.0)]}),
        &[],
    );
    let machine = |n: usize, extra: Value| {
        let mut config = json!({
            "modules_dir": modules,
            "components": [thermometer(&format!("own-{n}"), n as f64)],
            "fragments": ["sensors"],
        });
        if let (Some(o), Value::Object(e)) = (config.as_object_mut(), extra) {
            o.extend(e);
        }
        config
    };
    let mods = json!({"fragment_mods": [{"fragment_id": "sensors",
        "mods": [{"$set": {"components.shared.attributes.celsius": 30.0}}]}]});
    put(&url, "put-config", "lab-1", &machine(1, json!({})), &[]);
    put(&url, "put-config", "lab-2", &machine(2, mods.clone()), &[]);
    put(&url, "put-config", "lab-3", &machine(3, json!({})), &[]);
    let states: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let hosts: Vec<Armature> = (0..3)
        .map(|i| Armature::start_fleet(&url, &format!("lab-{}", i + 1), states[i].path(), &[]))
        .collect();

    // Every host serves its own config and the fragment; lab-2 its mod.
    for (i, host) in hosts.iter().enumerate() {
        let own = format!("own-{}", i + 1);
        eventually(SLOW, "own sensor", || async { temperature(host, &own).await }).await;
        let want = if i == 1 { 30.0 } else { 20.0 };
        eventually(SLOW, "fragment sensor", || async {
            (temperature(host, "shared").await == Some(want)).then_some(())
        })
        .await;
    }
    let hammers: Vec<Hammer> = {
        let mut v = Vec::new();
        for host in &hosts {
            v.push(Hammer::start(host.sensors().await, "shared"));
        }
        v
    };

    // A fragment change reaches every machine using it; the mod still wins.
    put(
        &url,
        "put-fragment",
        "sensors",
        &json!({"components": [thermometer("shared", 25.0)]}),
        &[],
    );
    for (i, host) in hosts.iter().enumerate() {
        let want = if i == 1 { 30.0 } else { 25.0 };
        eventually(SLOW, "the fragment change", || async {
            (temperature(host, "shared").await == Some(want)).then_some(())
        })
        .await;
    }
    let report = wait_report(&url, "lab-1", "lab-1 on the new fragment", |r| {
        r["applied"]["fragments"]["sensors"].as_u64().is_some_and(|f| f > 1)
    })
    .await;
    assert_eq!(report["online"], true);

    // A config the host refuses (a model no module provides): lab-3 keeps
    // serving as it was and says why, in its report and GetMachineStatus.
    let bad = json!({"modules_dir": modules, "components": [
        {"name": "own-3", "api": "rdk:component:sensor", "model": "armature:examples:no-such-model"}]});
    let bad_revision = put(&url, "put-config", "lab-3", &bad, &[]);
    let report = wait_report(&url, "lab-3", "lab-3's refusal", |r| r["refused"][0] == bad_revision).await;
    assert!(refused(&report).contains("no module provides"), "{report}");
    assert!(
        refused(&report).contains(&format!("machine.lab-3@{bad_revision}")),
        "{report}"
    );
    assert_eq!(temperature(&hosts[2], "own-3").await, Some(3.0));
    assert_eq!(temperature(&hosts[2], "shared").await, Some(25.0));

    // A fragment that does not exist: the CLI refuses it; put anyway, the
    // host refuses it and names the fragment.
    let missing = json!({"modules_dir": modules, "fragments": ["nope"]});
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), missing.to_string()).unwrap();
    let (ok, _, err) = fleet(&url, &["put-config", "lab-1", file.path().to_str().unwrap()]);
    assert!(!ok && err.contains("fragment \"nope\" does not exist"), "{err}");
    let revision = put(&url, "put-config", "lab-1", &missing, &["--no-check"]);
    let report = wait_report(&url, "lab-1", "lab-1's refusal", |r| r["refused"][0] == revision).await;
    assert!(
        refused(&report).contains("fragment \"nope\" does not exist"),
        "{report}"
    );

    // A value that is not JSON at all (put past the CLI).
    let client = async_nats::connect(url.as_str()).await.unwrap();
    let kv = async_nats::jetstream::new(client)
        .get_key_value("armature-config")
        .await
        .unwrap();
    let revision = kv.put("machine.lab-2", "{not json".into()).await.unwrap();
    let report = wait_report(&url, "lab-2", "lab-2's refusal", |r| r["refused"][0] == revision).await;
    assert!(refused(&report).contains("not JSON"), "{report}");

    // Nothing changed on any host, and no call failed meanwhile.
    assert_eq!(temperature(&hosts[0], "own-1").await, Some(1.0));
    assert_eq!(temperature(&hosts[1], "shared").await, Some(30.0));
    for hammer in hammers {
        let (calls, failures, errors) = hammer.finish().await;
        assert_eq!(failures, 0, "{errors:?}");
        assert!(calls > 10, "{calls} calls");
    }

    // A good config again: applied, and the refusal is gone.
    let revision = put(&url, "put-config", "lab-3", &machine(3, json!({})), &[]);
    let report = wait_report(&url, "lab-3", "lab-3 recovered", |r| {
        r["applied"]["revision"] == revision && r["refused"].is_null()
    })
    .await;
    assert!(report["config_error"].is_null(), "{report}");
}

fn versioned_sensor() -> Value {
    json!({"name": "v", "api": "rdk:component:sensor", "model": "armature-test:versioned:sensor"})
}

/// An empty modules folder: the versioned module comes from the registry.
fn no_local_modules() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("armature-test-no-modules");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn registry_module(version: &str) -> Value {
    json!({"type": "registry", "name": "versioned", "module_id": "acme/versioned", "version": version})
}

/// Registry with the versioned fixture: 1.0.0, 2.0.0, and 3.0.0 (whose
/// constructor traps).
fn registry_with_versions(versions: &[&str]) -> Registry {
    let registry = Registry::start(false);
    for v in versions {
        push(
            &registry,
            &fixture(&format!("versioned@{v}")),
            "acme/versioned",
            v,
            &["--visibility", "public"],
        );
    }
    registry
}

/// Runs `fleet rollout ARGS…`: (success, stdout + stderr).
fn rollout(url: &str, args: &[&str]) -> (bool, String) {
    let mut all = vec!["rollout"];
    all.extend(args);
    let (ok, out, err) = fleet(url, &all);
    (ok, format!("{out}{err}"))
}

/// Starts `fleet rollout ARGS…` in the background, its output kept.
fn spawn_rollout(url: &str, args: &[&str]) -> std::process::Child {
    std::process::Command::new(armature_bin())
        .args(["fleet", "rollout"])
        .args(args)
        .args(["--fleet", url])
        .env("ARMATURE_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting armature fleet rollout")
}

/// Waits for a background rollout: (success, stdout + stderr).
async fn finish_rollout(cli: std::process::Child) -> (bool, String) {
    let done = tokio::task::spawn_blocking(move || cli.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr)
    );
    (done.status.success(), out)
}

fn revision_of(url: &str, machine: &str) -> u64 {
    status(url)[machine]["applied"]["revision"].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_goes_canary_first_and_an_unhealthy_canary_is_rolled_back() {
    let registry = registry_with_versions(&["1.0.0", "2.0.0", "3.0.0"]);
    let nats = Nats::start();
    let url = nats.url();
    // m-1 and m-2 take the module from a fragment; m-3 has it in its own config.
    put(
        &url,
        "put-fragment",
        "base",
        &json!({"registries": [registry.config_entry("60s")], "modules": [registry_module("1.0.0")]}),
        &[],
    );
    let from_fragment =
        json!({"modules_dir": no_local_modules(), "components": [versioned_sensor()], "fragments": ["base"]});
    put(&url, "put-config", "m-1", &from_fragment, &[]);
    put(&url, "put-config", "m-2", &from_fragment, &[]);
    put(
        &url,
        "put-config",
        "m-3",
        &json!({"modules_dir": no_local_modules(), "components": [versioned_sensor()],
                "registries": [registry.config_entry("60s")], "modules": [registry_module("1.0.0")]}),
        &[],
    );
    let states: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let hosts: Vec<Armature> = (0..3)
        .map(|i| Armature::start_fleet(&url, &format!("m-{}", i + 1), states[i].path(), &[]))
        .collect();
    for host in &hosts {
        wait_version(host, "1.0.0").await;
    }
    let mut hammers = Vec::new();
    for host in &hosts {
        hammers.push(Hammer::start(host.sensors().await, "v"));
    }

    // A version the registry does not have: refused before any machine moves.
    let before: Vec<u64> = (1..=3).map(|i| revision_of(&url, &format!("m-{i}"))).collect();
    let (ok, out) = rollout(&url, &["versioned", "9.9.9", "--machines", "m-*"]);
    assert!(
        !ok && out.contains("has no version 9.9.9") && out.contains("2.0.0"),
        "{out}"
    );

    // A good version: the canary, then the others in waves, all healthy.
    let (ok, out) = rollout(
        &url,
        &[
            "versioned",
            "2.0.0",
            "--machines",
            "m-*",
            "--canary",
            "1",
            "--wave",
            "2",
            "--health-window",
            "2s",
        ],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("canary: m-1 pinned") && out.contains("wave 1: m-2, m-3 pinned"),
        "{out}"
    );
    for host in &hosts {
        wait_version(host, "2.0.0").await;
    }
    let after_good: Vec<u64> = (1..=3).map(|i| revision_of(&url, &format!("m-{i}"))).collect();
    assert!(
        after_good.iter().zip(&before).all(|(a, b)| a > b),
        "{before:?} → {after_good:?}"
    );

    // A version whose constructor traps: the canary turns unhealthy, is put
    // back automatically, and the other machines are never touched.
    let (ok, out) = rollout(
        &url,
        &[
            "versioned",
            "3.0.0",
            "--machines",
            "m-*",
            "--canary",
            "1",
            "--health-window",
            "2s",
        ],
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains("canary unhealthy: m-1") && out.contains("m-1: rolled back"),
        "{out}"
    );
    let report = wait_report(&url, "m-1", "m-1 healthy on 2.0.0 again", |r| {
        r["modules"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["name"] == "versioned" && m["version"] == "2.0.0"))
            && r["resources"]
                .as_array()
                .is_some_and(|rs| rs.iter().all(|r| r["error"].is_null()))
    })
    .await;
    assert!(report["applied"]["revision"].as_u64() > Some(after_good[0]), "{report}");
    assert_eq!(revision_of(&url, "m-2"), after_good[1], "m-2 was touched");
    assert_eq!(revision_of(&url, "m-3"), after_good[2], "m-3 was touched");
    for host in &hosts {
        assert_eq!(version(host).await.as_deref(), Some("2.0.0"));
    }

    // The CLI dies mid-rollout (back to 1.0.0, the canary pinned); the
    // same command with --resume carries it through.
    let mut cli = spawn_rollout(
        &url,
        &[
            "versioned",
            "1.0.0",
            "--machines",
            "m-*",
            "--canary",
            "1",
            "--health-window",
            "3s",
        ],
    );
    wait_version(&hosts[0], "1.0.0").await;
    cli.kill().unwrap();
    cli.wait().unwrap();
    let (ok, out) = rollout(&url, &["versioned", "2.0.0", "--machines", "m-*"]);
    assert!(!ok && out.contains("in progress; continue it with --resume"), "{out}");
    let (ok, out) = rollout(&url, &["versioned", "1.0.0", "--machines", "m-*", "--resume"]);
    assert!(ok && out.contains("resuming the rollout of versioned 1.0.0"), "{out}");
    for host in &hosts {
        wait_version(host, "1.0.0").await;
    }

    for hammer in hammers {
        let (calls, failures, errors) = hammer.finish().await;
        assert_eq!(failures, 0, "failed calls during the rollouts: {errors:?}");
        assert!(calls > 50, "{calls} calls");
    }
    // `fleet status` shows every machine online and without problems.
    let (ok, table, err) = fleet(&url, &["status"]);
    assert!(ok, "{err}");
    for m in ["m-1", "m-2", "m-3"] {
        let line = table.lines().find(|l| l.starts_with(m)).unwrap_or_default();
        assert!(line.contains(" yes ") && line.contains("versioned@1.0.0"), "{table}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollout_survives_a_server_restart_and_an_offline_host_catches_up() {
    let registry = registry_with_versions(&["1.0.0", "2.0.0"]);
    let mut nats = Nats::start();
    let url = nats.url();
    let config = json!({"modules_dir": no_local_modules(), "components": [versioned_sensor()],
        "registries": [registry.config_entry("60s")], "modules": [registry_module("1.0.0")]});
    put(&url, "put-config", "a", &config, &[]);
    put(&url, "put-config", "b", &config, &[]);
    let (state_a, state_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let host_a = Armature::start_fleet(&url, "a", state_a.path(), &[]);
    let host_b = Armature::start_fleet(&url, "b", state_b.path(), &[]);
    wait_version(&host_a, "1.0.0").await;
    wait_version(&host_b, "1.0.0").await;
    let hammer_a = Hammer::start(host_a.sensors().await, "v");

    // b goes offline; the rollout starts and moves the canary a.
    drop(host_b);
    let cli = spawn_rollout(
        &url,
        &[
            "versioned",
            "2.0.0",
            "--machines",
            "a, b",
            "--canary",
            "1",
            "--wave",
            "1",
            "--health-window",
            "2s",
            "--apply-timeout",
            "90s",
        ],
    );
    wait_version(&host_a, "2.0.0").await;

    // The server goes away mid-rollout; b comes back meanwhile and boots
    // offline from the config it applied last (and its cached module).
    nats.kill();
    let host_b = Armature::start_fleet(&url, "b", state_b.path(), &[]);
    wait_version(&host_b, "1.0.0").await;
    assert!(
        host_b.logs().contains("fleet server"),
        "b says the fleet server is unreachable:\n{}",
        host_b.logs()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    nats.restart();

    // The fleet converges: b catches up and the rollout finishes.
    wait_version(&host_b, "2.0.0").await;
    let (ok, out) = finish_rollout(cli).await;
    assert!(ok, "{out}");
    assert!(out.contains("versioned 2.0.0 is on 2 machine(s): a, b"), "{out}");
    let (_, failures, errors) = hammer_a.finish().await;
    assert_eq!(failures, 0, "{errors:?}");

    // A second rollout of the same module is refused while none runs to resume.
    let (ok, out) = rollout(&url, &["versioned", "2.0.0", "--machines", "*", "--resume"]);
    assert!(!ok && out.contains("no rollout of versioned is in progress"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_a_clear_error_and_never_appear() {
    const PASSWORD: &str = "fleet-Pa55word-for-tests";
    let nats = Nats::start_with(Some(("robot", PASSWORD)));
    let url = nats.url();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, password: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, json!({"user": "robot", "password": password}).to_string()).unwrap();
        path
    };
    let good = write("good.json", PASSWORD);
    let wrong = write("wrong.json", "not-the-password");
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        json!({"modules_dir": modules_dir(), "components": [thermometer("t", 7.0)]}).to_string(),
    )
    .unwrap();
    let put_with = |creds: &Path| {
        fleet(
            &url,
            &[
                "put-config",
                "c-1",
                config.path().to_str().unwrap(),
                "--fleet-creds",
                creds.to_str().unwrap(),
            ],
        )
    };
    let (ok, _, err) = put_with(&wrong);
    assert!(
        !ok && err.contains("fleet server") && err.to_lowercase().contains("authorization"),
        "{err}"
    );
    assert!(!err.contains("not-the-password"), "{err}");
    let (ok, _, err) = put_with(&good);
    assert!(ok, "{err}");

    // A host with the wrong credentials says so and serves what it has; with
    // the right ones it applies the config. Neither logs the password.
    let state = tempfile::tempdir().unwrap();
    let host = Armature::start_fleet(&url, "c-1", state.path(), &["--fleet-creds", wrong.to_str().unwrap()]);
    eventually(SLOW, "the credentials error", || async {
        host.logs().to_lowercase().contains("authorization").then_some(())
    })
    .await;
    drop(host);
    let host = Armature::start_fleet(&url, "c-1", state.path(), &["--fleet-creds", good.to_str().unwrap()]);
    eventually(SLOW, "the config applied", || async { temperature(&host, "t").await }).await;
    assert!(!host.logs().contains(PASSWORD));
    assert!(!host.logs().contains("not-the-password"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wave_that_never_applies_rolls_back_all_but_an_edit_made_meanwhile() {
    let registry = registry_with_versions(&["1.0.0", "2.0.0"]);
    let nats = Nats::start();
    let url = nats.url();
    let config = |version: &str| {
        json!({"modules_dir": no_local_modules(), "components": [versioned_sensor()],
               "registries": [registry.config_entry("60s")], "modules": [registry_module(version)]})
    };
    put(&url, "put-config", "x-1", &config("1.0.0"), &[]);
    put(&url, "put-config", "x-2", &config("1.0.0"), &[]);
    let (state_1, state_2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let host_1 = Armature::start_fleet(&url, "x-1", state_1.path(), &[]);
    let host_2 = Armature::start_fleet(&url, "x-2", state_2.path(), &[]);
    wait_version(&host_1, "1.0.0").await;
    wait_version(&host_2, "1.0.0").await;
    let hammer = Hammer::start(host_1.sensors().await, "v");
    // x-2 goes offline: its wave can never turn healthy.
    drop(host_2);

    let cli = spawn_rollout(
        &url,
        &[
            "versioned",
            "2.0.0",
            "--machines",
            "x-*",
            "--canary",
            "1",
            "--health-window",
            "1s",
            "--apply-timeout",
            "6s",
        ],
    );
    wait_version(&host_1, "2.0.0").await;
    // Someone edits x-2 after the rollout pinned it.
    let client = async_nats::connect(url.as_str()).await.unwrap();
    let kv = async_nats::jetstream::new(client)
        .get_key_value("armature-config")
        .await
        .unwrap();
    let pinned = eventually(SLOW, "x-2 pinned", || async {
        let entry = kv.entry("machine.x-2").await.ok()??;
        let value: Value = serde_json::from_slice(&entry.value).ok()?;
        (value["modules"][0]["version"] == "2.0.0").then_some(value)
    })
    .await;
    let mut edited = pinned.clone();
    edited["components"][0]["attributes"] = json!({"edited": "by hand"});
    let edited_bytes = serde_json::to_vec(&edited).unwrap();
    kv.put("machine.x-2", edited_bytes.clone().into()).await.unwrap();

    let (ok, out) = finish_rollout(cli).await;
    assert!(!ok, "{out}");
    assert!(out.contains("wave 1 unhealthy: not healthy in time: x-2: "), "{out}");
    assert!(out.contains("x-1: rolled back"), "{out}");
    assert!(
        out.contains("x-2: NOT rolled back: its config was changed by someone else"),
        "{out}"
    );
    // The canary is back on 1.0.0; the hand edit stands.
    wait_version(&host_1, "1.0.0").await;
    let now = kv.entry("machine.x-2").await.unwrap().unwrap();
    assert_eq!(now.value.to_vec(), edited_bytes, "the hand edit was overwritten");
    let (_, failures, errors) = hammer.finish().await;
    assert_eq!(failures, 0, "{errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_host_still_swaps_a_replaced_wasm_in_its_modules_folder() {
    let nats = Nats::start();
    let url = nats.url();
    let modules = tempfile::tempdir().unwrap();
    let file = modules.path().join("versioned.wasm");
    std::fs::copy(fixture("versioned@1.0.0"), &file).unwrap();
    put(
        &url,
        "put-config",
        "w-1",
        &json!({"modules_dir": modules.path(), "components": [versioned_sensor()]}),
        &[],
    );
    let state = tempfile::tempdir().unwrap();
    let host = Armature::start_fleet(&url, "w-1", state.path(), &[]);
    wait_version(&host, "1.0.0").await;
    let hammer = Hammer::start(host.sensors().await, "v");
    // Written beside, then renamed over: what a copy tool or an editor does.
    let next = modules.path().join("versioned.wasm.part");
    std::fs::copy(fixture("versioned@2.0.0"), &next).unwrap();
    std::fs::rename(&next, &file).unwrap();
    wait_version(&host, "2.0.0").await;
    let (_, failures, errors) = hammer.finish().await;
    assert_eq!(failures, 0, "{errors:?}");
}
