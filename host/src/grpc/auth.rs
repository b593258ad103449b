//! API-key authentication, as viam-server does it: `proto.rpc.v1.AuthService
//! /Authenticate` trades an API key for an access token, and every other
//! call must carry `authorization: Bearer <token>`. With no keys configured
//! the server is open (the default, on loopback).
//!
//! Keys follow the applied config: a key removed or changed on reload stops
//! working at once, and so do the tokens it was traded for. Failed attempts
//! are throttled per peer ([`Throttle`]) and counted, not logged one by one.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tonic::{Request, Response, Status};

use crate::core::proto::proto::rpc::v1 as pb;
use crate::core::proto::proto::rpc::v1::auth_service_server::AuthService;
use crate::observability::metrics::METRICS;

/// How long an access token is honoured.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

pub struct Auth {
    /// Key id → key.
    keys: RwLock<BTreeMap<String, String>>,
    /// Whether `keys` has any: read by every call, so kept apart from the lock.
    on: AtomicBool,
    /// Token → (key id, expiry).
    tokens: Mutex<HashMap<String, (String, Instant)>>,
    throttle: Throttle,
}

impl Auth {
    pub fn new(keys: BTreeMap<String, String>) -> Arc<Self> {
        Arc::new(Self {
            on: AtomicBool::new(!keys.is_empty()),
            keys: RwLock::new(keys),
            tokens: Mutex::new(HashMap::new()),
            throttle: Throttle::default(),
        })
    }

    pub fn enabled(&self) -> bool {
        self.on.load(Ordering::Acquire)
    }

    fn keys(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, String>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts the keys of a newly applied config in force. Tokens traded for
    /// a key that is gone or changed are revoked; returns how many.
    pub fn set_keys(&self, keys: BTreeMap<String, String>) -> usize {
        let mut current = self.keys.write().unwrap_or_else(|e| e.into_inner());
        if *current == keys {
            return 0;
        }
        let mut tokens = self.tokens();
        let before = tokens.len();
        tokens.retain(|_, (id, _)| current.get(id).is_some_and(|old| keys.get(id) == Some(old)));
        let revoked = before - tokens.len();
        self.on.store(!keys.is_empty(), Ordering::Release);
        *current = keys;
        revoked
    }

    fn key_matches(&self, id: &str, key: &str) -> bool {
        self.keys().get(id).is_some_and(|k| same(k, key))
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn issue(&self, key_id: &str) -> String {
        let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let now = Instant::now();
        let mut tokens = self.tokens();
        tokens.retain(|_, (_, expiry)| *expiry > now);
        tokens.insert(token.clone(), (key_id.to_string(), now + TOKEN_LIFETIME));
        token
    }

    fn valid(&self, token: &str) -> bool {
        self.tokens()
            .get(token)
            .is_some_and(|(_, expiry)| *expiry > Instant::now())
    }

    /// Whether a plain HTTP request (`/metrics`, the panel's JSON) with this
    /// `Authorization` header may proceed: always when auth is off; else it
    /// must carry `Basic base64(key-id:key)` or a valid `Bearer` token.
    /// `peer` is throttled like Authenticate when it guesses keys.
    pub fn accepts_http(&self, authorization: Option<&str>, peer: Option<IpAddr>) -> bool {
        if !self.enabled() {
            return true;
        }
        let Some(value) = authorization else { return false };
        if let Some(token) = value.strip_prefix("Bearer ") {
            return self.valid(token);
        }
        let Some(encoded) = value.strip_prefix("Basic ") else {
            return false;
        };
        use base64::Engine as _;
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(pair) = std::str::from_utf8(&decoded) else {
            return false;
        };
        let Some((id, key)) = pair.split_once(':') else {
            return false;
        };
        if self.throttle.check(peer).is_err() {
            return false;
        }
        let ok = self.key_matches(id, key);
        if !ok {
            self.throttle.failed(peer, id);
        }
        ok
    }

    /// The check every guarded service runs before each call.
    pub fn check(self: &Arc<Self>) -> BearerCheck {
        BearerCheck(self.clone())
    }
}

/// Failed key checks per peer address: a token bucket of [`Throttle::BURST`]
/// attempts, refilled at one per [`Throttle::REFILL`]. A peer out of
/// attempts is refused before its key is looked at, so guessing runs at the
/// refill rate. Failures are counted in `armature_auth_failures_total` and
/// logged at most once a minute per peer.
#[derive(Default)]
pub struct Throttle {
    peers: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

struct Bucket {
    attempts: f64,
    at: Instant,
    /// Failures not yet logged, and when the last log line was written.
    unlogged: u64,
    logged_at: Option<Instant>,
}

impl Throttle {
    pub const BURST: f64 = 10.0;
    pub const REFILL: Duration = Duration::from_secs(1);
    /// Peers remembered at most; the fullest buckets are forgotten first.
    const MAX_PEERS: usize = 4096;
    const LOG_EVERY: Duration = Duration::from_secs(60);

    fn peers(&self) -> std::sync::MutexGuard<'_, HashMap<Option<IpAddr>, Bucket>> {
        self.peers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `peer` may try a key now; if not, how long until it may.
    pub fn check(&self, peer: Option<IpAddr>) -> Result<(), Duration> {
        let mut peers = self.peers();
        let Some(bucket) = peers.get_mut(&peer) else {
            return Ok(());
        };
        bucket.refill();
        if bucket.attempts >= 1.0 {
            return Ok(());
        }
        METRICS.auth_throttled();
        Err(Self::REFILL.mul_f64(1.0 - bucket.attempts))
    }

    /// Records a failed attempt by `peer` for key id `entity`.
    pub fn failed(&self, peer: Option<IpAddr>, entity: &str) {
        METRICS.auth_failed();
        let now = Instant::now();
        let mut peers = self.peers();
        if peers.len() >= Self::MAX_PEERS && !peers.contains_key(&peer) {
            peers.retain(|_, b| b.attempts < Self::BURST - 0.5);
            if peers.len() >= Self::MAX_PEERS {
                peers.clear();
            }
        }
        let bucket = peers.entry(peer).or_insert(Bucket {
            attempts: Self::BURST,
            at: now,
            unlogged: 0,
            logged_at: None,
        });
        bucket.refill();
        bucket.attempts = (bucket.attempts - 1.0).max(0.0);
        bucket.unlogged += 1;
        if bucket
            .logged_at
            .is_none_or(|t| now.duration_since(t) >= Self::LOG_EVERY)
        {
            let peer = peer.map_or_else(|| "an unknown peer".to_string(), |p| p.to_string());
            // `entity` comes from the network: Debug-quoted, so that a
            // newline or a terminal escape in it cannot forge a log line.
            tracing::warn!(
                %peer,
                key_id = ?entity,
                failures = bucket.unlogged,
                "authentication failed (logged at most once a minute per peer; armature_auth_failures_total counts all)"
            );
            bucket.unlogged = 0;
            bucket.logged_at = Some(now);
        }
    }
}

impl Bucket {
    fn refill(&mut self) {
        let now = Instant::now();
        let earned = now.duration_since(self.at).as_secs_f64() / Throttle::REFILL.as_secs_f64();
        self.attempts = (self.attempts + earned).min(Throttle::BURST);
        self.at = now;
    }
}

/// Compares without an early exit, so that timing does not leak the key.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses calls without a valid bearer token (when auth is on).
#[derive(Clone)]
pub struct BearerCheck(Arc<Auth>);

impl tonic::service::Interceptor for BearerCheck {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        if !self.0.enabled() {
            return Ok(request);
        }
        let token = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match token {
            Some(t) if self.0.valid(t) => Ok(request),
            _ => Err(Status::unauthenticated("authentication required")),
        }
    }
}

pub struct AuthApi(pub Arc<Auth>);

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn authenticate(
        &self,
        request: Request<pb::AuthenticateRequest>,
    ) -> Result<Response<pb::AuthenticateResponse>, Status> {
        if !self.0.enabled() {
            return Err(Status::unimplemented("this machine has no auth handlers"));
        }
        let peer = request.remote_addr().map(|a| a.ip());
        let r = request.into_inner();
        if !self.0.enabled() {
            return Err(Status::unimplemented("this machine has no auth handlers"));
        }
        if let Err(wait) = self.0.throttle.check(peer) {
            return Err(Status::resource_exhausted(format!(
                "too many failed authentications from this address: try again in {} s",
                wait.as_secs().max(1)
            )));
        }
        let credentials = r.credentials.unwrap_or_default();
        if credentials.r#type != "api-key" {
            return Err(Status::invalid_argument(format!(
                "credential type {:?} is not supported (use \"api-key\")",
                credentials.r#type
            )));
        }
        if self.0.key_matches(&r.entity, &credentials.payload) {
            tracing::debug!(key_id = ?r.entity, "authenticated");
            Ok(Response::new(pb::AuthenticateResponse {
                access_token: self.0.issue(&r.entity),
            }))
        } else {
            self.0.throttle.failed(peer, &r.entity);
            Err(Status::unauthenticated("invalid API key id or key"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_issued_for_keys_and_checked() {
        let auth = Auth::new([("id1".to_string(), "secret".to_string())].into());
        let token = auth.issue("id1");
        assert!(auth.valid(&token));
        assert!(!auth.valid("nope"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn http_requests_need_a_key_or_a_token_when_auth_is_on() {
        use base64::Engine as _;
        let basic = |s: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(s));
        assert!(Auth::new(Default::default()).accepts_http(None, None), "open machine");
        let auth = Auth::new([("id1".to_string(), "secret".to_string())].into());
        assert!(!auth.accepts_http(None, None));
        assert!(auth.accepts_http(Some(&basic("id1:secret")), None));
        assert!(!auth.accepts_http(Some(&basic("id1:wrong")), None));
        assert!(!auth.accepts_http(Some(&basic("id2:secret")), None));
        assert!(!auth.accepts_http(Some("Basic %%%"), None));
        let token = auth.issue("id1");
        assert!(auth.accepts_http(Some(&format!("Bearer {token}")), None));
        assert!(!auth.accepts_http(Some("Bearer nope"), None));
    }

    #[test]
    fn a_changed_or_removed_key_revokes_its_tokens() {
        let auth = Auth::new([("a".to_string(), "1".to_string()), ("b".to_string(), "2".to_string())].into());
        let (ta, tb) = (auth.issue("a"), auth.issue("b"));
        assert_eq!(
            auth.set_keys([("a".to_string(), "1".to_string()), ("b".to_string(), "3".to_string())].into()),
            1
        );
        assert!(auth.valid(&ta) && !auth.valid(&tb));
        assert!(auth.key_matches("b", "3") && !auth.key_matches("b", "2"));
        assert_eq!(auth.set_keys(Default::default()), 1);
        assert!(!auth.valid(&ta) && !auth.enabled());
    }

    #[test]
    fn a_peer_out_of_attempts_waits_for_the_refill() {
        let throttle = Throttle::default();
        let peer = Some(IpAddr::from([127, 0, 0, 9]));
        for _ in 0..Throttle::BURST as usize {
            assert!(throttle.check(peer).is_ok());
            throttle.failed(peer, "x\n\u{1b}[2J");
        }
        assert!(throttle.check(peer).is_err(), "the burst is spent");
        assert!(
            throttle.check(Some(IpAddr::from([127, 0, 0, 10]))).is_ok(),
            "other peers are not held up"
        );
    }
}
