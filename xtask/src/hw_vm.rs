//! `cargo xtask hw-vm-test`: the Linux hardware backends against real kernel
//! drivers. Boots Debian's stock kernel under QEMU (TCG: software
//! emulation, so it runs on any CI machine) with gpio-sim behind
//! `/dev/gpiochipN` and vivid behind `/dev/video0`, runs the `armature`
//! binary and the tests that drive it inside, and turns the VM's verdict
//! into the exit status.
//!
//! Everything downloaded or built lives under `target/hw-vm/`. Packages are
//! installed through a private apt sources list, so the machine's own lists
//! stay as they were, and with `--no-remove`, so apt can never trade a
//! package the machine has (its newer qemu-utils) for one we want.
//! `tests/hw-vm/init` is the VM's PID 1; `tests/e2e/hw_vm.rs` and the
//! `kernel_*` tests in `host/src/hardware` are what it runs.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, describe, run};

/// How long the VM may take, boot to poweroff, before it counts as hung.
const DEFAULT_VM_TIMEOUT_S: u64 = 300;
/// The VM needs room for wasmtime and the binaries unpacked in RAM.
const VM_MEMORY_MB: &str = "1024";
/// What QEMU and the initramfs need; qemu-system-x86 comes from backports
/// (see `install_packages`).
const QEMU_PACKAGE: &str = "qemu-system-x86";
const BUSYBOX_PACKAGE: &str = "busybox-static";
/// The package whose version must not move when QEMU is installed.
const GUARDED_PACKAGE: &str = "qemu-utils";

pub struct Options {
    /// Adds `hwvm.inject_failure=1` to the kernel command line: a test in
    /// the VM then fails, and so must this step.
    pub inject_failure: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut o = Options { inject_failure: false };
        for a in args {
            match a.as_str() {
                "--inject-failure" => o.inject_failure = true,
                other => bail!("hw-vm-test: unknown argument {other:?} (known: --inject-failure)"),
            }
        }
        Ok(o)
    }
}

/// Why this machine cannot run the VM step at all, if it cannot.
pub fn cannot_run() -> Option<String> {
    if let Ok(v) = std::env::var("ARMATURE_HW_VM")
        && v == "0"
    {
        return Some("ARMATURE_HW_VM=0 is set".into());
    }
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return Some("it needs an x86_64 Linux machine (Debian's amd64 kernel under qemu-system-x86_64)".into());
    }
    if have(QEMU_PACKAGE) && have(BUSYBOX_PACKAGE) {
        return None;
    }
    if !Path::new("/usr/bin/apt-get").exists() {
        return Some(format!(
            "{QEMU_PACKAGE} and {BUSYBOX_PACKAGE} are not installed, and there is no apt-get to install them"
        ));
    }
    if !is_root() {
        return Some(format!(
            "{QEMU_PACKAGE} and {BUSYBOX_PACKAGE} are not installed, and installing them needs root"
        ));
    }
    None
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The installed version of a Debian package, if it is installed.
fn installed_version(package: &str) -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}\t${Version}", package])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, version) = text.split_once('\t')?;
    status.ends_with(" installed").then(|| version.to_string())
}

fn have(package: &str) -> bool {
    installed_version(package).is_some()
}

/// Where everything lives, under `target/hw-vm/`.
struct Dirs {
    work: PathBuf,
}

impl Dirs {
    fn apt(&self) -> PathBuf {
        self.work.join("apt")
    }
    fn debs(&self) -> PathBuf {
        self.work.join("debs")
    }
    fn kernel(&self, abi: &str) -> PathBuf {
        self.work.join(format!("kernel-{abi}"))
    }
    fn rootfs(&self) -> PathBuf {
        self.work.join("rootfs")
    }
}

pub fn hw_vm_test(root: &Path, options: &Options) -> Result<()> {
    let started = Instant::now();
    let dirs = Dirs {
        work: root.join("target/hw-vm"),
    };
    std::fs::create_dir_all(&dirs.work)?;
    let mut times = Vec::new();
    let mut lap = |what: &str, t: &mut Instant| {
        times.push(format!("{what} {:.1}s", t.elapsed().as_secs_f64()));
        *t = Instant::now();
    };
    let mut t = Instant::now();

    let apt = Apt::new(&dirs)?;
    ensure_packages(&apt)?;
    lap("packages", &mut t);

    let kernel = fetch_kernel(&apt, &dirs)?;
    lap("kernel", &mut t);
    let gpio_sim = build_gpio_sim(&kernel)?;
    lap("gpio-sim", &mut t);

    crate::build(root)?;
    let tests = test_binaries(root)?;
    lap("binaries", &mut t);

    let initramfs = pack_initramfs(root, &dirs, &kernel, &gpio_sim, &tests)?;
    lap("initramfs", &mut t);

    let verdict = boot(&kernel, &initramfs, options);
    lap("vm", &mut t);
    eprintln!(
        "hw-vm-test: kernel {} ({}), {:.0} s in all ({})",
        kernel.abi,
        kernel.version,
        started.elapsed().as_secs_f64(),
        times.join(", ")
    );
    verdict
}

/// apt with a private sources list: the machine's lists plus its release's
/// backports, read only by these commands.
struct Apt {
    options: Vec<String>,
    codename: String,
}

impl Apt {
    fn new(dirs: &Dirs) -> Result<Self> {
        std::fs::create_dir_all(&dirs.work)?;
        let os = std::fs::read_to_string("/etc/os-release").context("reading /etc/os-release")?;
        let codename = os
            .lines()
            .find_map(|l| l.strip_prefix("VERSION_CODENAME="))
            .map(|c| c.trim_matches('"').to_string())
            .context("/etc/os-release names no VERSION_CODENAME (not Debian?)")?;
        std::fs::create_dir_all(dirs.apt())?;
        // The machine's one-line list (if any), then backports; the
        // machine's sources.list.d is still read as usual.
        let mut list = std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
        list.push_str(&format!(
            "\n# cargo xtask hw-vm-test: QEMU from backports\ndeb http://deb.debian.org/debian {codename}-backports main\n"
        ));
        let path = dirs.apt().join("sources.list");
        std::fs::write(&path, list)?;
        Ok(Apt {
            options: vec![format!("-oDir::Etc::SourceList={}", path.display())],
            codename,
        })
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.args(&self.options).env("DEBIAN_FRONTEND", "noninteractive");
        c
    }

    fn update(&self) -> Result<()> {
        run(self.command("apt-get").args(["-q", "update"]))
    }

    fn output(&self, program: &str, args: &[&str]) -> Result<String> {
        let mut c = self.command(program);
        c.args(args);
        let out = c.output().with_context(|| format!("running {}", describe(&c)))?;
        if !out.status.success() {
            bail!(
                "{} failed: {}",
                describe(&c),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Installs QEMU and BusyBox when missing. `cargo xtask test` calls this
/// first: a machine that cannot install them skips the step, loudly.
pub fn ensure_packages_in(root: &Path) -> Result<()> {
    let dirs = Dirs {
        work: root.join("target/hw-vm"),
    };
    ensure_packages(&Apt::new(&dirs)?)
}

fn ensure_packages(apt: &Apt) -> Result<()> {
    if have(QEMU_PACKAGE) && have(BUSYBOX_PACKAGE) {
        return Ok(());
    }
    install_packages(apt)
}

/// QEMU from backports (Debian's own bookworm QEMU would replace the
/// machine's newer qemu-utils; the backports one matches it), and BusyBox.
fn install_packages(apt: &Apt) -> Result<()> {
    let guarded = installed_version(GUARDED_PACKAGE);
    apt.update()?;
    let install = |extra: &[&str], packages: &[&str]| {
        run(apt
            .command("apt-get")
            .args(["-q", "-y", "install", "--no-install-recommends", "--no-remove"])
            .args(extra)
            .args(packages))
    };
    install(&[], &[BUSYBOX_PACKAGE])?;
    let backports = format!("{}-backports", apt.codename);
    install(&["-t", &backports], &[QEMU_PACKAGE])
        .with_context(|| format!("installing {QEMU_PACKAGE} from {backports}"))?;
    let now = installed_version(GUARDED_PACKAGE);
    if now != guarded {
        bail!(
            "installing QEMU changed {GUARDED_PACKAGE} from {guarded:?} to {now:?}: the machine's packages must stay as they were; restore it"
        );
    }
    Ok(())
}

/// Debian's kernel, unpacked: the image, its modules, the headers and the
/// three source files gpio-sim needs.
struct Kernel {
    abi: String,
    version: String,
    root: PathBuf,
}

impl Kernel {
    fn vmlinuz(&self) -> PathBuf {
        self.root.join(format!("boot/vmlinuz-{}", self.abi))
    }
    fn modules(&self) -> PathBuf {
        self.root.join(format!("lib/modules/{}", self.abi))
    }
    fn headers(&self) -> PathBuf {
        self.root.join(format!("usr/src/linux-headers-{}", self.abi))
    }
    fn source(&self) -> PathBuf {
        self.root.join("source")
    }
}

/// The kernel `linux-image-amd64` points at now, e.g. ("6.1.0-56-amd64",
/// "6.1.192-2"). Read from apt's lists each run: the ABI moves with each
/// security update and old ones leave the archive.
fn resolve_kernel(apt: &Apt) -> Result<(String, String)> {
    let depends = apt.output("apt-cache", &["depends", "linux-image-amd64"])?;
    let package = depends
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .find(|p| p.starts_with("linux-image-") && p.ends_with("-amd64"))
        .context("linux-image-amd64 depends on no linux-image-*-amd64")?
        .to_string();
    let show = apt.output("apt-cache", &["show", "--no-all-versions", &package])?;
    let version = show
        .lines()
        .find_map(|l| l.strip_prefix("Version: "))
        .with_context(|| format!("apt-cache show {package} gives no version"))?
        .to_string();
    Ok((package.trim_start_matches("linux-image-").to_string(), version))
}

fn fetch_kernel(apt: &Apt, dirs: &Dirs) -> Result<Kernel> {
    let (abi, version) = match resolve_kernel(apt) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("hw-vm-test: {e:#}; updating apt's lists and trying again");
            apt.update()?;
            resolve_kernel(apt).context("finding Debian's current kernel (linux-image-amd64)")?
        }
    };
    let kernel = Kernel {
        root: dirs.kernel(&abi),
        abi,
        version,
    };
    let done = kernel.root.join(".unpacked");
    if done.exists() {
        eprintln!(
            "hw-vm-test: kernel {} ({}) already unpacked",
            kernel.abi, kernel.version
        );
        return Ok(kernel);
    }
    // e.g. 6.1: linux-kbuild-6.1 and linux-source-6.1.
    let series = kernel.abi.split('.').take(2).collect::<Vec<_>>().join(".");
    let series = series.split('-').next().unwrap_or(&series).to_string();
    let flavour_less = kernel.abi.trim_end_matches("-amd64");
    let packages = [
        format!("linux-image-{}", kernel.abi),
        format!("linux-headers-{}", kernel.abi),
        format!("linux-headers-{flavour_less}-common"),
        format!("linux-kbuild-{series}"),
        format!("linux-source-{series}"),
    ];
    let debs = dirs.debs();
    std::fs::create_dir_all(&debs)?;
    let pinned: Vec<String> = packages.iter().map(|p| format!("{p}={}", kernel.version)).collect();
    let download = || {
        run(apt
            .command("apt-get")
            .current_dir(&debs)
            // apt cannot drop to its _apt user for a folder that user cannot write; it says so.
            .args(["-q", "-oAPT::Sandbox::User=root", "download"])
            .args(&pinned))
    };
    let have_all = packages.iter().all(|p| find_deb(&debs, p, &kernel.version).is_ok());
    if !have_all && download().is_err() {
        eprintln!("hw-vm-test: download failed; updating apt's lists and trying once more");
        apt.update()?;
        let (now_abi, now_version) = resolve_kernel(apt)?;
        if (now_abi.as_str(), now_version.as_str()) != (kernel.abi.as_str(), kernel.version.as_str()) {
            bail!(
                "kernel {} ({}) has left the package archive (linux-image-amd64 now points at {now_abi}, {now_version}); run the step again",
                kernel.abi,
                kernel.version
            );
        }
        download().with_context(|| {
            format!(
                "kernel {} ({}): {} cannot be downloaded from the package archive",
                kernel.abi,
                kernel.version,
                pinned.join(" ")
            )
        })?;
    }
    let _ = std::fs::remove_dir_all(&kernel.root);
    std::fs::create_dir_all(kernel.source())?;
    for package in &packages {
        let deb = find_deb(&debs, package, &kernel.version)?;
        if package.starts_with("linux-source-") {
            // Three files out of the 140 MB source tarball.
            let tarball = format!("./usr/src/linux-source-{series}.tar.xz");
            let inner = [
                "drivers/gpio/gpio-sim.c",
                "drivers/gpio/gpiolib.h",
                "kernel/irq/irq_sim.c",
            ]
            .map(|f| format!("linux-source-{series}/{f}"))
            .join(" ");
            let script = format!(
                "set -euo pipefail; dpkg --fsys-tarfile '{}' | tar -xO '{tarball}' | tar -xJ -C '{}' --strip-components=1 {inner}",
                deb.display(),
                kernel.source().display()
            );
            run(Command::new("bash").args(["-c", &script]))
                .with_context(|| format!("unpacking gpio-sim's sources from {}", deb.display()))?;
        } else {
            run(Command::new("dpkg").arg("-x").arg(&deb).arg(&kernel.root))?;
        }
    }
    if !kernel.vmlinuz().exists() {
        bail!("{} has no {}", packages[0], kernel.vmlinuz().display());
    }
    std::fs::write(&done, "")?;
    Ok(kernel)
}

/// The .deb apt-get download wrote for `package` at `version` (it escapes
/// the version's colons, so match the name and the start).
fn find_deb(dir: &Path, package: &str, version: &str) -> Result<PathBuf> {
    let prefix = format!("{package}_{}_", version.replace(':', "%3a"));
    std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&prefix)))
        .with_context(|| format!("no {prefix}*.deb in {}", dir.display()))
}

/// gpio-sim, which Debian does not build, as an out-of-tree module from
/// Debian's own source of the same kernel, against its headers.
fn build_gpio_sim(kernel: &Kernel) -> Result<PathBuf> {
    let dir = kernel.root.join("gpio-sim");
    let ko = dir.join("gpio-sim.ko");
    if ko.exists() {
        return Ok(ko);
    }
    std::fs::create_dir_all(&dir)?;
    let src = kernel.source();
    // gpio-sim.c becomes gpio-sim-main.c: the module (gpio-sim.ko) is made
    // of it and the IRQ simulator, which Debian does not build either.
    std::fs::copy(src.join("drivers/gpio/gpio-sim.c"), dir.join("gpio-sim-main.c"))?;
    std::fs::copy(src.join("drivers/gpio/gpiolib.h"), dir.join("gpiolib.h"))?;
    let irq_sim = std::fs::read_to_string(src.join("kernel/irq/irq_sim.c"))?;
    std::fs::write(dir.join("irq_sim.c"), patch_irq_sim(&irq_sim)?)?;
    std::fs::write(
        dir.join("Kbuild"),
        "obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n",
    )?;
    // The headers' Makefile includes the -common one by its absolute
    // /usr/src path; point it at ours.
    let makefile = kernel.headers().join("Makefile");
    let text = std::fs::read_to_string(&makefile).with_context(|| format!("reading {}", makefile.display()))?;
    let usr_src = kernel.root.join("usr/src");
    if !text.contains(&usr_src.display().to_string()) {
        let fixed = text.replace("/usr/src/", &format!("{}/", usr_src.display()));
        if fixed == text {
            bail!(
                "{} has no absolute /usr/src include to repoint; the headers package changed its layout",
                makefile.display()
            );
        }
        std::fs::write(&makefile, fixed)?;
    }
    run(Command::new("make")
        .arg("-C")
        .arg(kernel.headers())
        .arg(format!("M={}", dir.display()))
        .args(["-j2", "modules"]))
    .context("building gpio-sim out of tree")?;
    if !ko.exists() {
        bail!("make succeeded but {} is missing", ko.display());
    }
    Ok(ko)
}

/// irq_sim.c calls `irq_to_desc()`, which the kernel does not export to
/// modules. `generic_handle_irq()` is exported and does the same here (the
/// simulated IRQs use handle_simple_irq). Fails if the line moved, rather
/// than building something else.
fn patch_irq_sim(text: &str) -> Result<String> {
    const FROM: &str = "handle_simple_irq(irq_to_desc(irqnum));";
    const TO: &str = "generic_handle_irq(irqnum);";
    match text.matches(FROM).count() {
        1 => Ok(text.replace(FROM, TO)),
        n => bail!(
            "irq_sim.c: the patch no longer applies: `{FROM}` occurs {n} times (expected once); look at kernel/irq/irq_sim.c of this kernel"
        ),
    }
}

/// The test binaries the VM runs, with their arguments: the host's
/// `kernel_*` unit tests and tests/e2e/hw_vm.rs. Built with the same
/// packages as `cargo xtask test`, so nothing is built twice.
fn test_binaries(root: &Path) -> Result<Vec<(PathBuf, &'static str)>> {
    let out = cargo()
        .current_dir(root)
        .args(["test", "--release"])
        .args(super::test_package_args())
        .args(["--no-run", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .context("cargo test --no-run")?;
    if !out.status.success() {
        bail!("cargo test --release --no-run failed");
    }
    let mut host_lib = None;
    let mut hw_vm = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(exe) = msg["executable"].as_str() else {
            continue;
        };
        let target = &msg["target"];
        let kinds: Vec<&str> = target["kind"]
            .as_array()
            .map(|k| k.iter().filter_map(|k| k.as_str()).collect())
            .unwrap_or_default();
        match (target["name"].as_str(), kinds.as_slice()) {
            (Some("armature"), ["lib"]) => host_lib = Some(PathBuf::from(exe)),
            (Some("e2e"), ["test"]) => hw_vm = Some(PathBuf::from(exe)),
            _ => {}
        }
    }
    Ok(vec![
        (
            host_lib.context("cargo built no test binary for the host library")?,
            // The kernel tests are ignored outside the VM; here they run.
            "kernel_ --include-ignored",
        ),
        // The end-to-end binary's hw_vm module only.
        (
            hw_vm.context("cargo built no e2e test binary")?,
            "hw_vm:: --include-ignored",
        ),
    ])
}

/// Modules to load, dependencies first, from each module's `.modinfo`
/// (the .deb ships no modules.dep and the machine may have no modinfo).
fn module_order(kernel: &Kernel, extra: &Path, wanted: &[&str]) -> Result<Vec<PathBuf>> {
    let mut index = BTreeMap::new();
    let mut stack = vec![kernel.modules().join("kernel")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".ko"))
            {
                index.insert(name.replace('-', "_"), path);
            }
        }
    }
    index.insert("gpio_sim".into(), extra.to_path_buf());
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    fn visit(
        name: &str,
        index: &BTreeMap<String, PathBuf>,
        seen: &mut BTreeSet<String>,
        order: &mut Vec<PathBuf>,
    ) -> Result<()> {
        let key = name.replace('-', "_");
        if !seen.insert(key.clone()) {
            return Ok(());
        }
        let path = index
            .get(&key)
            .with_context(|| format!("module {name} is not in the kernel package"))?;
        let bytes = std::fs::read(path)?;
        for dep in modinfo(&bytes, "depends") {
            for d in dep.split(',').filter(|d| !d.is_empty()) {
                visit(d, index, seen, order)?;
            }
        }
        order.push(path.clone());
        Ok(())
    }
    for w in wanted {
        visit(w, &index, &mut seen, &mut order)?;
    }
    Ok(order)
}

/// Values of `key=` in a module's `.modinfo` (NUL-separated strings).
fn modinfo(bytes: &[u8], key: &str) -> Vec<String> {
    let needle = format!("{key}=");
    bytes
        .split(|b| *b == 0)
        .filter_map(|s| s.strip_prefix(needle.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// The initramfs: BusyBox, the init, the modules, and the binaries with
/// their shared libraries at the same absolute paths as here, so that the
/// tests find the workspace (CARGO_MANIFEST_DIR) as they do outside.
fn pack_initramfs(
    root: &Path,
    dirs: &Dirs,
    kernel: &Kernel,
    gpio_sim: &Path,
    tests: &[(PathBuf, &str)],
) -> Result<PathBuf> {
    let rootfs = dirs.rootfs();
    let _ = std::fs::remove_dir_all(&rootfs);
    for d in ["bin", "dev", "proc", "sys", "tmp", "hwvm/modules"] {
        std::fs::create_dir_all(rootfs.join(d))?;
    }
    let busybox = Path::new("/bin/busybox");
    std::fs::copy(busybox, rootfs.join("bin/busybox")).context("copying /bin/busybox (busybox-static)")?;
    let init = root.join("tests/hw-vm/init");
    std::fs::copy(&init, rootfs.join("init")).with_context(|| format!("copying {}", init.display()))?;

    // configfs carries gpio-sim's chips; vivid is the camera.
    let modules = module_order(kernel, gpio_sim, &["configfs", "gpio-sim", "vivid"])?;
    let mut order = String::new();
    for m in &modules {
        let name = m.file_name().context("module path")?.to_string_lossy().into_owned();
        std::fs::copy(m, rootfs.join("hwvm/modules").join(&name))?;
        // One vivid instance: /dev/video0 is its capture node.
        let args = if name == "vivid.ko" { " n_devs=1" } else { "" };
        order.push_str(&format!("{name}{args}\n"));
    }
    std::fs::write(rootfs.join("hwvm/modules.order"), &order)?;
    eprintln!("hw-vm-test: modules, in order: {}", order.replace('\n', " "));

    let mut binaries = vec![root.join("target/release/armature")];
    binaries.extend(tests.iter().map(|(b, _)| b.clone()));
    let mut libraries = BTreeSet::new();
    for b in &binaries {
        copy_stripped(b, &rootfs)?;
        libraries.extend(shared_libraries(b)?);
    }
    for lib in &libraries {
        copy_into(lib, &rootfs)?;
    }
    // The guest driver and an empty modules folder that the test support expects.
    copy_into(&root.join("target/test-modules/hostile.wasm"), &rootfs)?;
    std::fs::create_dir_all(inside(&rootfs, &root.join("target/modules")))?;
    let list: String = tests
        .iter()
        .map(|(b, args)| format!("{} {args}\n", b.display()))
        .collect();
    std::fs::write(rootfs.join("hwvm/tests"), list)?;

    let cpio = dirs.work.join("initramfs.cpio");
    // Uncompressed: unpacking is a copy, where gunzip under TCG costs seconds.
    let script = format!(
        "set -euo pipefail; cd '{}' && find . | /bin/busybox cpio -o -H newc >'{}'",
        rootfs.display(),
        cpio.display()
    );
    run(Command::new("bash").args(["-c", &script])).context("packing the initramfs")?;
    let size = std::fs::metadata(&cpio)?.len();
    eprintln!("hw-vm-test: initramfs {} MB", size / 1_000_000);
    Ok(cpio)
}

fn inside(rootfs: &Path, path: &Path) -> PathBuf {
    rootfs.join(path.strip_prefix("/").unwrap_or(path))
}

fn copy_into(path: &Path, rootfs: &Path) -> Result<()> {
    let dest = inside(rootfs, path);
    std::fs::create_dir_all(dest.parent().context("a file has a parent")?)?;
    std::fs::copy(path, &dest).with_context(|| format!("copying {} into the initramfs", path.display()))?;
    Ok(())
}

/// A binary without its debug info: a fifth of the size, in the VM's RAM.
fn copy_stripped(path: &Path, rootfs: &Path) -> Result<()> {
    let dest = inside(rootfs, path);
    std::fs::create_dir_all(dest.parent().context("a file has a parent")?)?;
    run(Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&dest)
        .arg(path))
}

/// The shared libraries `ldd` says a binary loads, the loader included.
fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>> {
    let out = Command::new("ldd").arg(binary).output().context("running ldd")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let libs = text
        .lines()
        .filter_map(|l| {
            // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
            // "/lib64/ld-linux-x86-64.so.2 (0x...)"; not linux-vdso.
            let path = l.split("=>").last()?.trim().split(' ').next()?;
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect::<Vec<_>>();
    if libs.is_empty() {
        bail!("ldd found no libraries for {}: {text}", binary.display());
    }
    Ok(libs)
}

/// Boots the VM and reads its verdict off the serial console.
fn boot(kernel: &Kernel, initramfs: &Path, options: &Options) -> Result<()> {
    let timeout = std::env::var("ARMATURE_HW_VM_TIMEOUT")
        .ok()
        .and_then(|t| t.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(DEFAULT_VM_TIMEOUT_S));
    let mut append = String::from("console=ttyS0 panic=-1 quiet");
    if options.inject_failure {
        append.push_str(" hwvm.inject_failure=1");
    }
    let mut qemu = Command::new("qemu-system-x86_64");
    qemu.args(["-accel", "tcg", "-smp", "2", "-m", VM_MEMORY_MB])
        .args(["-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio"])
        // A kernel panic ends QEMU rather than rebooting into the same panic.
        .arg("-no-reboot")
        .arg("-kernel")
        .arg(kernel.vmlinuz())
        .arg("-initrd")
        .arg(initramfs)
        .args(["-append", &append])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    eprintln!("$ {}", describe(&qemu));
    let mut child = qemu.spawn().context("starting qemu-system-x86_64")?;
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().context("qemu stdout")?;
    let stderr = child.stderr.take().context("qemu stderr")?;
    let tx_err = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx_err.send(format!("qemu: {line}"));
        }
    });
    let deadline = Instant::now() + timeout;
    let mut summary = None;
    let mut result = None;
    let mut last = std::collections::VecDeque::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                // The console ends lines with CR LF.
                let line = line.trim_end_matches('\r').to_string();
                eprintln!("vm| {line}");
                if let Some(s) = line.strip_prefix("HWVM-SUMMARY: ") {
                    summary = Some(s.to_string());
                }
                if let Some(r) = line.strip_prefix("HWVM-RESULT: ") {
                    result = Some(r.to_string());
                }
                if last.len() == 20 {
                    last.pop_front();
                }
                last.push_back(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "the VM hung: no verdict within {} s (ARMATURE_HW_VM_TIMEOUT); its last lines:\n{}",
                    timeout.as_secs(),
                    Vec::from(last).join("\n")
                );
            }
        }
    }
    let status = child.wait().context("waiting for qemu")?;
    let summary = summary.unwrap_or_else(|| "none".into());
    eprintln!(
        "\nhw-vm-test: VM test summary: {summary}; result: {}",
        result.as_deref().unwrap_or("none")
    );
    match result.as_deref() {
        Some("PASS") if status.success() => Ok(()),
        Some("PASS") => bail!("the VM passed, but QEMU exited with {status}"),
        Some(fail) => bail!("the hardware VM failed: {fail} (summary: {summary})"),
        None => bail!(
            "the VM stopped without a verdict (QEMU: {status}; a kernel panic or a crashed init); its last lines:\n{}",
            Vec::from(last).join("\n")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_irq_sim_patch_applies_once_or_fails() {
        let src = "x;\n\t\thandle_simple_irq(irq_to_desc(irqnum));\n";
        assert_eq!(patch_irq_sim(src).unwrap(), "x;\n\t\tgeneric_handle_irq(irqnum);\n");
        let e = patch_irq_sim("generic_handle_irq(irqnum);").unwrap_err().to_string();
        assert!(e.contains("no longer applies"), "{e}");
    }

    #[test]
    fn modinfo_reads_depends() {
        let bytes = b"\x7fELF junk\0license=GPL\0depends=mc,videodev\0name=vivid\0";
        assert_eq!(modinfo(bytes, "depends"), ["mc,videodev"]);
        assert!(modinfo(b"\0name=x\0", "depends").is_empty());
    }

    #[test]
    fn options_know_only_inject_failure() {
        assert!(Options::parse(&["--inject-failure".into()]).unwrap().inject_failure);
        assert!(Options::parse(&["--bogus".into()]).is_err());
    }
}
