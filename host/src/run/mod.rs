//! `armature run`: a machine from a config file or a fleet, served until
//! SIGTERM or SIGINT. This is where the layers are put together: the
//! machine, capture, inline modules, the fleet follower and the server.

pub mod inspect;
pub mod sources;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::config::MachineConfig;
use crate::grpc::{self, Host};
use crate::resources::machine::{HostSettings, Machine};
use crate::resources::reload;
use crate::resources::sessions::Sessions;
use crate::runtime::cache::CacheArgs;
use crate::runtime::component::Runtime;
use crate::runtime::engine::Deadlines;
use crate::web::names::AllowedNames;
use crate::web::settings::{Listening, ServerSettings};

/// Run a machine.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The machine config (viam-server's JSON format).
    #[arg(long, required_unless_present = "fleet", conflicts_with = "fleet")]
    pub config: Option<PathBuf>,
    /// Take the config from a fleet: the NATS JetStream KV key
    /// `machine.NAME` of bucket `armature-config` (e.g. nats://127.0.0.1:4222).
    #[arg(long, requires = "machine")]
    pub fleet: Option<String>,
    /// This machine's name in the fleet.
    #[arg(long, requires = "fleet")]
    pub machine: Option<String>,
    /// The fleet's credentials: a NATS .creds file, or JSON
    /// {"user", "password"} or {"token"}.
    #[arg(long, requires = "fleet")]
    pub fleet_creds: Option<PathBuf>,
    /// Address to serve gRPC on: `host:port` or `unix:PATH` (default: the
    /// config's network.bind_address, else 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// The modules folder (default: the config's modules_dir, else `modules` beside the config).
    #[arg(long)]
    pub modules: Option<PathBuf>,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// The machine's state folder (default: $XDG_STATE_HOME/armature, else
    /// ~/.local/state/armature). It holds resources' granted data folders
    /// (data/API/NAME), captured data unless the data manager sets
    /// capture_dir (capture/), inline module versions (inline/NAME/0.0.N),
    /// the registry cache (registry/) and, with --fleet, the config last
    /// applied (fleet/MACHINE/config.json). Printed at start.
    #[arg(long, env = "ARMATURE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Do not watch the config file and the modules folder for changes
    /// (SIGHUP and `armature reload` still apply them).
    #[arg(long)]
    pub no_watch: bool,
    /// For measuring what isolation costs (`cargo xtask bench`) only:
    /// compile guests without epoch interruption, so no call has a
    /// deadline and a looping guest keeps its thread for good.
    #[arg(long, hide = true)]
    pub no_call_deadlines: bool,
}

/// Runs a machine until it is told to stop.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let RunArgs {
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
    } = args;
    let state_dir = state_dir
        .or_else(crate::config::default_state_dir)
        .context("no --state-dir and no home folder")?;
    let deadlines = if no_call_deadlines {
        Deadlines::Off
    } else {
        Deadlines::On
    };
    let source = match (config, fleet, machine) {
        (Some(path), _, _) => ConfigSource::File(path),
        (None, Some(url), Some(machine)) => {
            crate::fleet::keys::check_name("machine", &machine).map_err(anyhow::Error::msg)?;
            let applied_path = crate::fleet::follow::applied_path(&state_dir, &machine);
            let options = crate::fleet::follow::FollowOptions {
                target: crate::fleet::FleetTarget {
                    url,
                    creds: fleet_creds,
                },
                machine,
                applied_path,
            };
            crate::fleet::follow::boot_config(&options).await?;
            ConfigSource::Fleet(options)
        }
        _ => anyhow::bail!("give --config, or --fleet with --machine"),
    };
    serve(source, listen, modules, cache.dir(), state_dir, !no_watch, deadlines).await
}

/// Where `armature run` takes its config from.
enum ConfigSource {
    File(PathBuf),
    /// The fleet's KV; the config last applied is kept in a file, which the
    /// machine boots from.
    Fleet(crate::fleet::follow::FollowOptions),
}

async fn serve(
    source: ConfigSource,
    listen: Option<String>,
    modules: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    state_dir: PathBuf,
    watch: bool,
    deadlines: Deadlines,
) -> anyhow::Result<()> {
    let (config_path, fleet) = match source {
        ConfigSource::File(path) => (path, None),
        ConfigSource::Fleet(options) => (options.applied_path.clone(), Some(options)),
    };
    let config_path = config_path.as_path();
    // Before anything opens files: the soft limit up to the hard one.
    crate::grpc::connections::raise_file_limit();
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
    let (listener, local) = crate::web::serve::bind(&addr).await?;
    let tcp = matches!(listener, grpc::Listener::Tcp(_));
    let panel = tcp && config.panel_on(listener.is_loopback());
    let listening = Listening {
        address: local.clone(),
        tcp,
        loopback: listener.is_loopback(),
        address_from_flag,
        panel,
    };
    let runtime = Runtime::with_deadlines(cache_dir, deadlines).context("starting the WebAssembly runtime")?;
    if deadlines == Deadlines::Off {
        tracing::warn!("--no-call-deadlines: guest calls have no deadline");
    }
    let sessions = Sessions::new(config.heartbeat_window);
    let machine = sources::start_machine(runtime, config, modules, state_dir.clone()).await;
    let follower = fleet.map(|options| crate::fleet::follow::start(&machine, options));
    let inline = crate::inline::Inline::new(
        machine.clone(),
        &state_dir,
        // A fleet owns the config: deploys and added resources do not write it.
        watch_config.then(|| config_path.to_path_buf()),
    );
    let capture = crate::capture::Capture::start(&machine, state_dir.clone()).await;
    let auth = crate::grpc::auth::Auth::new(Default::default());
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
    let served = crate::web::serve::serve(host, listener, tls, panel, names, stop).await;
    let _ = std::fs::remove_file(&pid_file);
    // No config change may land while the machine closes.
    if let Some(follower) = follower {
        follower.abort();
    }
    served?;
    capture.shutdown().await;
    machine.shutdown().await;
    tracing::info!("stopped");
    Ok(())
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
