//! `cargo xtask bench`: Armature against the floor (a bare tonic server)
//! and the process-per-module baseline (a Python Viam module), on this
//! machine, in one run. Prints one table and writes it as JSON to
//! `target/bench/results.json`.
//!
//! `armature-bench [--root DIR] [--quick] [--only 1,3,...] [--compare FILE]`
//! runs the scenarios (and compares them with an earlier run's JSON);
//! `armature-bench load ...` is the load generator it spawns.

mod compare;
mod load;
mod parent;
mod procs;
mod python;
mod report;
mod scenarios;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::json;

use report::Row;

/// Where everything is, and how long to measure.
pub struct Ctx {
    pub root: PathBuf,
    pub armature: PathBuf,
    pub floor: PathBuf,
    /// This binary, which is also the load generator.
    pub me: PathBuf,
    /// Holds only `bench-guest.wasm` (a host loads every module in its folder).
    pub modules: PathBuf,
    /// The Python guest (`bench/python-guest`), in a folder of its own.
    pub py_modules: PathBuf,
    /// Test fixtures: the versioned sensor for hot swaps.
    pub fixtures: PathBuf,
    pub python: PathBuf,
    pub python_module: PathBuf,
    /// Configs and logs of this run (`target/bench/run`).
    pub work: PathBuf,
    /// Unix sockets, in a short path (the limit is 107 bytes).
    pub sockets: tempfile::TempDir,
    /// A compile cache every "warm" start shares.
    pub warm_cache: PathBuf,
    /// Repetitions of each figure.
    pub runs: usize,
    /// Each load run: warm-up, then the timed window.
    pub warmup: Duration,
    pub window: Duration,
    pub quick: bool,
}

impl Ctx {
    fn new(root: PathBuf, quick: bool) -> anyhow::Result<Self> {
        let built = |p: &str| -> anyhow::Result<PathBuf> {
            let path = root.join(p);
            if !path.exists() {
                bail!(
                    "{} is missing: run `cargo xtask bench`, which builds it",
                    path.display()
                );
            }
            Ok(path)
        };
        let work = root.join("target/bench/run");
        if work.exists() {
            std::fs::remove_dir_all(&work).with_context(|| format!("clearing {}", work.display()))?;
        }
        std::fs::create_dir_all(&work)?;
        Ok(Self {
            armature: built("target/release/armature")?,
            floor: built("target/release/bench-floor")?,
            me: std::env::current_exe()?,
            modules: built("target/bench/modules")?,
            py_modules: built("target/bench/py-modules")?,
            fixtures: built("target/test-modules")?,
            python: built("target/bench/venv/bin/python")?,
            python_module: built("bench/python/sensor_module.py")?,
            warm_cache: work.join("cache-warm"),
            work,
            sockets: tempfile::Builder::new().prefix("armbench").tempdir()?,
            runs: if quick { 2 } else { 7 },
            warmup: Duration::from_millis(if quick { 100 } else { 200 }),
            window: Duration::from_millis(if quick { 300 } else { 1000 }),
            quick,
            root,
        })
    }

    pub fn socket(&self, name: &str) -> PathBuf {
        self.sockets.path().join(name)
    }
}

struct Options {
    root: PathBuf,
    quick: bool,
    only: Option<Vec<u32>>,
    compare: Option<PathBuf>,
}

fn parse(args: &[String]) -> anyhow::Result<Options> {
    let mut o = Options {
        root: std::env::current_dir()?,
        quick: false,
        only: None,
        compare: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--root" => o.root = PathBuf::from(it.next().context("--root needs a folder")?),
            "--quick" => o.quick = true,
            "--compare" => o.compare = Some(PathBuf::from(it.next().context("--compare needs a results.json")?)),
            "--only" => {
                let list = it.next().context("--only needs a list like 1,2")?;
                o.only = Some(list.split(',').map(str::parse).collect::<Result<_, _>>()?);
            }
            other => bail!(
                "unknown argument {other:?}; usage: armature-bench [--root DIR] [--quick] [--only 1,2,...] [--compare FILE]"
            ),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("load") {
        load::main(&args[1..])
    } else {
        parse(&args).and_then(orchestrate)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn orchestrate(o: Options) -> anyhow::Result<()> {
    // A bad --compare file is found before minutes of measuring, not after.
    if let Some(path) = &o.compare {
        compare::table(path, &[])?;
    }
    let ctx = Ctx::new(o.root.clone(), o.quick)?;
    let wanted = |n: u32| o.only.as_ref().is_none_or(|l| l.contains(&n));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let started = Instant::now();
    let machine = bench::procfs::machine_description();
    eprintln!("armature-bench on {machine}");
    let mut rows: Vec<Row> = Vec::new();
    let mut raw = serde_json::Map::new();
    runtime.block_on(async {
        // Start-up first: nothing else has warmed the page cache for the
        // cold-cache starts but the build.
        if wanted(5) {
            let (r, j) = scenarios::startup::run(&ctx).await.context("scenario 5 (start-up)")?;
            rows.extend(r);
            raw.insert("startup".into(), j);
        }
        if wanted(4) {
            let (r, j) = scenarios::memory::run(&ctx).await.context("scenario 4 (memory)")?;
            rows.extend(r);
            raw.insert("memory".into(), j);
        }
        if wanted(1) || wanted(2) || wanted(7) {
            let (r, j) = scenarios::calls::run(&ctx).await.context("scenarios 1, 2, 7 (calls)")?;
            rows.extend(r);
            raw.insert("calls".into(), j);
        }
        if wanted(8) {
            let (r, j) = scenarios::methods::run(&ctx)
                .await
                .context("scenario 8 (DoCommand and GetImages)")?;
            rows.extend(r);
            raw.insert("methods".into(), j);
        }
        if wanted(3) {
            let (r, j) = scenarios::deps::run(&ctx)
                .await
                .context("scenario 3 (dependency call)")?;
            rows.extend(r);
            raw.insert("dependency".into(), j);
        }
        if wanted(6) {
            let (r, j) = scenarios::swap::run(&ctx).await.context("scenario 6 (hot swap)")?;
            rows.extend(r);
            raw.insert("hot_swap".into(), j);
        }
        if wanted(10) {
            let (r, j) = scenarios::capture::run(&ctx)
                .await
                .context("scenario 10 (data capture)")?;
            rows.extend(r);
            raw.insert("capture".into(), j);
        }
        if wanted(11) {
            let (r, j) = scenarios::registry::run(&ctx)
                .await
                .context("scenario 11 (module registry)")?;
            rows.extend(r);
            raw.insert("registry".into(), j);
        }
        if wanted(12) {
            let (r, j) = scenarios::fleet::run(&ctx).await.context("scenario 12 (fleet)")?;
            rows.extend(r);
            raw.insert("fleet".into(), j);
        }
        if wanted(13) {
            let (r, j) = scenarios::inline::run(&ctx)
                .await
                .context("scenario 13 (inline modules)")?;
            rows.extend(r);
            raw.insert("inline".into(), j);
        }
        if wanted(14) {
            let (r, j) = scenarios::vision::run(&ctx).await.context("scenario 14 (vision)")?;
            rows.extend(r);
            raw.insert("vision".into(), j);
        }
        if wanted(15) {
            let (r, j) = scenarios::instructions::run(&ctx)
                .await
                .context("scenario 15 (instructions and wake-ups)")?;
            rows.extend(r);
            raw.insert("instructions".into(), j);
        }
        if wanted(9) {
            let (r, j) = scenarios::python_guests::run(&ctx)
                .await
                .context("scenario 9 (Python guests)")?;
            rows.extend(r);
            raw.insert("python_guests".into(), j);
        }
        anyhow::Ok(())
    })?;
    // Numbered scenarios in order, whatever order they ran in.
    rows.sort_by_key(|r| r.scenario.split_whitespace().next().and_then(|n| n.parse::<u32>().ok()));

    let table = report::table(&rows);
    let date = today();
    println!(
        "\n`cargo xtask bench{}` on {machine}, {date}, {:.0} s\n",
        if o.quick { " --quick" } else { "" },
        started.elapsed().as_secs_f64()
    );
    println!("{table}");
    let missed: Vec<&Row> = rows
        .iter()
        .filter(|r| r.goal.as_ref().is_some_and(|g| !g.met))
        .collect();
    println!(
        "{} goals met, {} missed. Each figure: median over the runs (min–max). Ratio: Armature / baseline.",
        rows.iter().filter(|r| r.goal.as_ref().is_some_and(|g| g.met)).count(),
        missed.len()
    );
    let out = ctx.root.join("target/bench/results.json");
    let json = json!({
        "command": format!("cargo xtask bench{}", if o.quick { " --quick" } else { "" }),
        "machine": machine,
        "date": date,
        "seconds": started.elapsed().as_secs_f64(),
        "settings": {"runs": ctx.runs, "warmup_ms": ctx.warmup.as_millis() as u64, "window_ms": ctx.window.as_millis() as u64},
        "rows": rows,
        "table_markdown": table,
        "raw": raw,
    });
    std::fs::write(&out, serde_json::to_vec_pretty(&json)?).with_context(|| format!("writing {}", out.display()))?;
    println!("JSON: {}", relative(&out, &ctx.root).display());
    if let Some(path) = &o.compare {
        println!("\n{}", compare::table(path, &rows)?);
    }
    Ok(())
}

fn relative<'a>(p: &'a Path, root: &Path) -> &'a Path {
    p.strip_prefix(root).unwrap_or(p)
}

/// Today's date (UTC), from the system clock.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
