//! The measured processes: spawned, their stdout read line by line, their
//! stderr kept in a log file, stopped with SIGTERM (SIGKILL if they linger)
//! when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::Ctx;
use bench::target::Target;

pub struct Proc {
    child: Child,
    name: String,
    pub log: PathBuf,
    lines: mpsc::Receiver<String>,
}

impl Proc {
    /// Spawns `cmd` with stdout piped (read with [`Proc::next_line`]) and
    /// stderr to `log`.
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> anyhow::Result<Self> {
        let stderr = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", cmd.get_program()))?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let (tx, lines) = mpsc::channel();
        // Drains stdout for the process's whole life, so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Ok(Self {
            child,
            name: name.to_string(),
            log: log.to_path_buf(),
            lines,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line the process prints, within `timeout`.
    pub fn next_line(&mut self, timeout: Duration) -> anyhow::Result<String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Ok(line),
            Err(_) => {
                let exited = self.child.try_wait().ok().flatten();
                bail!(
                    "{} printed nothing within {timeout:?} (exit: {exited:?}); its log {}:\n{}",
                    self.name,
                    self.log.display(),
                    tail(&self.log)
                )
            }
        }
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit (a process
    /// under valgrind writes its profile as it exits).
    pub fn terminate(&mut self, timeout: Duration) -> anyhow::Result<()> {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!("{} did not exit within {timeout:?} of SIGTERM", self.name)
    }

    /// Whether it has exited.
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    pub fn rss(&self) -> anyhow::Result<u64> {
        bench::procfs::rss_bytes(self.pid())
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: kill(2) on our own child's pid.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The last lines of a log, for errors.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// How an Armature host is started.
pub struct ArmatureSpec<'a> {
    /// For file names and errors.
    pub label: &'a str,
    /// The config's `components` and `services` (and anything else);
    /// `modules_dir` defaults to the bench modules.
    pub config: Value,
    /// `127.0.0.1:0` or `unix:PATH`.
    pub listen: String,
    /// None: `--no-cache`.
    pub cache_dir: Option<PathBuf>,
    pub watch: bool,
    pub extra_args: Vec<String>,
}

pub struct Armature {
    pub proc: Proc,
    pub target: Target,
    /// When the process was spawned.
    pub spawned: Instant,
}

/// Starts `armature run` and waits until it listens (it listens once every
/// resource is built).
pub fn start_armature(ctx: &Ctx, spec: ArmatureSpec) -> anyhow::Result<Armature> {
    start_armature_under(ctx, spec, &[])
}

/// The program and arguments a wrapped process runs under, e.g.
/// `valgrind --tool=callgrind`: the command becomes `WRAPPER... PROGRAM ARGS`.
fn command_under(wrapper: &[String], program: &Path) -> Command {
    match wrapper.split_first() {
        None => Command::new(program),
        Some((first, rest)) => {
            let mut cmd = Command::new(first);
            cmd.args(rest).arg(program);
            cmd
        }
    }
}

/// [`start_armature`] under `wrapper` (see [`command_under`]).
pub fn start_armature_under(ctx: &Ctx, mut spec: ArmatureSpec, wrapper: &[String]) -> anyhow::Result<Armature> {
    let dir = ctx.work.join(spec.label);
    std::fs::create_dir_all(&dir)?;
    if spec.config.get("modules_dir").is_none() {
        spec.config["modules_dir"] = Value::from(ctx.modules.display().to_string());
    }
    let config_path = dir.join("machine.json");
    std::fs::write(&config_path, serde_json::to_vec_pretty(&spec.config)?)?;
    let mut cmd = command_under(wrapper, &ctx.armature);
    cmd.args(["run", "--config"])
        .arg(&config_path)
        .args(["--listen", &spec.listen, "--state-dir"])
        .arg(dir.join("state"))
        .env("ARMATURE_LOG", "info");
    // Inline modules (scenario 13) are built by the host with the venv's componentize-py.
    let componentize_py = ctx.root.join("target/venv/bin/componentize-py");
    if componentize_py.exists() {
        cmd.env("ARMATURE_COMPONENTIZE_PY", componentize_py);
    }
    match &spec.cache_dir {
        Some(c) => cmd.arg("--cache-dir").arg(c),
        None => cmd.arg("--no-cache"),
    };
    if !spec.watch {
        cmd.arg("--no-watch");
    }
    cmd.args(&spec.extra_args);
    let spawned = Instant::now();
    let mut proc = Proc::spawn(
        &format!("armature ({})", spec.label),
        &mut cmd,
        &dir.join("armature.log"),
    )?;
    let line = proc.next_line(Duration::from_secs(120))?;
    let addr = line
        .strip_prefix("armature listening on ")
        .with_context(|| format!("unexpected first line from armature: {line:?}"))?;
    Ok(Armature {
        proc,
        target: addr.parse()?,
        spawned,
    })
}

pub struct Floor {
    pub proc: Proc,
    pub tcp: Target,
    pub unix: Target,
}

/// Starts the floor server on TCP and on a Unix socket.
pub fn start_floor(ctx: &Ctx) -> anyhow::Result<Floor> {
    start_floor_under(ctx, &[])
}

/// [`start_floor`] under `wrapper` (see [`command_under`]).
pub fn start_floor_under(ctx: &Ctx, wrapper: &[String]) -> anyhow::Result<Floor> {
    let sock = ctx.work.join("floor.sock");
    let mut cmd = command_under(wrapper, &ctx.floor);
    cmd.arg("127.0.0.1:0").arg(format!("unix:{}", sock.display()));
    let mut proc = Proc::spawn("bench-floor", &mut cmd, &ctx.work.join("floor.log"))?;
    let (mut tcp, mut unix) = (None, None);
    for _ in 0..2 {
        let line = proc.next_line(Duration::from_secs(30))?;
        let addr: Target = line
            .strip_prefix("floor listening on ")
            .with_context(|| format!("unexpected line from bench-floor: {line:?}"))?
            .parse()?;
        match addr {
            Target::Tcp(_) => tcp = Some(addr),
            Target::Unix(_) => unix = Some(addr),
        }
    }
    Ok(Floor {
        proc,
        tcp: tcp.context("the floor did not listen on TCP")?,
        unix: unix.context("the floor did not listen on its socket")?,
    })
}

/// `n` benchmark sensors named `{prefix}0`, `{prefix}1`, ...
pub fn sensors(prefix: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            serde_json::json!({"name": format!("{prefix}{i}"), "api": "rdk:component:sensor", "model": "armature:bench:sensor"})
        })
        .collect()
}
