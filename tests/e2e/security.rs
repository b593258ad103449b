//! What a hostile review of a running machine found, each shown closed:
//! auth blocks that would leave the machine open, keys changed live, idle
//! connections, names that leave their folder, captured data read from
//! anywhere, secrets in logs, log injection and key guessing, an open
//! machine off loopback, a foreign Host header, dependencies a module was
//! not allowed, and a key sent in clear text by the CLI.

use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use armature::core::proto::proto::rpc::v1 as rpc;
use armature::core::proto::proto::rpc::v1::auth_service_client::AuthServiceClient;
use armature::core::proto::viam::service::datamanager::v1::data_manager_service_client::DataManagerServiceClient;
use armature_tests::http::request;
use armature_tests::*;
use serde_json::{Value, json};
use tonic::Code;

const KEY_ID: &str = "owner";

fn keyed(key: &str, mut config: Value) -> Value {
    config["auth"] = json!({"handlers": [{"type": "api-key", "config": {KEY_ID: key}}]});
    config
}

fn authenticate(entity: &str, key: &str) -> rpc::AuthenticateRequest {
    api_key_request(entity, key)
}

fn basic(id: &str, key: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{key}"))
    )
}

/// GET `path` with a key, addressed to the machine by its address.
fn get_with_key(host: &Armature, path: &str, key: &str) -> http::Answer {
    request(
        &host.addr,
        "GET",
        path,
        &[("Host", &host.addr), ("Authorization", &basic(KEY_ID, key))],
        None,
    )
}

async fn token(host: &Armature, key: &str) -> Result<String, tonic::Status> {
    let mut auth = AuthServiceClient::new(host.channel().await);
    Ok(auth
        .authenticate(authenticate(KEY_ID, key))
        .await?
        .into_inner()
        .access_token)
}

/// `message` carrying a bearer token.
fn bearer<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(message);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

async fn names_with(host: &Armature, token: &str) -> Result<usize, tonic::Status> {
    let mut robot = host.robot().await;
    let mut r = tonic::Request::new(robot::ResourceNamesRequest {});
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    Ok(robot.resource_names(r).await?.into_inner().resources.len())
}

/// GetMachineStatus once resource `name` is in `state` (waits up to 20 s).
async fn status_once(
    host: &Armature,
    name: &'static str,
    state: i32,
) -> std::collections::BTreeMap<String, (i32, String)> {
    let robot = host.robot().await;
    eventually(Duration::from_secs(20), name, || {
        let mut robot = robot.clone();
        async move {
            let s = machine_status(&mut robot).await;
            (s[name].0 == state).then_some(s)
        }
    })
    .await
}

fn check(config: &Value) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("machine.json");
    let mut config = config.clone();
    config["modules_dir"] = json!(modules_dir());
    std::fs::write(&path, config.to_string()).unwrap();
    let out = Command::new(armature_bin())
        .args(["check", "--cache-dir"])
        .arg(test_cache())
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn an_auth_handler_without_a_usable_key_is_refused_not_open() {
    // viam-server's older shape: keys without ids.
    let legacy = json!({
        "auth": {"handlers": [{"type": "api-key", "config": {"key": "sosecret", "keys": ["sosecret"]}}]},
        "components": [thermometer("t", 4.0)],
    });
    let (ok, out) = check(&legacy);
    assert!(!ok, "{out}");
    assert!(out.contains("auth.handlers[0]") && out.contains("config"), "{out}");
    let (status, stderr) = Armature::refused(legacy, &["--listen", "127.0.0.1:0"]);
    assert!(!status.success(), "the machine must not start open: {stderr}");
    assert!(stderr.contains("auth.handlers[0]"), "{stderr}");
}

#[tokio::test]
async fn a_key_changed_live_stops_working_with_its_tokens() {
    let host = Armature::start(keyed("old-key", json!({"components": [thermometer("t", 4.0)]})));
    let old_token = token(&host, "old-key").await.unwrap();
    assert_eq!(names_with(&host, &old_token).await.unwrap(), 1);
    assert_eq!(get_with_key(&host, "/metrics", "old-key").status, 200);

    host.write_config(keyed("new-key", json!({"components": [thermometer("t", 4.0)]})));
    eventually(Duration::from_secs(20), "the new key to be in force", || async {
        token(&host, "new-key").await.ok()
    })
    .await;
    let e = token(&host, "old-key").await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    let e = names_with(&host, &old_token).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated, "the old key's token is revoked");
    assert_eq!(get_with_key(&host, "/metrics", "old-key").status, 401);
    assert_eq!(get_with_key(&host, "/metrics", "new-key").status, 200);
    let new_token = token(&host, "new-key").await.unwrap();
    assert_eq!(names_with(&host, &new_token).await.unwrap(), 1);
}

#[tokio::test]
async fn idle_connections_neither_lock_out_clients_nor_starve_capture() {
    let capture_dir = tempfile::tempdir().unwrap();
    let mut t = thermometer("t", 4.0);
    t["service_configs"] = json!([{"type": "data_manager", "attributes": {"capture_methods": [
        {"method": "Readings", "capture_frequency_hz": 20}]}}]);
    let host = Armature::start_with_file_limit(
        json!({
            "components": [t],
            "services": [{"name": "data", "api": "rdk:service:data_manager", "model": "rdk:builtin:builtin",
                          "attributes": {"capture_dir": capture_dir.path(), "capture_max_file_size_bytes": 2048}}],
        }),
        256,
    );
    let mut dm = DataManagerServiceClient::new(host.channel().await);
    let status = |dm: &mut DataManagerServiceClient<_>| {
        let mut dm = dm.clone();
        async move {
            let r = dm
                .do_command(common::DoCommandRequest {
                    name: "data".into(),
                    command: Some(pb_struct(json!({"command": "status"}))),
                })
                .await
                .unwrap()
                .into_inner();
            struct_json(&r.result.unwrap_or_default())["collectors"][0].clone()
        }
    };
    let before = status(&mut dm).await;

    // More connections than the host has file handles, sending nothing.
    let idle: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(&host.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(500));
    for round in 0..5 {
        let started = Instant::now();
        let served = tokio::time::timeout(Duration::from_secs(3), async {
            let mut sensors = host.sensors().await;
            readings(&mut sensors, "t").await
        })
        .await;
        assert!(
            matches!(served, Ok(Ok(_))),
            "round {round}: a new client was not served with 300 idle connections open: {served:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        let metrics = request(&host.addr, "GET", "/metrics", &[], None);
        assert_eq!(metrics.status, 200, "round {round}: plain HTTP is served too");
        std::thread::sleep(Duration::from_millis(300));
    }
    let during = status(&mut dm).await;
    assert!(
        during["captured"].as_f64() > before["captured"].as_f64(),
        "capture kept going: {before} → {during}"
    );
    assert_eq!(during["errors"], json!(0.0), "no sample lost: {during}");
    assert!(!host.logs().contains("Too many open files"), "{}", host.logs());
    drop(idle);
}

#[test]
fn names_that_would_leave_their_folder_are_config_errors() {
    for bad in ["..", ".", "a/b", "a\u{0}b", "tab\tname", &"x".repeat(61)] {
        let config = json!({"components": [thermometer(bad, 1.0)]});
        let (ok, out) = check(&config);
        assert!(!ok, "{bad:?} was accepted");
        assert!(out.contains("field `name`"), "{bad:?}: {out}");
    }
    let config = json!({"modules": [{"name": "..", "path": fixture("hostile")}]});
    let (ok, out) = check(&config);
    assert!(!ok && out.contains("modules[0]"), "{out}");
}

#[tokio::test]
async fn a_link_planted_where_a_data_folder_goes_is_not_followed() {
    let state = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(state.path().join("data/sensor")).unwrap();
    std::os::unix::fs::symlink(outside.path(), state.path().join("data/sensor/victim")).unwrap();
    let victim = json!({"name": "victim", "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
                        "attributes": {"on_read": "storage"}, "data_dir": true});
    let host = Armature::start_with(
        json!({"modules": [{"name": "hostile", "path": fixture("hostile")}],
               "components": [victim, thermometer("healthy", 2.0)]}),
        &["--state-dir", state.path().to_str().unwrap()],
    );
    let status = status_once(&host, "victim", UNHEALTHY).await;
    assert!(status["victim"].1.contains("symbolic link"), "{status:?}");
    assert_eq!(status["healthy"].0, READY);
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "nothing was written through the link"
    );
}

#[tokio::test]
async fn queries_read_only_what_a_collector_captures() {
    let capture_dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(elsewhere.path().join("Readings")).unwrap();
    let mut t = thermometer("t", 4.0);
    t["service_configs"] = json!([{"type": "data_manager", "attributes": {"capture_methods": [
        {"method": "Readings", "capture_frequency_hz": 20}]}}]);
    let host = Armature::start(json!({
        "components": [t],
        "services": [{"name": "data", "api": "rdk:service:data_manager", "model": "rdk:builtin:builtin",
                      "attributes": {"capture_dir": capture_dir.path()}}],
    }));
    let dm = DataManagerServiceClient::new(host.channel().await);
    let query = |resource: &str, method: &str| {
        let mut dm = dm.clone();
        let command = json!({"command": "query", "resource": resource, "method": method});
        async move {
            dm.do_command(common::DoCommandRequest {
                name: "data".into(),
                command: Some(pb_struct(command)),
            })
            .await
            .map(|r| struct_json(&r.into_inner().result.unwrap_or_default()))
        }
    };
    let got = eventually(Duration::from_secs(20), "captured samples", || async {
        query("t", "Readings")
            .await
            .ok()
            .filter(|r| r["count"].as_f64().unwrap_or(0.0) > 0.0)
    })
    .await;
    assert_eq!(got["resource"], json!("t"));
    let outside = elsewhere.path().display().to_string();
    for (resource, method) in [
        ("t", outside.as_str()),
        ("../../../..", "Readings"),
        ("t/../t", "Readings"),
        ("t", "../Readings"),
        ("other", "Readings"),
    ] {
        let e = query(resource, method).await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{resource} {method}: {e:?}");
        assert!(!e.message().contains(&outside), "{}", e.message());
    }
}

#[tokio::test]
async fn no_configured_secret_appears_in_logs_status_metrics_or_errors() {
    const API_KEY: &str = "api-key-s3cret-1111";
    const NATS_PASSWORD: &str = "nats-s3cret-2222";
    const REGISTRY_PASSWORD: &str = "registry-s3cret-3333";
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("registry.json");
    std::fs::write(
        &creds,
        json!({"username": "u", "password": REGISTRY_PASSWORD}).to_string(),
    )
    .unwrap();
    // Nothing listens on these ports: sync and the registry fail, and say so.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let mut t = thermometer("t", 4.0);
    t["service_configs"] = json!([{"type": "data_manager", "attributes": {"capture_methods": [
        {"method": "Readings", "capture_frequency_hz": 5}]}}]);
    let host = Armature::start(keyed(
        API_KEY,
        json!({
            "registries": [{"url": format!("http://127.0.0.1:{dead_port}"), "credentials_file": creds,
                            "check_interval": "300ms"}],
            "modules": [{"type": "registry", "name": "far", "module_id": "acme/far", "version": "1.0.0"}],
            "components": [t],
            "services": [{"name": "data", "api": "rdk:service:data_manager", "model": "rdk:builtin:builtin",
                          "attributes": {"capture_dir": dir.path().join("capture"), "sync_interval_mins": 0.005,
                                         "sync_target": {"nats": format!("nats://armature:{NATS_PASSWORD}@127.0.0.1:{dead_port}"),
                                                         "stream": "captures"}}}],
        }),
    ));
    let token = token(&host, API_KEY).await.unwrap();
    let dm = DataManagerServiceClient::new(host.channel().await);
    let sync_status = eventually(Duration::from_secs(30), "sync to fail", || {
        let mut dm = dm.clone();
        let request = bearer(
            &token,
            common::DoCommandRequest {
                name: "data".into(),
                command: Some(pb_struct(json!({"command": "status"}))),
            },
        );
        async move {
            let r = dm.do_command(request).await.ok()?.into_inner();
            let s = struct_json(&r.result.unwrap_or_default());
            s["sync"]["last_error"].is_string().then_some(s)
        }
    })
    .await;
    let mut robot = host.robot().await;
    let machine = robot
        .get_machine_status(bearer(&token, robot::GetMachineStatusRequest {}))
        .await
        .unwrap()
        .into_inner();
    let logs_json = get_with_key(&host, "/armature/logs", API_KEY);
    let modules_json = get_with_key(&host, "/armature/modules", API_KEY);
    let metrics = get_with_key(&host, "/metrics", API_KEY);
    assert_eq!(metrics.status, 200);
    let said = [
        ("stderr", host.logs()),
        ("data manager status", sync_status.to_string()),
        ("GetMachineStatus", format!("{machine:?}")),
        ("/armature/logs", logs_json.body),
        ("/armature/modules", modules_json.body),
        ("/metrics", metrics.body),
    ];
    assert!(
        said[1].1.contains("***@127.0.0.1"),
        "the URL is shown, masked: {}",
        said[1].1
    );
    assert!(said[0].1.contains("far"), "the registry failure is logged");
    for (place, text) in &said {
        for secret in [API_KEY, NATS_PASSWORD, REGISTRY_PASSWORD] {
            assert!(!text.contains(secret), "{place} shows a secret:\n{text}");
        }
    }
}

#[tokio::test]
async fn key_guessing_is_throttled_and_cannot_forge_log_lines() {
    let host = Armature::start(keyed("right-key", json!({"components": [thermometer("t", 4.0)]})));
    let mut auth = AuthServiceClient::new(host.channel().await);
    let forged = "x\n2026-12-07T00:00:00.000000Z  INFO armature: FORGED\u{1b}[2J";
    let mut codes = Vec::new();
    for _ in 0..60 {
        let e = auth.authenticate(authenticate(forged, "guess")).await.unwrap_err();
        codes.push(e.code());
    }
    let throttled = codes.iter().filter(|c| **c == Code::ResourceExhausted).count();
    assert!(throttled >= 40, "guessing was not throttled: {codes:?}");
    // Even the right key waits while this peer is out of attempts.
    let e = auth.authenticate(authenticate(KEY_ID, "right-key")).await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    let logs = host.logs();
    assert!(!logs.contains('\u{1b}'), "a terminal escape reached the log");
    assert!(
        !logs.lines().any(|l| l.starts_with("2026-12-07T00:00:00.000000Z")),
        "a forged line starts a line:\n{logs}"
    );
    let failure_lines = logs.lines().filter(|l| l.contains("authentication failed")).count();
    assert!(failure_lines <= 2, "{failure_lines} lines for 60 failures:\n{logs}");
    // The HTTP key check is throttled too: this peer's attempts are spent,
    // so wait for one to refill before using the right key.
    let get = |path: &str| {
        request(
            &host.addr,
            "GET",
            path,
            &[("Authorization", &basic(KEY_ID, "right-key"))],
            None,
        )
    };
    tokio::time::sleep(2 * armature::grpc::auth::Throttle::REFILL).await;
    let panel_logs = get("/armature/logs");
    assert_eq!(panel_logs.status, 200);
    // A raw ESC in a message would be JSON-encoded as \u001b.
    assert!(!panel_logs.body.contains("\\u001b"), "{}", panel_logs.body);
    let metrics = get("/metrics");
    assert_eq!(metrics.status, 200);
    let count = |name: &str| {
        metrics
            .body
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    assert!(count("armature_auth_failures_total") >= 10.0, "{}", metrics.body);
    assert!(count("armature_auth_throttled_total") >= 40.0, "{}", metrics.body);
}

#[test]
fn an_open_machine_does_not_listen_off_loopback_unless_told_to() {
    let config = json!({"components": [thermometer("t", 4.0)]});
    // Refused before anything listens: no socket is opened on 0.0.0.0.
    let (status, stderr) = Armature::refused(config.clone(), &["--listen", "0.0.0.0:0"]);
    assert!(!status.success());
    assert!(
        stderr.contains("insecure_open") && stderr.contains("0.0.0.0"),
        "{stderr}"
    );
    // With keys, or on loopback, it starts.
    let host = Armature::start(config);
    assert!(host.addr.starts_with("127.0.0.1:"));
}

#[test]
fn browsers_are_answered_only_by_the_names_the_machine_has() {
    let host = Armature::start(keyed(
        "k",
        json!({"network": {"allowed_hosts": ["robot.test"]}, "components": [thermometer("t", 4.0)]}),
    ));
    let auth = basic(KEY_ID, "k");
    let get = |name: &str| {
        request(
            &host.addr,
            "GET",
            "/metrics",
            &[("Host", name), ("Authorization", &auth)],
            None,
        )
        .status
    };
    assert_eq!(get("rebound.example.com"), 403, "a DNS-rebinding page's name");
    assert_eq!(get(&host.addr), 200, "the address itself");
    assert_eq!(get("localhost"), 200);
    assert_eq!(get("robot.test:8080"), 200, "a configured name");
    let panel = request(&host.addr, "GET", "/", &[("Host", "rebound.example.com")], None);
    assert_eq!(panel.status, 403);
}

#[tokio::test]
async fn a_module_gets_only_the_dependencies_its_entry_allows() {
    let alerts = alerts("alerts", &["t1", "t2"], 30.0);
    let config = |allowed: Value| {
        json!({"modules": [{"name": "threshold-alerts", "allowed_dependencies": allowed}],
               "components": [thermometer("t1", 1.0), thermometer("t2", 2.0)],
               "services": [alerts.clone()]})
    };
    let host = Armature::start(config(json!(["t1"])));
    let mut robot = host.robot().await;
    let status = machine_status(&mut robot).await;
    assert_eq!(status["alerts"].0, UNHEALTHY, "{status:?}");
    assert!(
        status["alerts"].1.contains("\"t2\"") && status["alerts"].1.contains("allowed_dependencies"),
        "{status:?}"
    );
    assert_eq!(status["t1"].0, READY);

    let host = Armature::start(config(json!(["t1", "rdk:component:sensor/t2"])));
    let status = status_once(&host, "alerts", READY).await;
    assert_eq!(status["t2"].0, READY);
}

#[test]
fn the_cli_does_not_send_a_key_in_clear_text_off_this_machine() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("main.py");
    std::fs::write(&file, "x = 1\n").unwrap();
    let out = Command::new(armature_bin())
        .args([
            "inline",
            "list",
            "--host",
            "http://robot.example:8080",
            "--api-key",
            "a:b",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--insecure") && stderr.contains("unencrypted"),
        "{stderr}"
    );
}
