//! A real OCI registry for the tests: Debian's `docker-registry`
//! (Distribution 2.8), on a free loopback port, with htpasswd auth or none,
//! started, killed and restarted by the test (its data survives a restart).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Installed by `cargo xtask test` (Debian package `docker-registry`).
pub const BINARY: &str = "/usr/bin/docker-registry";

pub struct Registry {
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    pub dir: tempfile::TempDir,
    /// With auth: the credentials file a host or the CLI is given.
    pub credentials: Option<PathBuf>,
}

pub const USER: &str = "robot";
/// Appears nowhere in logs or status; the tests check.
pub const PASSWORD: &str = "s3cret-Pa55word-for-tests";

/// Whether a Distribution registry answers `GET /v2/` at `addr`.
fn answers_as_registry(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /v2/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.to_ascii_lowercase().contains("docker-distribution-api-version")
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().unwrap().port()
}

impl Registry {
    /// A registry that requires `USER`/`PASSWORD` (`auth`) or lets anyone in.
    pub fn start(auth: bool) -> Self {
        assert!(
            Path::new(BINARY).exists(),
            "{BINARY} is missing: `cargo xtask test` installs it (Debian package docker-registry)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let mut auth_block = String::new();
        let mut credentials = None;
        if auth {
            let hash = bcrypt::hash(PASSWORD, 5).expect("bcrypt");
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{USER}:{hash}\n")).unwrap();
            auth_block = format!(
                "auth:\n  htpasswd:\n    realm: armature\n    path: {}\n",
                htpasswd.display()
            );
            let file = dir.path().join("credentials.json");
            std::fs::write(
                &file,
                serde_json::json!({"username": USER, "password": PASSWORD}).to_string(),
            )
            .unwrap();
            credentials = Some(file);
        }
        let data = dir.path().join("data");
        let config = |addr: &str| {
            format!(
                "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  secret: test-only-secret\n{auth_block}",
                data.display()
            )
        };
        let mut registry = Self {
            child: None,
            addr: String::new(),
            dir,
            credentials,
        };
        // A port found free can be taken by another test's process before
        // the registry binds it: then another port.
        for _ in 0..5 {
            registry.addr = format!("127.0.0.1:{}", free_port());
            std::fs::write(registry.dir.path().join("config.yml"), config(&registry.addr)).unwrap();
            match registry.try_start() {
                Ok(()) => return registry,
                Err(why) if why.contains("address already in use") => continue,
                Err(why) => panic!("{why}"),
            }
        }
        panic!("docker-registry found no free port in 5 tries")
    }

    /// Starts it again on the same port with the same data.
    pub fn restart(&mut self) {
        if let Err(why) = self.try_start() {
            panic!("{why}");
        }
    }

    /// Spawns the registry and waits until *it* answers on its port (a
    /// Distribution answer to `GET /v2/`, from a child still running), not
    /// merely until something accepts connections there.
    fn try_start(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "the registry is running");
        let log_path = self.dir.path().join("registry.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new(BINARY)
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting docker-registry");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let exited = self
                .child
                .as_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_some());
            if exited {
                self.child = None;
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("docker-registry exited on {}: {log}", self.addr));
            }
            if answers_as_registry(&self.addr) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("docker-registry did not listen on {}: {log}", self.addr));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The file a blob is stored in (filesystem storage driver layout).
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// `registries` entry for a machine config.
    pub fn config_entry(&self, check_interval: &str) -> serde_json::Value {
        let mut entry = serde_json::json!({"url": format!("http://{}", self.addr), "check_interval": check_interval});
        if let Some(c) = &self.credentials {
            entry["credentials_file"] = serde_json::json!(c);
        }
        entry
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `armature registry ARGS…`; returns (success, stdout, stderr).
pub fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(crate::armature_bin())
        .arg("registry")
        .args(args)
        .output()
        .expect("running armature registry");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Pushes a built module as `REGISTRY/REPO:VERSION` and panics on failure.
pub fn push(registry: &Registry, file: &Path, repo: &str, version: &str, extra: &[&str]) {
    let reference = format!("{}/{repo}:{version}", registry.addr);
    // `push` compiles the component: share the tests' compile cache.
    let cache = crate::test_cache().display().to_string();
    let mut args = vec![
        "push",
        file.to_str().unwrap(),
        reference.as_str(),
        "--cache-dir",
        cache.as_str(),
    ];
    args.extend_from_slice(extra);
    let creds;
    if let Some(c) = &registry.credentials {
        creds = c.display().to_string();
        args.extend(["--credentials", creds.as_str()]);
    }
    let (ok, out, err) = cli(&args);
    assert!(ok, "push {reference} failed:\n{out}\n{err}");
}
