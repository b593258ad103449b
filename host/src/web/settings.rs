//! What the server holds of the machine's config — the API keys, the
//! names it answers to, the listener's address and TLS, the panel — checked
//! before each config is applied and put in force with it
//! ([`crate::resources::machine::HostSettings`]). Keys and names change
//! live; the listener is set up once, so a change to it is refused with
//! "restart to apply" rather than claimed applied and ignored.

use std::sync::Arc;

use crate::config::MachineConfig;
use crate::grpc::auth::Auth;
use crate::resources::machine::{HostSettings, Problems};
use crate::web::names::AllowedNames;

/// How the server was started.
pub struct Listening {
    /// The address as printed (`127.0.0.1:8080`).
    pub address: String,
    /// A TCP listener (not a Unix socket).
    pub tcp: bool,
    /// On a loopback address.
    pub loopback: bool,
    /// `--listen` was given, so `network.bind_address` does not apply.
    pub address_from_flag: bool,
    /// Whether the panel is served.
    pub panel: bool,
}

pub struct ServerSettings {
    pub auth: Arc<Auth>,
    pub names: Arc<AllowedNames>,
    pub listening: Listening,
    /// The config the server was started with.
    pub started: Arc<MachineConfig>,
}

impl ServerSettings {
    /// Why a machine could not start, or go on, with `config`: no API keys
    /// on a listener other hosts can reach, unless the owner says so.
    pub fn open_off_loopback(listening: &Listening, config: &MachineConfig) -> Option<String> {
        (listening.tcp && !listening.loopback && config.api_keys.is_empty() && !config.insecure_open).then(|| {
            format!(
                "{}: auth: the machine listens on {}, which other hosts can reach, and has no API keys, \
                 so anyone on the network could drive it: add an api-key handler under auth.handlers, \
                 or set \"auth\": {{\"insecure_open\": true}} to run it open on purpose",
                config.file.display(),
                listening.address
            )
        })
    }
}

impl HostSettings for ServerSettings {
    fn check(&self, next: &MachineConfig) -> Problems {
        let mut problems: Problems = Self::open_off_loopback(&self.listening, next).into_iter().collect();
        let restart = |what: &str| {
            format!(
                "{}: {what} is set up when the host starts: restart it to apply this change",
                next.file.display()
            )
        };
        if next.tls != self.started.tls {
            problems.push(restart("network TLS (tls_cert_file, tls_key_file, no_tls)"));
        }
        if !self.listening.address_from_flag && next.bind_address != self.started.bind_address {
            problems.push(restart("network.bind_address"));
        }
        if self.listening.tcp && next.panel_on(self.listening.loopback) != self.listening.panel {
            problems.push(restart("panel"));
        }
        problems
    }

    fn apply(&self, next: &MachineConfig) {
        let was_on = self.auth.enabled();
        let revoked = self.auth.set_keys(next.api_keys.clone());
        match (was_on, self.auth.enabled()) {
            (false, true) => tracing::info!("API-key authentication is on"),
            (true, false) => tracing::warn!("API-key authentication is off: the config has no keys"),
            _ => {}
        }
        if revoked > 0 {
            tracing::info!(
                revoked,
                "API keys changed: tokens of removed or changed keys are revoked"
            );
        }
        if self.listening.tcp && !self.listening.loopback && next.insecure_open && next.api_keys.is_empty() {
            tracing::warn!(
                address = %self.listening.address,
                "auth.insecure_open: this machine is open to every host that can reach it"
            );
        }
        self.names.set_configured(&next.allowed_hosts);
    }
}
