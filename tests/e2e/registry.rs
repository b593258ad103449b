//! Modules from a real OCI registry (Distribution 2.8, Debian's
//! `docker-registry`, on loopback): pushed by `armature registry push`,
//! pinned or tracked by a running host, upgraded under load with no failed
//! call, kept serving through registry outages and from the cache on an
//! offline boot, with every bad artifact refused for a stated reason.

use std::time::Duration;

use armature_tests::hammer::{Hammer, until};
use armature_tests::registry::{PASSWORD, Registry, USER, cli, push};
use armature_tests::*;
use serde_json::{Value, json};

fn versioned_sensor(name: &str) -> Value {
    json!({"name": name, "api": "rdk:component:sensor", "model": "armature-test:versioned:sensor"})
}

fn fixture_version(v: &str) -> std::path::PathBuf {
    fixture(&format!("versioned@{v}"))
}

/// An empty modules folder: every module of these machines comes from a registry.
fn no_local_modules() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("armature-test-no-modules");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A machine with one `versioned` sensor "v" from `registry` at `version`.
fn machine(registry: &Registry, version: &str) -> Value {
    json!({
        "modules_dir": no_local_modules(),
        "registries": [registry.config_entry("300ms")],
        "modules": [{"type": "registry", "name": "versioned", "module_id": "acme/versioned", "version": version}],
        "components": [versioned_sensor("v")],
    })
}

/// Pushes the versioned fixture `bytes_of` as public `acme/versioned:tag`.
fn push_public(registry: &Registry, bytes_of: &str, tag: &str) {
    push(
        registry,
        &fixture_version(bytes_of),
        "acme/versioned",
        tag,
        &["--visibility", "public"],
    );
}

/// GetMachineStatus's module lines: (name@version, error).
async fn module_status(host: &Armature) -> Vec<(String, String)> {
    let mut robot = host.robot().await;
    robot
        .get_machine_status(robot::GetMachineStatusRequest {})
        .await
        .expect("GetMachineStatus")
        .into_inner()
        .modules
        .into_iter()
        .map(|m| (m.module_name, m.error))
        .collect()
}

async fn wait_for_module_error(host: &Armature, needle: &str) -> String {
    eventually(Duration::from_secs(20), needle, || async {
        module_status(host)
            .await
            .into_iter()
            .map(|(_, e)| e)
            .find(|e| e.contains(needle))
    })
    .await
}

async fn assert_no_password(host: &Armature) {
    assert!(
        !host.logs().contains(PASSWORD),
        "the registry password is in the host's log"
    );
    let mut robot = host.robot().await;
    let status = robot
        .get_machine_status(robot::GetMachineStatusRequest {})
        .await
        .expect("GetMachineStatus")
        .into_inner();
    assert!(
        !format!("{status:?}").contains(PASSWORD),
        "the registry password is in the machine's status"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_pin_upgrade_under_load_refuse_a_bad_version_and_pin_back() {
    let registry = Registry::start(true);
    push(&registry, &fixture_version("1.0.0"), "acme/versioned", "1.0.0", &[]);
    push(&registry, &fixture_version("2.0.0"), "acme/versioned", "2.0.0", &[]);

    // A pin serves its version although a newer one is there.
    let host = Armature::start(machine(&registry, "1.0.0"));
    let swapped = Hammer::start(SensorServiceClient::new(host.channel().await), "v");
    until("the pinned 1.0.0 serving", || swapped.last()["version"] == "1.0.0").await;

    // Tracking "latest": the config edit resolves and swaps to 2.0.0.
    host.write_config(machine(&registry, "latest"));
    until("latest (2.0.0) serving", || swapped.last()["version"] == "2.0.0").await;

    // A version whose constructor traps: the resource keeps its running
    // 2.0.0 instance and says why the new one cannot start.
    push(&registry, &fixture_version("3.0.0"), "acme/versioned", "3.0.0", &[]);
    let robot = host.robot().await;
    eventually(Duration::from_secs(20), "the trap reported", || {
        let mut robot = robot.clone();
        async move {
            let (_, error) = machine_status(&mut robot).await.remove("v")?;
            error.contains("cannot start").then_some(())
        }
    })
    .await;
    assert_eq!(swapped.last()["version"], "2.0.0");
    // A version that does not even load (built for another contract, pushed
    // by another tool): refused as a whole, the rest stays as it was.
    push_raw(
        &registry,
        "acme/versioned",
        "4.0.0",
        &fixture("old-wit"),
        WASM_CONFIG,
        WASM_LAYER,
    )
    .await;
    let why = wait_for_module_error(&host, "4.0.0 was refused").await;
    assert!(why.contains("armature:module@0.0.1"), "{why}");
    assert_eq!(swapped.last()["version"], "2.0.0");

    // Back to a pin; it stays put while the registry moves on to a good
    // newer version (2.0.0's bytes as 5.0.0).
    host.write_config(machine(&registry, "1.0.0"));
    until("pinned back to 1.0.0", || swapped.last()["version"] == "1.0.0").await;
    push(&registry, &fixture_version("2.0.0"), "acme/versioned", "5.0.0", &[]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(swapped.last()["version"], "1.0.0", "a pin never moves");
    let modules = module_status(&host).await;
    assert!(modules.iter().any(|(name, _)| name == "versioned@1.0.0"), "{modules:?}");

    // A range tracks within its bounds.
    host.write_config(machine(&registry, "^2"));
    until("^2 resolves to 2.0.0", || swapped.last()["version"] == "2.0.0").await;

    let (calls, failures, errors) = swapped.finish().await;
    assert_eq!(failures, 0, "failed calls during the swaps: {errors:?}");
    assert!(calls > 100, "{calls} calls");
    assert_no_password(&host).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_tag_on_latest_is_served_without_a_failed_call() {
    let registry = Registry::start(false);
    push_public(&registry, "1.0.0", "1.0.0");
    let host = Armature::start(machine(&registry, "latest"));
    let swapped = Hammer::start(SensorServiceClient::new(host.channel().await), "v");
    until("1.0.0 serving", || swapped.last()["version"] == "1.0.0").await;
    push_public(&registry, "2.0.0", "2.0.0");
    until("the new tag serving", || swapped.last()["version"] == "2.0.0").await;
    // A prerelease is not "latest".
    push_public(&registry, "1.0.0", "3.0.0-rc.1");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(swapped.last()["version"], "2.0.0");
    let (_, failures, errors) = swapped.finish().await;
    assert_eq!(failures, 0, "{errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_public_and_unlisted_modules() {
    let private = Registry::start(true);
    let open = Registry::start(false);
    let thermo_wasm = modules_dir().join("thermometer.wasm");
    let file = thermo_wasm.to_str().unwrap();
    // The examples' crate version, which `export_module!` embeds.
    let thermo_version = env!("CARGO_PKG_VERSION");

    // A private module is refused where anyone could read it (a Rust
    // module needs no tag: its version is inside).
    let (ok, _, err) = cli(&["push", file, &format!("{}/acme/thermo", open.addr)]);
    assert!(!ok && err.contains("lets anyone read"), "{err}");
    let (ok, _, err) = cli(&["push", file, &format!("{}/acme/thermo:9.9.9", open.addr)]);
    assert!(
        !ok && err.contains(&format!("says it is version {thermo_version}")),
        "{err}"
    );
    // No tag and no --version: the version inside is the tag.
    let cache = test_cache().display().to_string();
    let (ok, out, err) = cli(&[
        "push",
        file,
        &format!("{}/acme/thermo", open.addr),
        "--visibility",
        "public",
        "--description",
        "a demo thermometer",
        "--cache-dir",
        &cache,
    ]);
    assert!(ok && out.contains(thermo_version), "{out}\n{err}");
    push(
        &open,
        &fixture_version("1.0.0"),
        "acme/hidden",
        "1.0.0",
        &["--visibility", "unlisted"],
    );
    push(&private, &thermo_wasm, "acme/secret-thermo", thermo_version, &[]);

    // Listing: public modules with their models; unlisted ones left out.
    let (ok, out, err) = cli(&["list", &open.addr]);
    assert!(ok, "{err}");
    assert!(
        out.contains("acme/thermo") && out.contains("armature:examples:thermometer"),
        "{out}"
    );
    assert!(!out.contains("acme/hidden"), "an unlisted module was listed:\n{out}");
    let (ok, out, _) = cli(&["search", &open.addr, "demo thermo", "--json"]);
    let found: Value = serde_json::from_str(&out).unwrap();
    assert!(ok && found.as_array().unwrap().len() == 1, "{out}");
    let (_, out, _) = cli(&["search", &open.addr, "versioned"]);
    assert!(!out.contains("acme/hidden"), "search found an unlisted module:\n{out}");

    // The private registry: no credentials, wrong ones, right ones.
    let (ok, _, err) = cli(&["list", &private.addr]);
    assert!(!ok && err.contains("needs credentials"), "{err}");
    let wrong = private.dir.path().join("wrong.json");
    std::fs::write(&wrong, json!({"username": "robot", "password": "not-it"}).to_string()).unwrap();
    let (ok, _, err) = cli(&["list", &private.addr, "--credentials", wrong.to_str().unwrap()]);
    assert!(!ok && err.contains("refused the credentials"), "{err}");
    let creds = private.credentials.clone().unwrap();
    let (ok, out, err) = cli(&[
        "list",
        &format!("{}/acme", private.addr),
        "--credentials",
        creds.to_str().unwrap(),
    ]);
    assert!(
        ok && out.contains("acme/secret-thermo") && out.contains("private"),
        "{out}{err}"
    );

    // A host: the unlisted module by name, the private one with credentials,
    // and the private one without credentials refused with the reason.
    let mut anonymous_entry = private.config_entry("300ms");
    anonymous_entry.as_object_mut().unwrap().remove("credentials_file");
    anonymous_entry["name"] = json!("anonymous");
    let mut open_entry = open.config_entry("300ms");
    open_entry["name"] = json!("open");
    let mut private_entry = private.config_entry("300ms");
    private_entry["name"] = json!("private");
    let config = json!({
        "modules_dir": no_local_modules(),
        "registries": [open_entry, private_entry],
        "modules": [
            {"type": "registry", "name": "hidden", "registry": "open", "module_id": "acme/hidden", "version": "1.0.0"},
            {"type": "registry", "name": "secret", "registry": "private", "module_id": "acme/secret-thermo"},
        ],
        "components": [versioned_sensor("v"), thermometer("t", 12.5)],
    });
    let host = Armature::start(config);
    let mut sensors = host.sensors().await;
    let v = readings(&mut sensors, "v").await.expect("the unlisted module serves");
    assert_eq!(v["version"], "1.0.0");
    let t = readings(&mut sensors, "t").await.expect("the private module serves");
    assert_eq!(t["temperature"], json!(12.5));
    assert_no_password(&host).await;

    // Without credentials (and without a copy in its cache) a host cannot
    // have the private module, and says so.
    let config = json!({
        "modules_dir": no_local_modules(),
        "registries": [anonymous_entry],
        "modules": [{"type": "registry", "name": "nocreds", "module_id": "acme/secret-thermo"}],
        "components": [thermometer("t", 1.0)],
    });
    let outsider = Armature::start(config);
    let why = wait_for_module_error(&outsider, "nocreds").await;
    assert!(why.contains("needs credentials"), "{why}");
    let mut robot = outsider.robot().await;
    let (state, _) = machine_status(&mut robot).await.remove("t").unwrap();
    assert_eq!(state, UNHEALTHY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outages_offline_boot_and_recovery_without_a_restart() {
    let mut registry = Registry::start(false);
    push_public(&registry, "1.0.0", "1.0.0");
    let state = tempfile::tempdir().unwrap();
    let state_arg = state.path().to_str().unwrap().to_string();
    let args = ["--state-dir", state_arg.as_str()];

    let first = Armature::start_with(machine(&registry, "latest"), &args);
    let mut sensors = first.sensors().await;
    assert_eq!(readings(&mut sensors, "v").await.unwrap()["version"], "1.0.0");

    // The registry goes away: the host keeps serving and says why it cannot check.
    registry.kill();
    let why = wait_for_module_error(&first, "unreachable").await;
    assert!(why.contains(&registry.addr), "{why}");
    assert_eq!(readings(&mut sensors, "v").await.unwrap()["version"], "1.0.0");
    drop(first);

    // A boot with no registry serves from the cache.
    let offline = Armature::start_with(machine(&registry, "latest"), &args);
    let mut sensors = offline.sensors().await;
    assert_eq!(
        readings(&mut sensors, "v").await.expect("served from the cache")["version"],
        "1.0.0"
    );
    // A host that never saw the module cannot serve it, and says so.
    let fresh = Armature::start(machine(&registry, "latest"));
    let why = wait_for_module_error(&fresh, "no version of it is cached").await;
    assert!(why.contains("versioned") && why.contains("unreachable"), "{why}");

    // The registry is back with a newer version: both hosts pick it up.
    registry.restart();
    push_public(&registry, "2.0.0", "2.0.0");
    for host in [&offline, &fresh] {
        let sensors = host.sensors().await;
        eventually(Duration::from_secs(20), "2.0.0 after the outage", || {
            let mut sensors = sensors.clone();
            async move {
                readings(&mut sensors, "v")
                    .await
                    .ok()
                    .filter(|r| r["version"] == "2.0.0")
            }
        })
        .await;
    }
}

const WASM_CONFIG: &str = "application/vnd.wasm.config.v0+json";
const WASM_LAYER: &str = "application/wasm";

/// Pushes a manifest of the given config type and layer media type under
/// `tag`, as another tool would.
async fn push_raw(
    registry: &Registry,
    repo: &str,
    tag: &str,
    file: &std::path::Path,
    config_type: &str,
    layer_type: &str,
) {
    armature::registry::client::install_tls_provider();
    let client = oci_client::Client::try_from(oci_client::client::ClientConfig {
        protocol: oci_client::client::ClientProtocol::Http,
        ..Default::default()
    })
    .unwrap();
    let bytes = std::fs::read(file).unwrap();
    let layer = oci_client::client::ImageLayer::new(bytes, layer_type.to_string(), None);
    let config = oci_client::client::Config::new(b"{}".to_vec(), config_type.to_string(), None);
    let reference: oci_client::Reference = format!("{}/{repo}:{tag}", registry.addr).parse().unwrap();
    let auth = match registry.credentials {
        Some(_) => oci_client::secrets::RegistryAuth::Basic(USER.into(), PASSWORD.into()),
        None => oci_client::secrets::RegistryAuth::Anonymous,
    };
    client
        .push(&reference, &[layer], config, &auth, None)
        .await
        .expect("raw push");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_artifacts_tags_and_configs_are_refused_with_the_reason() {
    let registry = Registry::start(false);
    let public = ["--visibility", "public"];
    // Tags that are not semver: refused on push, ignored on resolution.
    let file = fixture_version("1.0.0");
    let (ok, _, err) = cli(&[
        "push",
        file.to_str().unwrap(),
        &format!("{}/acme/x:main", registry.addr),
    ]);
    assert!(!ok && err.contains("not a semver version"), "{err}");
    push_raw(&registry, "acme/untagged", "main", &file, WASM_CONFIG, WASM_LAYER).await;
    // A container image, not a wasm artifact.
    push_raw(
        &registry,
        "acme/image",
        "1.0.0",
        &file,
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.oci.image.layer.v1.tar",
    )
    .await;
    // A component whose bytes in the registry no longer match their digest.
    push(&registry, &fixture_version("1.0.0"), "acme/tampered", "1.0.0", &public);
    let (_, out, _) = cli(&["list", &registry.addr, "--json"]);
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "only real modules are listed: {out}"
    );
    let blobs = registry.dir.path().join("data/docker/registry/v2/blobs/sha256");
    let wasm_len = std::fs::metadata(&file).unwrap().len();
    let mut tampered = 0;
    for shard in std::fs::read_dir(&blobs).unwrap() {
        for blob in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let data = blob.unwrap().path().join("data");
            if std::fs::metadata(&data).unwrap().len() == wasm_len {
                let mut bytes = std::fs::read(&data).unwrap();
                let last = bytes.len() - 1;
                bytes[last] ^= 0xff;
                std::fs::write(&data, bytes).unwrap();
                tampered += 1;
            }
        }
    }
    assert!(tampered >= 1, "found the component's blob");

    let module = |name: &str, id: &str| json!({"type": "registry", "name": name, "module_id": id, "version": "latest"});
    let config = json!({
        "modules_dir": no_local_modules(),
        "registries": [registry.config_entry("300ms")],
        "modules": [module("untagged", "acme/untagged"), module("image", "acme/image"),
                    module("tampered", "acme/tampered"), module("missing", "acme/nothing-here")],
    });
    let host = Armature::start(config);
    let expectations = [
        ("untagged", "no version matches \"latest\" (semver tags: none)"),
        ("image", "not a wasm component artifact"),
        ("tampered", "digest mismatch"),
        ("missing", "not found"),
    ];
    for (name, needle) in expectations {
        let why = wait_for_module_error(&host, needle).await;
        assert!(why.contains(name), "{name}: {why}");
    }

    // Config mistakes name the file, the entry and the field, and the
    // running machine stays as it was: its module lines do not change.
    let names = |status: Vec<(String, String)>| -> Vec<String> { status.into_iter().map(|(n, _)| n).collect() };
    let before = names(module_status(&host).await);
    let bad = [
        (
            json!({"type": "registry", "name": "a", "module_id": "acme/a", "version": "banana"}),
            "version",
        ),
        (
            json!({"type": "registry", "name": "a", "module_id": "Acme/A"}),
            "module_id",
        ),
        (
            json!({"type": "registry", "name": "a", "module_id": "acme/a", "registry": "nope"}),
            "registry",
        ),
        (json!({"type": "ftp", "name": "a"}), "type"),
    ];
    for (entry, field) in bad {
        let mut config = machine(&registry, "latest");
        config["modules"] = json!([entry]);
        host.write_config(config);
        eventually(Duration::from_secs(10), field, || async {
            host.logs()
                .lines()
                .any(|l| l.contains("machine.json") && l.contains(&format!("field `{field}`")))
                .then_some(())
        })
        .await;
    }
    let mut config = machine(&registry, "latest");
    config["registries"][0]["url"] = json!("http://192.0.2.1:5000");
    host.write_config(config);
    eventually(Duration::from_secs(10), "plain HTTP refused", || async {
        host.logs()
            .contains("plain HTTP is allowed for loopback registries only")
            .then_some(())
    })
    .await;
    assert_eq!(
        names(module_status(&host).await),
        before,
        "a refused config changed the machine"
    );
}
