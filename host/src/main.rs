//! The `armature` command line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};

use armature::capture::export::Format as ExportFormat;
use armature::config::MachineConfig;
use armature::grpc::settings::{Listening, ServerSettings};
use armature::grpc::{self, Host};
use armature::resources::machine::HostSettings;
use armature::resources::machine::Machine;
use armature::resources::modules::wasm_files;
use armature::resources::reload;
use armature::resources::sessions::Sessions;
use armature::runtime::cache::ComponentCache;
use armature::runtime::component::Runtime;
use armature::runtime::engine::Deadlines;
use armature::web::names::AllowedNames;

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

#[derive(clap::Args)]
struct CacheArgs {
    /// Where compiled components are cached (default: ~/.cache/armature).
    #[arg(long, env = "ARMATURE_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile every module afresh and cache nothing.
    #[arg(long)]
    no_cache: bool,
}

impl CacheArgs {
    fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache_dir.clone().or_else(ComponentCache::default_dir)
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run a machine.
    Run {
        /// The machine config (viam-server's JSON format).
        #[arg(long, required_unless_present = "fleet", conflicts_with = "fleet")]
        config: Option<PathBuf>,
        /// Take the config from a fleet: the NATS JetStream KV key
        /// `machine.NAME` of bucket `armature-config` (e.g. nats://127.0.0.1:4222).
        #[arg(long, requires = "machine")]
        fleet: Option<String>,
        /// This machine's name in the fleet.
        #[arg(long, requires = "fleet")]
        machine: Option<String>,
        /// The fleet's credentials: a NATS .creds file, or JSON
        /// {"user", "password"} or {"token"}.
        #[arg(long, requires = "fleet")]
        fleet_creds: Option<PathBuf>,
        /// Address to serve gRPC on: `host:port` or `unix:PATH` (default: the
        /// config's network.bind_address, else 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// The modules folder (default: the config's modules_dir, else `modules` beside the config).
        #[arg(long)]
        modules: Option<PathBuf>,
        #[command(flatten)]
        cache: CacheArgs,
        /// The machine's state folder (default: $XDG_STATE_HOME/armature, else
        /// ~/.local/state/armature). It holds resources' granted data folders
        /// (data/API/NAME), captured data unless the data manager sets
        /// capture_dir (capture/), inline module versions (inline/NAME/0.0.N),
        /// the registry cache (registry/) and, with --fleet, the config last
        /// applied (fleet/MACHINE/config.json). Printed at start.
        #[arg(long, env = "ARMATURE_STATE_DIR")]
        state_dir: Option<PathBuf>,
        /// Do not watch the config file and the modules folder for changes
        /// (SIGHUP and `armature reload` still apply them).
        #[arg(long)]
        no_watch: bool,
        /// For measuring what isolation costs (`cargo xtask bench`) only:
        /// compile guests without epoch interruption, so no call has a
        /// deadline and a looping guest keeps its thread for good.
        #[arg(long, hide = true)]
        no_call_deadlines: bool,
    },
    /// Make the host running a config re-read it (sends it SIGHUP).
    Reload {
        #[arg(long)]
        config: PathBuf,
    },
    /// Check a config and its modules; list every problem and exit non-zero if there is one.
    Check {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        modules: Option<PathBuf>,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// List the module, API and model of every component in a folder.
    Models {
        dir: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Build a Python module folder (its main.py, or the entry point its
    /// pyproject.toml names) into a component. Needs componentize-py.
    Build {
        /// The module folder, or its entry .py file.
        path: PathBuf,
        /// Where the component goes (default: NAME.wasm here).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// The module's version (default: pyproject.toml's [project] version).
        #[arg(long)]
        version: Option<semver::Version>,
    },
    /// Modules on an OCI registry: `armature registry push | pull | list | search`.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Many machines on NATS JetStream: `armature fleet put-config |
    /// put-fragment | status | rollout`.
    Fleet {
        #[command(subcommand)]
        command: armature::fleet::cli::FleetCommand,
    },
    /// Inline modules of a running host: `armature inline push | list | log | rollback`.
    Inline(armature::inline::cli::InlineArgs),
    /// Captured data: `armature data export`.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Serve as a Viam module under viam-server, which starts it as
    /// `armature SOCKET [--log-level=LEVEL] [--tcp-mode]` (`module` is implied).
    Module {
        /// The socket to serve on; in TCP mode, host:port. VIAM_MODULE_ADDRESS wins.
        socket: Option<String>,
        /// The level of the log lines sent to viam-server: debug, info, warn, error.
        #[arg(long)]
        log_level: Option<String>,
        /// Serve (and reach viam-server) over TCP instead of unix sockets.
        #[arg(long)]
        tcp_mode: bool,
        /// The modules folder (default: `modules` beside the executable).
        #[arg(long, env = "ARMATURE_MODULES_DIR")]
        modules: Option<PathBuf>,
        #[command(flatten)]
        cache: CacheArgs,
    },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Push a component as a wasm OCI artifact, tagged with its version.
    Push {
        /// The component (.wasm).
        file: PathBuf,
        /// REGISTRY/NAMESPACE/NAME[:VERSION], e.g. 127.0.0.1:5000/acme/thermometer:1.2.0
        /// (plain HTTP for loopback registries, HTTPS elsewhere).
        reference: String,
        /// The version, when neither the reference nor the component's
        /// `version` section gives it.
        #[arg(long)]
        version: Option<semver::Version>,
        /// private: on a registry that requires credentials; public: listed;
        /// unlisted: usable by name, not listed.
        #[arg(long, value_enum, default_value = "private")]
        visibility: armature::registry::artifact::Visibility,
        /// A line about the module, shown by list and search.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        credentials: RegistryCredentials,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Download the component a version resolves to, checked against its digest.
    Pull {
        /// REGISTRY/NAMESPACE/NAME[:VERSION]; VERSION may be a range,
        /// "latest" (the default) or "latest-with-prerelease".
        reference: String,
        /// Where to write the .wasm (e.g. into a modules folder).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        credentials: RegistryCredentials,
    },
    /// List the modules of a registry (or of one namespace): versions,
    /// visibility, models.
    List {
        /// REGISTRY[/NAMESPACE], e.g. 127.0.0.1:5000/acme
        target: String,
        #[command(flatten)]
        credentials: RegistryCredentials,
        #[arg(long)]
        json: bool,
    },
    /// Find modules whose name, description or models contain TEXT.
    Search {
        registry: String,
        text: String,
        #[command(flatten)]
        credentials: RegistryCredentials,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct RegistryCredentials {
    /// A JSON file: {"username": …, "password": …} or {"token": …}
    /// (else ARMATURE_REGISTRY_USERNAME and ARMATURE_REGISTRY_PASSWORD).
    #[arg(long)]
    credentials: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum DataCommand {
    /// Write captured records as JSON lines or Parquet, from capture folders or from
    /// the JetStream stream sync published them to.
    Export {
        /// A capture folder (the data manager's capture_dir).
        #[arg(long, conflicts_with = "nats", required_unless_present = "nats")]
        dir: Option<PathBuf>,
        /// A NATS server holding the stream, e.g. nats://127.0.0.1:4222.
        #[arg(long, requires = "stream")]
        nats: Option<String>,
        /// The stream sync publishes to.
        #[arg(long)]
        stream: Option<String>,
        /// A NATS credentials file.
        #[arg(long)]
        creds_file: Option<PathBuf>,
        /// jsonl: one JSON object per record; parquet: one row per record.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
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

fn main() -> ExitCode {
    let cli = Cli::parse_from(viam_server_form(std::env::args_os().collect()));
    // In module mode log lines go to viam-server once it is connected.
    let module_logs = match &cli.command {
        Command::Module { log_level, .. } => Some(armature::module_protocol::logs::init(
            armature::module_protocol::logs::filter(log_level.as_deref()),
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
                .with_writer(armature::observability::escape::EscapedStderr)
                .with_ansi(false);
            tracing_subscriber::registry()
                .with(filter)
                .with(stderr)
                // The panel's log view.
                .with(armature::observability::log_buffer::BufferLayer)
                .init();
            None
        }
    };
    let workers = cli
        .worker_threads
        .unwrap_or_else(armature::runtime::workers::for_this_machine);
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
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run {
                config,
                fleet,
                machine,
                fleet_creds,
                listen,
                modules,
                cache,
                state_dir,
                no_watch,
                no_call_deadlines,
            } => {
                let state_dir = state_dir
                    .or_else(default_state_dir)
                    .context("no --state-dir and no home folder")?;
                let deadlines = if no_call_deadlines {
                    Deadlines::Off
                } else {
                    Deadlines::On
                };
                let source = match (config, fleet, machine) {
                    (Some(path), _, _) => ConfigSource::File(path),
                    (None, Some(url), Some(machine)) => {
                        armature::fleet::check_name("machine", &machine).map_err(anyhow::Error::msg)?;
                        let applied_path = armature::fleet::follow::applied_path(&state_dir, &machine);
                        let options = armature::fleet::follow::FollowOptions {
                            target: armature::fleet::FleetTarget {
                                url,
                                creds: fleet_creds,
                            },
                            machine,
                            applied_path,
                        };
                        armature::fleet::follow::boot_config(&options).await?;
                        ConfigSource::Fleet(options)
                    }
                    _ => anyhow::bail!("give --config, or --fleet with --machine"),
                };
                run(source, listen, modules, cache.dir(), state_dir, !no_watch, deadlines).await
            }
            Command::Fleet { command } => {
                let ok = armature::fleet::cli::run(command).await?;
                Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
            }
            Command::Inline(args) => {
                let ok = armature::inline::cli::run(args).await?;
                Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
            }
            Command::Reload { config } => {
                let pid = reload::signal_running(&config)?;
                println!("asked armature (pid {pid}) to reload {}", config.display());
                Ok(ExitCode::SUCCESS)
            }
            Command::Check { config, modules, cache } => check(&config, modules, cache.dir()).await,
            Command::Models { dir, json, cache } => models(&dir, json, cache.dir()).await,
            Command::Build { path, out, version } => build(path, out, version),
            Command::Registry { command } => registry(command).await,
            Command::Data {
                command:
                    DataCommand::Export {
                        dir,
                        nats,
                        stream,
                        creds_file,
                        format,
                        out,
                    },
            } => export(dir, nats, stream, creds_file, format, &out).await,
            Command::Module {
                socket,
                log_level: _,
                tcp_mode,
                modules,
                cache,
            } => {
                let options = module_options(socket, tcp_mode, modules, cache.dir())?;
                let logs = module_logs.context("module mode without its log setup")?;
                armature::module_protocol::run(options, logs).await?;
                Ok(ExitCode::SUCCESS)
            }
        }
    });
    // Do not wait on background work at exit (viam-server allows a module a second).
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn registry(command: RegistryCommand) -> anyhow::Result<ExitCode> {
    use armature::registry::cli;
    match command {
        RegistryCommand::Push {
            file,
            reference,
            version,
            visibility,
            description,
            credentials,
            cache,
        } => {
            cli::push(&cli::PushOptions {
                file,
                reference,
                version,
                visibility,
                description,
                credentials: credentials.credentials,
                cache_dir: cache.dir(),
            })
            .await?
        }
        RegistryCommand::Pull {
            reference,
            out,
            credentials,
        } => cli::pull(&reference, &out, credentials.credentials.as_deref()).await?,
        RegistryCommand::List {
            target,
            credentials,
            json,
        } => cli::list(&target, credentials.credentials.as_deref(), json).await?,
        RegistryCommand::Search {
            registry,
            text,
            credentials,
            json,
        } => cli::search(&registry, &text, credentials.credentials.as_deref(), json).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(
    dir: Option<PathBuf>,
    nats: Option<String>,
    stream: Option<String>,
    creds_file: Option<PathBuf>,
    format: ExportFormat,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    use armature::capture::export::{Source, export};
    let source = match (dir, nats, stream) {
        (Some(dir), _, _) => Source::Dir(dir),
        (None, Some(url), Some(stream)) => Source::Nats {
            url,
            stream,
            creds_file,
        },
        _ => anyhow::bail!("give --dir, or --nats with --stream"),
    };
    let done = export(&source, format, out).await?;
    for why in &done.unreadable {
        eprintln!("warning: skipped {why}");
    }
    println!("exported {} records → {}", done.records, out.display());
    Ok(ExitCode::SUCCESS)
}

fn build(path: PathBuf, out: Option<PathBuf>, version: Option<semver::Version>) -> anyhow::Result<ExitCode> {
    let built = armature::build::build(&armature::build::Options { path, out, version })?;
    let version = built.version.map(|v| format!(" {v}")).unwrap_or_default();
    println!(
        "built {}{version} → {} in {:.1} s",
        built.name,
        built.out.display(),
        built.took.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Where `armature run` takes its config from.
enum ConfigSource {
    File(PathBuf),
    /// The fleet's KV; the config last applied is kept in a file, which the
    /// machine boots from.
    Fleet(armature::fleet::follow::FollowOptions),
}

async fn run(
    source: ConfigSource,
    listen: Option<String>,
    modules: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    state_dir: PathBuf,
    watch: bool,
    deadlines: Deadlines,
) -> anyhow::Result<ExitCode> {
    let (config_path, fleet) = match source {
        ConfigSource::File(path) => (path, None),
        ConfigSource::Fleet(options) => (options.applied_path.clone(), Some(options)),
    };
    let config_path = config_path.as_path();
    // Before anything opens files: the soft limit up to the hard one.
    armature::grpc::connections::raise_file_limit();
    // A fleet writes the config file itself, after applying it: only the
    // modules folder is watched then.
    let watch_config = fleet.is_none();
    let (config, problems) = MachineConfig::load_lenient(config_path).map_err(|e| anyhow::anyhow!("{e}"))?;
    // A bad auth block is never left out: that would start the machine open.
    if let Some(p) = problems.iter().find(|p| p.place.starts_with("auth")) {
        anyhow::bail!("{p}: the machine does not start until its auth block is right");
    }
    for p in &problems {
        tracing::error!("{p}; left out");
    }
    let addr = listen
        .clone()
        .or_else(|| config.bind_address.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let tls = match &config.tls {
        Some(files) => {
            let read = |p: &Path| {
                std::fs::read(p).with_context(|| format!("{}: network TLS file {}", config_path.display(), p.display()))
            };
            tracing::info!(cert = %files.cert.display(), "serving TLS");
            Some(tonic::transport::Identity::from_pem(
                read(&files.cert)?,
                read(&files.key)?,
            ))
        }
        None => None,
    };
    let address_from_flag = listen.is_some();
    // Refused before anything listens: an open machine off loopback.
    let off_loopback = Listening {
        address: addr.clone(),
        tcp: !addr.starts_with(grpc::listen::UNIX_PREFIX),
        loopback: grpc::listen::resolves_to_loopback(&addr).await,
        address_from_flag,
        panel: false,
    };
    if let Some(why) = ServerSettings::open_off_loopback(&off_loopback, &config) {
        anyhow::bail!("{why}");
    }
    let (listener, local) = grpc::bind(&addr).await?;
    let tcp = matches!(listener, grpc::Listener::Tcp(_));
    let panel = tcp && config.panel_on(listener.is_loopback());
    let listening = Listening {
        address: local.clone(),
        tcp,
        loopback: listener.is_loopback(),
        address_from_flag,
        panel,
    };
    if let Some(why) = ServerSettings::open_off_loopback(&listening, &config) {
        anyhow::bail!("{why}");
    }
    let runtime = Runtime::with_deadlines(cache_dir, deadlines).context("starting the WebAssembly runtime")?;
    if deadlines == Deadlines::Off {
        tracing::warn!("--no-call-deadlines: guest calls have no deadline");
    }
    let sessions = Sessions::new(config.heartbeat_window);
    let machine = Machine::start(runtime, config, modules, state_dir.clone()).await;
    let follower = fleet.map(|options| armature::fleet::follow::start(&machine, options));
    let inline = armature::inline::Inline::new(
        machine.clone(),
        &state_dir,
        // A fleet owns the config: deploys and added resources do not write it.
        watch_config.then(|| config_path.to_path_buf()),
    );
    let capture = armature::capture::Capture::start(&machine, state_dir.clone()).await;
    let auth = armature::grpc::auth::Auth::new(Default::default());
    let names = AllowedNames::new(auth.clone(), listening.loopback, listening.tcp, &[]);
    let settings = Arc::new(ServerSettings {
        auth: auth.clone(),
        names: names.clone(),
        listening,
        started: machine.applied_config(),
    });
    // The keys and names of the config in force, and of every config applied from now on.
    settings.apply(&machine.applied_config());
    machine.set_host_settings(settings);
    let mut host = Host::with_auth(machine.clone(), sessions, auth);
    host.inline = Some(inline);
    let shutdown = host.shutdown.clone();

    // Signal handlers first, so that a signal sent as soon as the address is
    // printed is not lost.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut hup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let (reloads, reload_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let _ = reloads.send(reload::Trigger::Signal);
        }
    });
    let _watcher = if watch {
        let modules_dir = machine.modules_dir().await;
        Some(reload::watch(
            machine.clone(),
            config_path.to_path_buf(),
            watch_config,
            modules_dir,
            reload_rx,
        )?)
    } else {
        tokio::spawn(reload_on_signal(reload_rx, machine.clone(), config_path.to_path_buf()));
        None
    };
    let pid_file = reload::pid_file(config_path);
    if let Err(e) = std::fs::write(&pid_file, std::process::id().to_string()) {
        tracing::warn!(file = %pid_file.display(), "cannot write the pid file (armature reload will not find this host): {e}");
    }

    // Printed on stdout (logs go to stderr) so that scripts and tests can
    // find the port when listening on :0.
    println!("armature listening on {local}");
    tracing::info!(%local, resources = machine.slots().len(), "serving");

    let stop = async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
            _ = shutdown.notified() => {}
        }
    };
    if panel {
        let port = local.rsplit_once(':').map_or("8080", |(_, p)| p);
        // `localhost`, not the IP: the TypeScript SDK dials only hosts
        // containing "local".
        tracing::info!("control panel: http://localhost:{port}/");
    }
    tracing::info!(
        "state folder: {} (data folders, capture, inline module versions, the registry cache, a fleet's applied config)",
        state_dir.display()
    );
    let served = grpc::serve(host, listener, tls, panel, names, stop).await;
    let _ = std::fs::remove_file(&pid_file);
    // No config change may land while the machine closes.
    if let Some(follower) = follower {
        follower.abort();
    }
    served?;
    capture.shutdown().await;
    machine.shutdown().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Module mode's settings from its command line and viam-server's environment.
fn module_options(
    socket: Option<String>,
    tcp: bool,
    modules: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
) -> anyhow::Result<armature::module_protocol::Options> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    // Newer viam-server sets VIAM_MODULE_ADDRESS, and module SDKs prefer it.
    let address = env("VIAM_MODULE_ADDRESS")
        .or(socket)
        .context("no socket: give it as the first argument, or set VIAM_MODULE_ADDRESS")?;
    let modules_dir = match modules {
        Some(dir) => dir,
        None => std::env::current_exe()
            .context("finding the executable's folder (or give --modules)")?
            .parent()
            .context("the executable has no folder (give --modules)")?
            .join("modules"),
    };
    let state_dir = env("VIAM_MODULE_DATA")
        .map(PathBuf::from)
        .or_else(default_state_dir)
        .context("no VIAM_MODULE_DATA and no home folder")?;
    Ok(armature::module_protocol::Options {
        address,
        tcp: tcp || env("VIAM_TCP_SOCKETS").is_some_and(|v| v == "true"),
        modules_dir,
        cache_dir,
        state_dir,
        no_parent: env("VIAM_NO_MODULE_PARENT").is_some_and(|v| v == "true"),
    })
}

/// `$XDG_STATE_HOME/armature`, else `~/.local/state/armature`.
fn default_state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))
        .map(|d| d.join("armature"))
}

/// Without the watcher, signals still reload.
async fn reload_on_signal(
    mut signals: tokio::sync::mpsc::UnboundedReceiver<reload::Trigger>,
    machine: Arc<Machine>,
    path: PathBuf,
) {
    while let Some(trigger) = signals.recv().await {
        reload::reload(&machine, &path, trigger).await;
    }
}

async fn check(config_path: &Path, modules: Option<PathBuf>, cache_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let mut problems: Vec<String> = Vec::new();
    let config = match MachineConfig::load_lenient(config_path) {
        Ok((config, errors)) => {
            problems.extend(errors.iter().map(ToString::to_string));
            Some(config)
        }
        Err(e) => {
            problems.extend(e.0.iter().map(ToString::to_string));
            None
        }
    };
    if let Some(config) = config {
        let runtime = Runtime::new(cache_dir)?;
        problems.extend(Machine::check(runtime, &config, modules).await);
    }
    if problems.is_empty() {
        println!("{}: ok", config_path.display());
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("{p}");
        }
        println!("{} problem(s)", problems.len());
        Ok(ExitCode::FAILURE)
    }
}

async fn models(dir: &Path, json: bool, cache_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let runtime = Runtime::new(cache_dir)?;
    let files = wasm_files(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut rows = Vec::new();
    let mut failed = false;
    for file in files {
        let path = file.path;
        match runtime.load(&file.name, &path, file.version).await {
            Ok(m) => {
                for (api, model) in &m.models {
                    rows.push(serde_json::json!({
                        "module": m.name, "file": path.display().to_string(), "version": m.version(),
                        "api": api.to_string(), "model": model.to_string(),
                    }));
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("{e}");
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!("{:<20} {:<32} MODEL", "MODULE", "API");
        for r in &rows {
            println!(
                "{:<20} {:<32} {}",
                r["module"].as_str().unwrap_or(""),
                r["api"].as_str().unwrap_or(""),
                r["model"].as_str().unwrap_or("")
            );
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
