//! Test support: start a real `armature` process on a free loopback port
//! with a config written for the test, and talk to it over gRPC.
//!
//! The binary and the modules come from `cargo xtask build`
//! (`target/release/armature`, `target/modules/`, `target/test-modules/`).

pub mod hammer;
pub mod http;
pub mod nats;
pub mod registry;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tonic::transport::Channel;

pub use armature::core::proto::viam::common::v1 as common;
pub use armature::core::proto::viam::component::sensor::v1::sensor_service_client::SensorServiceClient;
pub use armature::core::proto::viam::robot::v1 as robot;
pub use armature::core::proto::viam::robot::v1::robot_service_client::RobotServiceClient;
pub use armature::core::proto::viam::service::generic::v1::generic_service_client::GenericServiceClient;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

fn built(path: &str) -> PathBuf {
    let p = root().join(path);
    assert!(p.exists(), "{} is missing: run `cargo xtask build` first", p.display());
    p
}

/// `target/modules`: the example modules.
pub fn modules_dir() -> PathBuf {
    built("target/modules")
}

/// A test fixture module, e.g. `hostile`.
pub fn fixture(name: &str) -> PathBuf {
    built(&format!("target/test-modules/{name}.wasm"))
}

pub fn armature_bin() -> PathBuf {
    built("target/release/armature")
}

/// The compile cache the tests share (inside the checkout).
pub fn test_cache() -> PathBuf {
    root().join("target/test-cache")
}

/// A running `armature run`; killed when dropped.
pub struct Armature {
    child: Child,
    pub addr: String,
    pub dir: tempfile::TempDir,
    stderr_path: PathBuf,
}

impl Armature {
    /// Writes `config` (modules_dir defaults to target/modules) and starts the host.
    pub fn start(config: Value) -> Self {
        Self::start_with(config, &[])
    }

    pub fn start_with(config: Value, args: &[&str]) -> Self {
        let (dir, run_args) = Self::prepare(config, args);
        Self::launch(dir, &run_args, None)
    }

    /// Starts the host with its open-file limit (soft and hard) at `files`,
    /// as `ulimit -n FILES` would.
    pub fn start_with_file_limit(config: Value, files: u64) -> Self {
        let (dir, run_args) = Self::prepare(config, &[]);
        Self::launch(dir, &run_args, Some(files))
    }

    /// Runs `armature run` with `config` and `args`, expecting it to refuse
    /// to start: its exit status and standard error. Panics if it is still
    /// running after 30 s (it started).
    pub fn refused(config: Value, args: &[&str]) -> (std::process::ExitStatus, String) {
        let (dir, run_args) = Self::prepare(config, args);
        let stderr_path = dir.path().join("armature.log");
        let mut child = Command::new(armature_bin())
            .arg("run")
            .args(["--cache-dir"])
            .arg(test_cache())
            .arg("--state-dir")
            .arg(dir.path().join("state"))
            .args(&run_args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .expect("running armature");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "armature started instead of refusing; its log:\n{}",
                    std::fs::read_to_string(&stderr_path).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        (status, std::fs::read_to_string(&stderr_path).unwrap_or_default())
    }

    fn prepare(mut config: Value, args: &[&str]) -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().expect("temp dir");
        if config.get("modules_dir").is_none() {
            config["modules_dir"] = json!(modules_dir());
        }
        let config_path = dir.path().join("machine.json");
        std::fs::write(&config_path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let mut run_args = vec!["--config".to_string(), config_path.display().to_string()];
        run_args.extend(args.iter().map(|a| a.to_string()));
        (dir, run_args)
    }

    /// `armature run --fleet URL --machine NAME --state-dir STATE`: the
    /// config comes from the fleet; `state` outlives the host, so a
    /// restarted host finds the config it applied last.
    pub fn start_fleet(url: &str, machine: &str, state: &Path, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut run_args: Vec<String> = ["--fleet", url, "--machine", machine, "--state-dir"]
            .iter()
            .map(|a| a.to_string())
            .collect();
        run_args.push(state.display().to_string());
        run_args.extend(args.iter().map(|a| a.to_string()));
        Self::launch(dir, &run_args, None)
    }

    fn launch(dir: tempfile::TempDir, args: &[String], max_files: Option<u64>) -> Self {
        let stderr_path = dir.path().join("armature.log");
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut command = Command::new(armature_bin());
        command
            .arg("run")
            .args(["--listen", "127.0.0.1:0", "--cache-dir"])
            .arg(test_cache());
        if !args.iter().any(|a| a == "--state-dir") {
            command.arg("--state-dir").arg(dir.path().join("state"));
        }
        if std::env::var_os("ARMATURE_COMPONENTIZE_PY").is_none() {
            // Inline modules are built by the host itself.
            let tool = root().join("target/venv/bin/componentize-py");
            if tool.exists() {
                command.env("ARMATURE_COMPONENTIZE_PY", tool);
            }
        }
        if let Some(files) = max_files {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child before exec.
            unsafe {
                command.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: files,
                        rlim_max: files,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command
            .args(args)
            .env("ARMATURE_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawning armature");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            panic!(
                "armature did not start; its log:\n{}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            )
        });
        let addr = line
            .strip_prefix("armature listening on ")
            .expect("the first stdout line names the address")
            .to_string();
        Self {
            child,
            addr,
            dir,
            stderr_path,
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("machine.json")
    }

    /// Everything the host logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
            .expect("connecting to armature")
    }

    pub async fn robot(&self) -> RobotServiceClient<Channel> {
        RobotServiceClient::new(self.channel().await)
    }

    pub async fn sensors(&self) -> SensorServiceClient<Channel> {
        SensorServiceClient::new(self.channel().await)
    }

    pub async fn services(&self) -> GenericServiceClient<Channel> {
        GenericServiceClient::new(self.channel().await)
    }

    /// Replaces the config file (the host's file watcher picks it up).
    pub fn write_config(&self, mut config: Value) {
        if config.get("modules_dir").is_none() {
            config["modules_dir"] = json!(modules_dir());
        }
        // Write beside, then rename: what editors do, and never a half file.
        let tmp = self.dir.path().join("machine.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        std::fs::rename(&tmp, self.config_path()).unwrap();
    }

    /// The host's resident memory, in bytes.
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    }

    /// Replaces the config file and sends SIGHUP.
    pub fn reload(&self, mut config: Value) {
        if config.get("modules_dir").is_none() {
            config["modules_dir"] = json!(modules_dir());
        }
        std::fs::write(self.config_path(), serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        self.signal(libc::SIGHUP);
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Waits for the process to exit, up to `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Armature {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- armature log ---\n{}", self.logs());
        }
    }
}

/// An Authenticate request for API key `key` of key id `entity`.
pub fn api_key_request(entity: &str, key: &str) -> armature::core::proto::proto::rpc::v1::AuthenticateRequest {
    use armature::core::proto::proto::rpc::v1 as rpc;
    rpc::AuthenticateRequest {
        entity: entity.into(),
        credentials: Some(rpc::Credentials {
            r#type: "api-key".into(),
            payload: key.into(),
        }),
    }
}

/// `{"k": v, ...}` as a protobuf Struct.
pub fn pb_struct(v: Value) -> prost_types::Struct {
    armature::core::values::json_to_struct(v.as_object().expect("an object"))
}

/// A protobuf Struct as JSON.
pub fn struct_json(s: &prost_types::Struct) -> Value {
    Value::Object(
        s.fields
            .iter()
            .map(|(k, v)| (k.clone(), armature::core::values::pb_to_json(v)))
            .collect(),
    )
}

/// Readings as JSON.
pub fn readings_json(r: &std::collections::HashMap<String, prost_types::Value>) -> Value {
    Value::Object(
        r.iter()
            .map(|(k, v)| (k.clone(), armature::core::values::pb_to_json(v)))
            .collect(),
    )
}

/// A thermometer config.
pub fn thermometer(name: &str, celsius: f64) -> Value {
    json!({"name": name, "api": "rdk:component:sensor", "model": "armature:examples:thermometer",
           "attributes": {"celsius": celsius}})
}

/// A threshold-alerts config.
pub fn alerts(name: &str, sensors: &[&str], critical: f64) -> Value {
    json!({"name": name, "api": "rdk:service:generic", "model": "armature:examples:threshold-alerts",
           "attributes": {"sensors": sensors, "threshold": critical, "poll_ms": 50}})
}

/// Polls `check` every 50 ms until it returns Some, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// GetReadings on a sensor.
pub async fn readings(client: &mut SensorServiceClient<Channel>, name: &str) -> Result<Value, tonic::Status> {
    let r = client
        .get_readings(common::GetReadingsRequest {
            name: name.into(),
            extra: None,
        })
        .await?
        .into_inner();
    Ok(readings_json(&r.readings))
}

/// DoCommand on a generic service.
pub async fn service_command(
    client: &mut GenericServiceClient<Channel>,
    name: &str,
    command: Value,
) -> Result<Value, tonic::Status> {
    let r = client
        .do_command(common::DoCommandRequest {
            name: name.into(),
            command: Some(pb_struct(command)),
        })
        .await?
        .into_inner();
    Ok(struct_json(&r.result.unwrap_or_default()))
}

/// DoCommand on a sensor.
pub async fn sensor_command(
    client: &mut SensorServiceClient<Channel>,
    name: &str,
    command: Value,
) -> Result<Value, tonic::Status> {
    let r = client
        .do_command(common::DoCommandRequest {
            name: name.into(),
            command: Some(pb_struct(command)),
        })
        .await?
        .into_inner();
    Ok(struct_json(&r.result.unwrap_or_default()))
}

/// Per-resource status from GetMachineStatus: name → (state, error).
pub async fn machine_status(
    client: &mut RobotServiceClient<Channel>,
) -> std::collections::BTreeMap<String, (i32, String)> {
    let s = client
        .get_machine_status(robot::GetMachineStatusRequest {})
        .await
        .expect("GetMachineStatus")
        .into_inner();
    s.resources
        .into_iter()
        .map(|r| (r.name.map(|n| n.name).unwrap_or_default(), (r.state, r.error)))
        .collect()
}

pub const READY: i32 = robot::resource_status::State::Ready as i32;
pub const UNHEALTHY: i32 = robot::resource_status::State::Unhealthy as i32;
pub const CONFIGURING: i32 = robot::resource_status::State::Configuring as i32;
