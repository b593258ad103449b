//! API-key authentication, as viam-server does it: `proto.rpc.v1.AuthService
//! /Authenticate` trades an API key for an access token, and every other
//! call must carry `authorization: Bearer <token>`. With no keys configured
//! the server is open (the default, on loopback).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tonic::{Request, Response, Status};

use crate::grpc::proto::proto::rpc::v1 as pb;
use crate::grpc::proto::proto::rpc::v1::auth_service_server::AuthService;

/// How long an access token is honoured.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

pub struct Auth {
    /// Key id → key.
    keys: BTreeMap<String, String>,
    /// Token → (key id, expiry).
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

impl Auth {
    pub fn new(keys: BTreeMap<String, String>) -> Arc<Self> {
        Arc::new(Self {
            keys,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn enabled(&self) -> bool {
        !self.keys.is_empty()
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
    pub fn accepts_http(&self, authorization: Option<&str>) -> bool {
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
        self.keys.get(id).is_some_and(|k| same(k, key))
    }

    /// The check every guarded service runs before each call.
    pub fn check(self: &Arc<Self>) -> BearerCheck {
        BearerCheck(self.clone())
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
        let r = request.into_inner();
        if !self.0.enabled() {
            return Err(Status::unimplemented("this machine has no auth handlers"));
        }
        let credentials = r.credentials.unwrap_or_default();
        if credentials.r#type != "api-key" {
            return Err(Status::invalid_argument(format!(
                "credential type {:?} is not supported (use \"api-key\")",
                credentials.r#type
            )));
        }
        match self.0.keys.get(&r.entity) {
            Some(key) if same(key, &credentials.payload) => {
                tracing::info!(key_id = %r.entity, "authenticated");
                Ok(Response::new(pb::AuthenticateResponse {
                    access_token: self.0.issue(&r.entity),
                }))
            }
            _ => {
                tracing::warn!(key_id = %r.entity, "authentication failed");
                Err(Status::unauthenticated("invalid API key id or key"))
            }
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
        assert!(Auth::new(Default::default()).accepts_http(None), "open machine");
        let auth = Auth::new([("id1".to_string(), "secret".to_string())].into());
        assert!(!auth.accepts_http(None));
        assert!(auth.accepts_http(Some(&basic("id1:secret"))));
        assert!(!auth.accepts_http(Some(&basic("id1:wrong"))));
        assert!(!auth.accepts_http(Some(&basic("id2:secret"))));
        assert!(!auth.accepts_http(Some("Basic %%%")));
        let token = auth.issue("id1");
        assert!(auth.accepts_http(Some(&format!("Bearer {token}"))));
        assert!(!auth.accepts_http(Some("Bearer nope")));
    }
}
