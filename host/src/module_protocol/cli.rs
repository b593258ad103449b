//! `armature module SOCKET`: serving as a Viam module under viam-server,
//! which starts it as `armature SOCKET [--log-level=LEVEL] [--tcp-mode]`.

use std::path::PathBuf;

use anyhow::Context;

use crate::runtime::cache::CacheArgs;

/// Serve as a Viam module under viam-server, which starts it as
/// `armature SOCKET [--log-level=LEVEL] [--tcp-mode]` (`module` is implied).
#[derive(clap::Args)]
pub struct ModuleArgs {
    /// The socket to serve on; in TCP mode, host:port. VIAM_MODULE_ADDRESS wins.
    pub socket: Option<String>,
    /// The level of the log lines sent to viam-server: debug, info, warn, error.
    #[arg(long)]
    pub log_level: Option<String>,
    /// Serve (and reach viam-server) over TCP instead of unix sockets.
    #[arg(long)]
    pub tcp_mode: bool,
    /// The modules folder (default: `modules` beside the executable).
    #[arg(long, env = "ARMATURE_MODULES_DIR")]
    pub modules: Option<PathBuf>,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Serves until viam-server stops the module; `logs` is the forwarder
/// set up before the async runtime (module mode's log lines go to
/// viam-server).
pub async fn run(args: ModuleArgs, logs: std::sync::Arc<super::logs::Forwarder>) -> anyhow::Result<()> {
    let cache_dir = args.cache.dir();
    let options = options(args.socket, args.tcp_mode, args.modules, cache_dir)?;
    super::run(options, logs).await
}

/// Module mode's settings from its command line and viam-server's environment.
pub fn options(
    socket: Option<String>,
    tcp: bool,
    modules: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
) -> anyhow::Result<super::Options> {
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
        .or_else(crate::config::default_state_dir)
        .context("no VIAM_MODULE_DATA and no home folder")?;
    Ok(super::Options {
        address,
        tcp: tcp || env("VIAM_TCP_SOCKETS").is_some_and(|v| v == "true"),
        modules_dir,
        cache_dir,
        state_dir,
        no_parent: env("VIAM_NO_MODULE_PARENT").is_some_and(|v| v == "true"),
    })
}
