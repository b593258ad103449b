//! Module mode: Armature as one Viam module under viam-server. viam-server
//! starts it as `armature SOCKET [--log-level=LEVEL] [--tcp-mode]`, calls
//! Ready, then adds, reconfigures and removes resources of the models the
//! modules folder provides; every WebAssembly model appears to viam-server
//! as a model of this one module.
//!
//! - `service`: viam.module.v1.ModuleService, served on the socket beside
//!   every resource API service, RobotService and reflection.
//! - `entries`: the parent's resource configs as config-file entries.
//! - `parent`: the connection back to viam-server; `remote`: dependencies
//!   viam-server serves; `logs`: log lines to viam-server.

pub mod cli;
pub mod entries;
pub mod logs;
pub mod parent;
pub mod remote;
pub mod service;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;

use crate::grpc::encoded::EncodedService;
use crate::grpc::{self, Host};
use crate::resources::sessions::Sessions;
use crate::runtime::component::Runtime;
use parent::ParentLink;
use service::ModuleApi;

/// How often the parent is asked whether it is still there.
const PARENT_CHECK_EVERY: Duration = Duration::from_secs(2);
/// After a failed check, ask again this soon.
const PARENT_RECHECK: Duration = Duration::from_millis(500);
const PARENT_CHECK_TIMEOUT: Duration = Duration::from_secs(1);
/// Failed checks in a row after which the parent is gone.
const PARENT_CHECKS: u32 = 3;
/// Shutdown, within viam-server's expectation of a second: in-flight calls
/// (`DRAIN`), then closing resources (`CLOSE`), then the last log lines in
/// what is left of `EXIT_WITHIN`.
const EXIT_WITHIN: Duration = Duration::from_millis(900);
const DRAIN: Duration = Duration::from_millis(200);
const CLOSE: Duration = Duration::from_millis(500);

/// How viam-server started us (command line and environment).
pub struct Options {
    /// The socket path, or host:port in TCP mode.
    pub address: String,
    pub tcp: bool,
    pub modules_dir: PathBuf,
    pub cache_dir: Option<PathBuf>,
    /// Where granted data folders live (VIAM_MODULE_DATA).
    pub state_dir: PathBuf,
    /// VIAM_NO_MODULE_PARENT=true: do not connect back to viam-server.
    pub no_parent: bool,
}

/// What the module serves on.
enum Listener {
    Unix(tokio::net::UnixListener, PathBuf),
    Tcp(tokio::net::TcpListener),
}

impl Listener {
    async fn bind(address: &str, tcp: bool) -> anyhow::Result<Self> {
        if tcp {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("listening on {address}"))?;
            return Ok(Self::Tcp(listener));
        }
        let path = PathBuf::from(address);
        // A socket left by an earlier run is in the way; anything else is not ours to delete.
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            use std::os::unix::fs::FileTypeExt;
            anyhow::ensure!(meta.file_type().is_socket(), "{address} exists and is not a socket");
            std::fs::remove_file(&path).with_context(|| format!("removing the stale socket {address}"))?;
        }
        let listener = tokio::net::UnixListener::bind(&path).with_context(|| format!("listening on {address}"))?;
        Ok(Self::Unix(listener, path))
    }
}

/// Serves as a module until SIGTERM or SIGINT, or until the parent is gone.
pub async fn run(options: Options, logs: Arc<logs::Forwarder>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;

    let runtime = Runtime::new(options.cache_dir).context("starting the WebAssembly runtime")?;
    let empty = entries::machine_config([]).map_err(anyhow::Error::msg)?;
    let sessions = Sessions::new(empty.heartbeat_window);
    // Modules are loaded before the socket exists: viam-server waits for the
    // socket, then expects Ready within 3 s.
    let machine =
        crate::run::sources::start_machine(runtime, empty, Some(options.modules_dir.clone()), options.state_dir).await;
    let info = machine.info();
    for e in &info.module_errors {
        tracing::error!("{e}");
    }
    if info.modules.is_empty() {
        tracing::warn!(dir = %options.modules_dir.display(), "no modules: viam-server will see no models");
    }

    let parent = ParentLink::new();
    let (connected, mut on_connect) = watch::channel(false);
    let api = ModuleApi::new(machine.clone(), parent.clone(), connected, options.no_parent);
    let host = Host::new(machine.clone(), sessions);
    // RobotService/Shutdown on the module's socket stops the module.
    let shutdown_asked = host.shutdown.clone();
    let module = EncodedService::new(crate::core::proto::tables::viam::module::v1::module_service(), api);
    let routes = grpc::routes::with_service(grpc::routes(&host)?, module);
    let listener = Listener::bind(&options.address, options.tcp).await?;
    tracing::info!(address = %options.address, modules = info.modules.len(), "serving viam-server");

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async {
        let _ = stopped.await;
    };
    let server = tonic::transport::Server::builder().add_routes(routes);
    let (socket, mut server) = match listener {
        Listener::Unix(l, path) => (
            Some(path),
            tokio::spawn(
                server.serve_with_incoming_shutdown(tokio_stream::wrappers::UnixListenerStream::new(l), shutdown),
            ),
        ),
        Listener::Tcp(l) => (
            None,
            tokio::spawn(
                server.serve_with_incoming_shutdown(tokio_stream::wrappers::TcpListenerStream::new(l), shutdown),
            ),
        ),
    };

    // Once Ready has reached the parent: logs go there, and its absence ends us.
    let (gone_tx, gone) = tokio::sync::oneshot::channel::<()>();
    let watch_parent = {
        let parent = parent.clone();
        let logs = logs.clone();
        tokio::spawn(async move {
            if on_connect.wait_for(|c| *c).await.is_err() {
                return;
            }
            logs.start(parent.clone());
            watch(&parent).await;
            let _ = gone_tx.send(());
        })
    };

    let why = tokio::select! {
        _ = term.recv() => "SIGTERM".to_string(),
        _ = int.recv() => "SIGINT".to_string(),
        Ok(()) = gone => "viam-server is gone".to_string(),
        _ = shutdown_asked.notified() => "Shutdown requested".to_string(),
        served = &mut server => format!("the server stopped: {served:?}"),
    };
    let deadline = tokio::time::Instant::now() + EXIT_WITHIN;
    tracing::info!("{why}: closing every resource and exiting");
    watch_parent.abort();
    let _ = stop.send(());
    if tokio::time::timeout(DRAIN, &mut server).await.is_err() {
        server.abort();
    }
    if tokio::time::timeout(CLOSE, machine.shutdown()).await.is_err() {
        tracing::warn!("resources still closing after {CLOSE:?}; exiting anyway");
    }
    if let Some(path) = socket {
        let _ = std::fs::remove_file(path);
    }
    tracing::info!("stopped");
    logs.flush(deadline.saturating_duration_since(tokio::time::Instant::now()))
        .await;
    Ok(())
}

/// Returns when the parent has failed `PARENT_CHECKS` checks in a row, as a
/// Viam module notices that viam-server died (Python modules ask every 10 s
/// and give up after 3 tries; Go modules retry once).
async fn watch(parent: &ParentLink) {
    let mut failures = 0;
    loop {
        tokio::time::sleep(if failures == 0 {
            PARENT_CHECK_EVERY
        } else {
            PARENT_RECHECK
        })
        .await;
        let Some(p) = parent.get() else { continue };
        match p.resource_names(PARENT_CHECK_TIMEOUT).await {
            Ok(_) => failures = 0,
            Err(e) => {
                failures += 1;
                tracing::warn!(parent = %p.address, failures, "viam-server did not answer: {}", e.message());
                if failures >= PARENT_CHECKS {
                    return;
                }
            }
        }
    }
}
