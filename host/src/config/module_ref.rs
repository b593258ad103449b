//! Names: a registry's address (`127.0.0.1:5000`, `https://ghcr.io`), a
//! module's repository (`acme/thermometer`), and the command line's
//! `REGISTRY/NAMESPACE/NAME[:VERSION]`.

use std::fmt;
use std::net::IpAddr;

/// Where a registry is, and whether it is spoken to over plain HTTP, which
/// is allowed for loopback registries only: elsewhere credentials and
/// module bytes would cross the network in the clear.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistryAddress {
    /// `host[:port]`, as OCI references spell it.
    pub host: String,
    pub plain_http: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NameError {
    #[error("{0:?}: plain HTTP is allowed for loopback registries only (127.0.0.1, ::1, localhost); use https://")]
    PlainHttpOffLoopback(String),
    #[error("{0:?} is not a registry address such as 127.0.0.1:5000 or https://ghcr.io")]
    BadAddress(String),
    #[error(
        "{0:?} is not a module name: NAMESPACE/NAME (or Viam's NAMESPACE:NAME), lowercase letters, digits and . _ - inside each part"
    )]
    BadModule(String),
    #[error("{0:?} is not REGISTRY/NAMESPACE/NAME[:VERSION], e.g. 127.0.0.1:5000/acme/thermometer:1.2.0")]
    BadReference(String),
}

/// `text` fit to be shown: a user name and password written into a URL
/// (`https://user:pass@host`) are masked, and a query is dropped.
pub fn redacted(text: &str) -> String {
    let (scheme, rest) = split_scheme(text);
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    // A bare `user:pass@host` (no scheme) is masked too.
    let rest = match (scheme, rest.split_once('@')) {
        (None, Some((_, after))) => format!("***@{after}"),
        _ => rest.to_string(),
    };
    let whole = format!("{}{rest}", scheme.map(|s| format!("{s}://")).unwrap_or_default());
    crate::core::redact::urls_in(&whole).into_owned()
}

fn split_scheme(text: &str) -> (Option<&str>, &str) {
    match text.split_once("://") {
        Some((s, rest)) => (Some(s), rest),
        None => (None, text),
    }
}

/// A registry host: a name or address, a port, nothing else.
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

impl RegistryAddress {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let t = text.trim().trim_end_matches('/');
        let (scheme, host) = split_scheme(t);
        if !plain_host(host) {
            return Err(NameError::BadAddress(redacted(text)));
        }
        let loopback = is_loopback(host);
        let plain_http = match scheme {
            Some("http") if loopback => true,
            Some("http") => return Err(NameError::PlainHttpOffLoopback(redacted(text))),
            Some("https") => false,
            Some(_) => return Err(NameError::BadAddress(redacted(text))),
            // As docker does: a loopback registry speaks plain HTTP.
            None => loopback,
        };
        Ok(Self {
            host: host.to_string(),
            plain_http,
        })
    }

    pub fn url(&self) -> String {
        let scheme = if self.plain_http { "http" } else { "https" };
        format!("{scheme}://{}", self.host)
    }
}

impl fmt::Display for RegistryAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
pub fn is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        })
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A module's repository: `NAMESPACE/NAME`. Viam's `NAMESPACE:NAME` is
/// read the same way. OCI repository names are lowercase.
pub fn module_repository(module_id: &str) -> Result<String, NameError> {
    let repo = module_id.trim().replace(':', "/");
    let parts: Vec<&str> = repo.split('/').collect();
    let part_ok = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
            && p.starts_with(|c: char| c.is_ascii_alphanumeric())
            && p.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    if parts.len() < 2 || !parts.iter().all(part_ok) {
        return Err(NameError::BadModule(module_id.to_string()));
    }
    Ok(repo)
}

/// `REGISTRY/NAMESPACE/NAME[:VERSION]`, as `armature registry push` takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleRef {
    pub registry: RegistryAddress,
    pub repository: String,
    pub tag: Option<String>,
}

impl ModuleRef {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let bad = || NameError::BadReference(redacted(text));
        let (scheme, rest) = split_scheme(text);
        let (host, path) = rest.split_once('/').ok_or_else(bad)?;
        let registry = RegistryAddress::parse(&with_scheme(scheme, host))?;
        let (path, tag) = match path.rsplit_once(':') {
            Some((p, t)) if !t.contains('/') => (p, Some(t.to_string())),
            _ => (path, None),
        };
        let repository = module_repository(path).map_err(|_| bad())?;
        Ok(Self {
            registry,
            repository,
            tag,
        })
    }
}

/// `REGISTRY[/NAMESPACE]`, as `armature registry list` takes it.
pub fn registry_and_namespace(text: &str) -> Result<(RegistryAddress, Option<String>), NameError> {
    let (scheme, rest) = split_scheme(text);
    let rest = rest.trim_end_matches('/');
    let (host, namespace) = match rest.split_once('/') {
        Some((h, ns)) => (h, Some(ns.to_string())),
        None => (rest, None),
    };
    Ok((RegistryAddress::parse(&with_scheme(scheme, host))?, namespace))
}

fn with_scheme(scheme: Option<&str>, host: &str) -> String {
    match scheme {
        Some(s) => format!("{s}://{host}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_for_loopback_only() {
        for local in ["127.0.0.1:5000", "localhost:5000", "[::1]:5000", "http://127.0.0.2:80"] {
            assert!(RegistryAddress::parse(local).unwrap().plain_http, "{local}");
        }
        assert!(!RegistryAddress::parse("ghcr.io").unwrap().plain_http);
        assert!(!RegistryAddress::parse("https://127.0.0.1:5000").unwrap().plain_http);
        assert_eq!(
            RegistryAddress::parse("http://10.0.0.5:5000"),
            Err(NameError::PlainHttpOffLoopback("http://10.0.0.5:5000".into()))
        );
        assert!(RegistryAddress::parse("ftp://x").is_err());
        let e = RegistryAddress::parse("https://robot:hunter2@ghcr.io")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2") && e.contains("***@ghcr.io"), "{e}");
        let e = RegistryAddress::parse("http://robot:hunter2@10.0.0.5")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(RegistryAddress::parse("ghcr.io?token=x").is_err());
    }

    #[test]
    fn references_split_into_registry_repository_and_tag() {
        let r = ModuleRef::parse("127.0.0.1:5000/acme/thermometer:1.2.0").unwrap();
        assert_eq!(r.registry.host, "127.0.0.1:5000");
        assert_eq!(r.repository, "acme/thermometer");
        assert_eq!(r.tag.as_deref(), Some("1.2.0"));
        let r = ModuleRef::parse("https://ghcr.io/acme/tools/gps").unwrap();
        assert_eq!((r.repository.as_str(), r.tag), ("acme/tools/gps", None));
        assert!(
            ModuleRef::parse("127.0.0.1:5000/thermometer").is_err(),
            "a namespace is needed"
        );
        assert!(ModuleRef::parse("127.0.0.1:5000/Acme/Thermo").is_err(), "uppercase");
        assert_eq!(module_repository("acme:thermometer").unwrap(), "acme/thermometer");
    }
}
