//! Who may use the plain HTTP side: API keys (or a token) when keys are on,
//! and the client's address, which the loopback rules need.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::grpc::auth::Auth;

/// With API keys configured, plain HTTP needs them too: the panel's JSON
/// holds the machine's logs. Accepted: `Basic base64(key-id:key)` (what a
/// browser form or a Prometheus `basic_auth` sends) or a bearer token from
/// `AuthService/Authenticate`.
pub(super) fn refuse(
    auth: &Auth,
    headers: &HeaderMap,
    extensions: &http::Extensions,
    challenge: Challenge,
) -> Option<Response> {
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if auth.accepts_http(given, peer(extensions).map(|p| p.ip())) {
        return None;
    }
    let body = "an API key is required\n";
    Some(match challenge {
        Challenge::Basic => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"armature\"")],
            body,
        )
            .into_response(),
        Challenge::None => (StatusCode::UNAUTHORIZED, body).into_response(),
    })
}

/// The address of the client a request came from: tonic's server puts it
/// into every request it serves (through TLS too).
pub fn peer(extensions: &http::Extensions) -> Option<std::net::SocketAddr> {
    use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
    extensions
        .get::<TcpConnectInfo>()
        .and_then(TcpConnectInfo::remote_addr)
        .or_else(|| {
            extensions
                .get::<TlsConnectInfo<TcpConnectInfo>>()
                .and_then(|t| t.get_ref().remote_addr())
        })
}

/// Whether a refusal invites the browser's own login dialog: right for
/// `/metrics` opened by hand, wrong for the panel's requests, which have
/// their own form.
#[derive(Clone, Copy)]
pub(super) enum Challenge {
    Basic,
    None,
}
