//! The `armature` command line: parses the arguments, sets up logging and
//! the async runtime, and hands each subcommand to the part of the host it
//! belongs to (`run`, `registry::cli`, `fleet::cli`, `inline::cli`, ...).
//!
//! It lives in the library, not in `main.rs`, for build time: the bodies
//! of the library's async functions are compiled in the crate that drives
//! them, so a binary that awaited `run::run` compiled most of the host a
//! second time (a minute of every release build). Here the one `block_on`
//! is in the library and the binary only calls [`main`].

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::runtime::cache::CacheArgs;

#[derive(Parser)]
#[command(
    name = "armature",
    version,
    about = "Robot modules as WebAssembly components in one host process, served over Viam's API."
)]
struct Cli {
    /// Log filter, e.g. `info` or `armature=debug` (also ARMATURE_LOG).
    #[arg(long, global = true, env = "ARMATURE_LOG", default_value = "info,async_nats=warn")]
    log: String,
    /// Threads running gRPC and guest calls (also ARMATURE_WORKER_THREADS;
    /// default: half the cores, at least one; see `runtime/workers.rs`).
    #[arg(long, global = true, env = "ARMATURE_WORKER_THREADS")]
    worker_threads: Option<std::num::NonZeroUsize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a machine.
    Run(crate::run::RunArgs),
    /// Make the host running a config re-read it (sends it SIGHUP).
    Reload {
        #[arg(long)]
        config: std::path::PathBuf,
    },
    /// Check a config and its modules; list every problem and exit non-zero if there is one.
    Check {
        #[arg(long)]
        config: std::path::PathBuf,
        #[arg(long)]
        modules: Option<std::path::PathBuf>,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// List the module, API and model of every component in a folder.
    Models {
        dir: std::path::PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Build a Python module folder (its main.py, or the entry point its
    /// pyproject.toml names) into a component. Needs componentize-py.
    Build(crate::build::cli::BuildArgs),
    /// Modules on an OCI registry: `armature registry push | pull | list | search`.
    Registry {
        #[command(subcommand)]
        command: crate::registry::cli::RegistryCommand,
    },
    /// Many machines on NATS JetStream: `armature fleet put-config |
    /// put-fragment | status | rollout`.
    Fleet {
        #[command(subcommand)]
        command: crate::fleet::cli::FleetCommand,
    },
    /// Inline modules of a running host: `armature inline push | list | log | rollback`.
    Inline(crate::inline::cli::InlineArgs),
    /// Captured data: `armature data export`.
    Data {
        #[command(subcommand)]
        command: crate::capture::export::cli::DataCommand,
    },
    /// Serve as a Viam module under viam-server, which starts it as
    /// `armature SOCKET [--log-level=LEVEL] [--tcp-mode]` (`module` is implied).
    Module(crate::module_protocol::cli::ModuleArgs),
}

/// viam-server runs a module as `EXE SOCKET [--log-level=L] [--tcp-mode]`: a
/// first argument that is neither an option nor a subcommand means `module`.
fn viam_server_form(mut args: Vec<OsString>) -> Vec<OsString> {
    let first = args.get(1).and_then(|a| a.to_str()).unwrap_or("-");
    let subcommand = first == "help" || Cli::command().get_subcommands().any(|c| c.get_name() == first);
    if !first.starts_with('-') && !subcommand {
        args.insert(1, "module".into());
    }
    args
}

/// The `armature` binary's `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse_from(viam_server_form(std::env::args_os().collect()));
    // In module mode log lines go to viam-server once it is connected.
    let module_logs = match &cli.command {
        Command::Module(args) => Some(crate::module_protocol::logs::init(
            crate::module_protocol::logs::filter(args.log_level.as_deref()),
            std::env::var("VIAM_MODULE_NAME").unwrap_or_else(|_| "armature".into()),
        )),
        _ => {
            use tracing_subscriber::layer::SubscriberExt;
            use tracing_subscriber::util::SubscriberInitExt;
            let filter = tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "info".into());
            // No colours: every line is escaped (observability/escape.rs),
            // so that text from the network or a guest cannot forge a line
            // or send the terminal escape sequences.
            let stderr = tracing_subscriber::fmt::layer()
                .with_writer(crate::observability::escape::EscapedStderr)
                .with_ansi(false);
            tracing_subscriber::registry()
                .with(filter)
                .with(stderr)
                // The panel's log view.
                .with(crate::observability::log_buffer::BufferLayer)
                .init();
            None
        }
    };
    let workers = cli
        .worker_threads
        .unwrap_or_else(crate::runtime::workers::for_this_machine);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.get())
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::debug!(workers = workers.get(), "async runtime started");
    let result = runtime.block_on(dispatch(cli.command, module_logs));
    // Do not wait on background work at exit (viam-server allows a module a second).
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `command`; Ok(false) when it ran but found problems (exit 1).
async fn dispatch(
    command: Command,
    module_logs: Option<std::sync::Arc<crate::module_protocol::logs::Forwarder>>,
) -> anyhow::Result<bool> {
    match command {
        Command::Run(args) => crate::run::run(args).await.map(|()| true),
        Command::Reload { config } => {
            let pid = crate::resources::reload::signal_running(&config)?;
            println!("asked armature (pid {pid}) to reload {}", config.display());
            Ok(true)
        }
        Command::Check { config, modules, cache } => crate::run::inspect::check(&config, modules, cache.dir()).await,
        Command::Models { dir, json, cache } => crate::run::inspect::models(&dir, json, cache.dir()).await,
        Command::Build(args) => crate::build::cli::run(args).map(|()| true),
        Command::Registry { command } => crate::registry::cli::run(command).await.map(|()| true),
        Command::Fleet { command } => crate::fleet::cli::run(command).await,
        Command::Inline(args) => crate::inline::cli::run(args).await,
        Command::Data { command } => crate::capture::export::cli::run(command).await.map(|()| true),
        Command::Module(args) => {
            let logs = module_logs.ok_or_else(|| anyhow::anyhow!("module mode without its log setup"))?;
            crate::module_protocol::cli::run(args, logs).await.map(|()| true)
        }
    }
}
