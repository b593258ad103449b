//! Whether an address names this machine's loopback: browsers' origins and
//! authorities, for the server's checks and the CLI's.

/// `http://localhost:5173`, `http://127.0.0.1:8080`, `https://[::1]`, ...
pub fn loopback_origin(origin: &str) -> bool {
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| loopback_authority(authority))
}

/// `localhost:8080`, `127.0.0.1`, `[::1]:8080`, `app.localhost`, ...
pub fn loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_origins_count_as_loopback() {
        for o in [
            "http://localhost:5173",
            "http://127.0.0.1:8080",
            "https://[::1]:8080",
            "http://app.localhost",
        ] {
            assert!(loopback_origin(o), "{o}");
        }
        for o in [
            "http://example.com",
            "http://localhost.evil.com",
            "http://10.0.0.2:8080",
            "null",
            "http://[fe80::1]",
        ] {
            assert!(!loopback_origin(o), "{o}");
        }
    }
}
