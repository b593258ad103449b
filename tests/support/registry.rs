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
        let addr = format!("127.0.0.1:{}", free_port());
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
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  secret: test-only-secret\n{auth_block}",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let mut registry = Self {
            child: None,
            addr,
            dir,
            credentials,
        };
        registry.restart();
        registry
    }

    /// Starts it again on the same port with the same data.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the registry is running");
        let log = std::fs::File::create(self.dir.path().join("registry.log")).unwrap();
        let child = Command::new(BINARY)
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting docker-registry");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&self.addr).is_err()
            || self
                .child
                .as_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_some())
        {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {}: {}",
                self.addr,
                std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
            );
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
