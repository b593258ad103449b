//! The browser's side of the gRPC port. One port serves HTTP/2 gRPC and,
//! over HTTP/1.1 or HTTP/2, gRPC-Web (the TypeScript SDK's browser
//! transport), with CORS for pages served elsewhere; and plain HTTP: the
//! control panel at `/`, `/metrics`, and the panel's JSON under
//! `/armature/`.

mod access;
pub mod inline;
mod json;
pub mod names;
pub mod native_first;
pub mod panel;
pub mod serve;
pub mod settings;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::grpc::auth::Auth;
use crate::grpc::host::Host;
use crate::observability::metrics::METRICS;
use access::{Challenge, refuse};

/// The headers a browser client must be allowed to read: gRPC-Web carries
/// the status in them when a call fails before any message.
const GRPC_HEADERS: [&str; 3] = ["grpc-status", "grpc-message", "grpc-status-details-bin"];

/// CORS for gRPC-Web and the JSON. An open machine (no API keys) answers
/// pages from loopback origins only: with CORS open to every origin, any
/// web site the robot's user visits could drive its motors through the
/// browser. With API keys on, every call needs a token, so any origin may ask.
pub fn cors(auth: &Arc<Auth>) -> CorsLayer {
    let auth = auth.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            auth.enabled() || origin.to_str().is_ok_and(crate::core::loopback::loopback_origin)
        }))
        .allow_methods([http::Method::GET, http::Method::POST, http::Method::OPTIONS])
        .allow_headers(tower_http::cors::AllowHeaders::mirror_request())
        .expose_headers(GRPC_HEADERS.map(header::HeaderName::from_static))
        .max_age(std::time::Duration::from_secs(600))
}

/// Refuses every request not addressed to a name the machine answers to
/// ([`names::AllowedNames`]): no page can drive the machine through a
/// domain name it rebound to the robot's address.
pub fn only_allowed_names(router: axum::Router, names: Arc<names::AllowedNames>) -> axum::Router {
    router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let names = names.clone();
            async move {
                // HTTP/2 carries the name in the URI (`:authority`), HTTP/1.1 in `Host`.
                let authority = request.uri().authority().map(|a| a.as_str().to_string()).or_else(|| {
                    request
                        .headers()
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .map(str::to_string)
                });
                if names.allows(authority.as_deref()) {
                    return next.run(request).await;
                }
                let why = if names.loopback_only() {
                    "this machine answers only requests addressed to localhost (or use API keys)\n"
                } else {
                    "this machine does not answer to that name: add it to network.allowed_hosts in its config\n"
                };
                (StatusCode::FORBIDDEN, why).into_response()
            }
        },
    ))
}

/// Adds the HTTP routes to the gRPC router. `panel` says whether the control
/// panel (and its JSON) is served; `/` answers 200 either way, as viam-agent
/// expects of a machine.
pub fn add_routes(router: axum::Router, host: &Host, panel: bool) -> axum::Router {
    let metrics_host = host.clone();
    let router = router.route(
        "/metrics",
        get(move |headers: HeaderMap, extensions: http::Extensions| {
            let host = metrics_host.clone();
            async move {
                if let Some(refused) = refuse(&host.auth, &headers, &extensions, Challenge::Basic) {
                    return refused;
                }
                METRICS.set_sessions(host.sessions.ids().len());
                (
                    [(
                        header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    {
                        let memory = crate::runtime::machine_memory::MACHINE_MEMORY.usage();
                        METRICS.render(memory.budget_bytes, memory.used_bytes)
                    },
                )
                    .into_response()
            }
        }),
    );
    if !panel {
        return router.route(
            "/",
            get(|| async { "armature: the control panel is off in this machine's config (\"panel\": false)\n" }),
        );
    }
    let router = match &host.inline {
        Some(inline) => inline::add_routes(router, inline.clone(), host.auth.clone()),
        None => router,
    };
    panel::add_routes(json::add_routes(router, host))
}
