//! The names a browser may address this machine by. A web page can rebind
//! its own domain name to the robot's address and so become same-origin
//! with it, which CORS cannot stop; but the name it used stays in the
//! request (`Host`, or `:authority` in HTTP/2), so every browser request is
//! checked against the names the machine answers to:
//! - an open machine on loopback answers loopback names only (`localhost`,
//!   `*.localhost`, `127.0.0.1`, `[::1]`);
//! - any other machine also answers IP addresses (a rebinding page cannot
//!   send one: it must use a name it controls), this computer's host name
//!   (and `NAME.local`), and the names in its config (`network.fqdn`,
//!   `network.allowed_hosts`).

use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use crate::grpc::auth::Auth;

pub struct AllowedNames {
    auth: Arc<Auth>,
    /// Whether the listener is TCP on a loopback address.
    loopback_listener: bool,
    /// Whether requests are checked at all (not on a Unix socket, which no
    /// browser reaches).
    enforced: bool,
    /// Host names, lowercase: this computer's, then the config's.
    names: RwLock<Vec<String>>,
}

impl AllowedNames {
    pub fn new(auth: Arc<Auth>, loopback_listener: bool, enforced: bool, configured: &[String]) -> Arc<Self> {
        let this = Arc::new(Self {
            auth,
            loopback_listener,
            enforced,
            names: RwLock::default(),
        });
        this.set_configured(configured);
        this
    }

    /// The config's names, replacing the previous config's.
    pub fn set_configured(&self, configured: &[String]) {
        let mut names = own_host_names();
        names.extend(configured.iter().map(|n| n.to_ascii_lowercase()));
        *self.names.write().unwrap_or_else(|e| e.into_inner()) = names;
    }

    /// Whether only loopback names are answered: an open machine on loopback.
    pub fn loopback_only(&self) -> bool {
        self.enforced && self.loopback_listener && !self.auth.enabled()
    }

    /// Whether a request addressed to `authority` (`host[:port]`; `None`
    /// when the request names none) is answered.
    pub fn allows(&self, authority: Option<&str>) -> bool {
        if !self.enforced {
            return true;
        }
        let Some(authority) = authority else { return false };
        if crate::core::loopback::loopback_authority(authority) {
            return true;
        }
        if self.loopback_only() {
            return false;
        }
        let host = host_of(authority);
        host.parse::<IpAddr>().is_ok()
            || self
                .names
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|n| n.eq_ignore_ascii_case(host))
    }
}

/// `robot:8080` → `robot`, `[fe80::1]:8080` → `fe80::1`.
fn host_of(authority: &str) -> &str {
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    }
}

/// This computer's host name, and the `.local` name mDNS gives it.
fn own_host_names() -> Vec<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname(2) writes at most `buf.len()` bytes into `buf`.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let name = ok
        .then(|| {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase()
        })
        .filter(|n| !n.is_empty());
    match name {
        Some(n) => vec![format!("{n}.local"), n],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed() -> Arc<Auth> {
        Auth::new([("id".to_string(), "key".to_string())].into())
    }

    #[test]
    fn an_open_loopback_machine_answers_loopback_names_only() {
        let names = AllowedNames::new(Auth::new(Default::default()), true, true, &["robot.lan".into()]);
        assert!(names.allows(Some("localhost:8080")) && names.allows(Some("127.0.0.1:8080")));
        assert!(!names.allows(Some("robot.lan:8080")));
        assert!(!names.allows(Some("10.0.0.2:8080")));
        assert!(!names.allows(None));
    }

    #[test]
    fn other_machines_answer_addresses_and_their_names_but_not_a_rebound_name() {
        let names = AllowedNames::new(keyed(), false, true, &["Robot.lan".into()]);
        for ok in [
            "10.0.0.2:8080",
            "[fe80::1]:8080",
            "robot.lan:8080",
            "ROBOT.LAN",
            "localhost",
        ] {
            assert!(names.allows(Some(ok)), "{ok}");
        }
        for refused in ["evil.example.com:8080", "robot.lan.evil.com", "10.0.0.2.nip.io:8080"] {
            assert!(!names.allows(Some(refused)), "{refused}");
        }
        assert!(
            AllowedNames::new(keyed(), false, false, &[]).allows(Some("anything")),
            "unix socket"
        );
    }
}
