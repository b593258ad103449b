//! The panel's JSON: what the robot API has no call for — the modules in
//! use with their versions and models, and the latest log lines.

use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde_json::{Value, json};

use crate::grpc::host::Host;
use crate::observability::log_buffer::LOGS;

/// At most this many lines per answer.
const MAX_LINES: usize = 500;

#[derive(serde::Deserialize)]
struct LogQuery {
    /// Lines numbered after this one.
    #[serde(default)]
    after: u64,
    resource: Option<String>,
}

pub fn add_routes(router: axum::Router, host: &Host) -> axum::Router {
    let for_modules = host.clone();
    let for_logs = host.clone();
    router
        .route(
            "/armature/modules",
            get(move |headers: HeaderMap, extensions: http::Extensions| {
                let host = for_modules.clone();
                async move {
                    match super::access::refuse(&host.auth, &headers, &extensions, super::access::Challenge::None) {
                        Some(refused) => refused,
                        None => Json(modules(&host)).into_response(),
                    }
                }
            }),
        )
        .route(
            "/armature/logs",
            get(
                move |headers: HeaderMap, extensions: http::Extensions, Query(q): Query<LogQuery>| {
                    let host = for_logs.clone();
                    async move {
                        if let Some(refused) =
                            super::access::refuse(&host.auth, &headers, &extensions, super::access::Challenge::None)
                        {
                            return refused;
                        }
                        let (lines, last) = LOGS.since(q.after, q.resource.as_deref(), MAX_LINES);
                        // The number the next line will have: ask with `after = next - 1`.
                        let next = lines.last().map_or(last, |l| l.seq) + 1;
                        Json(json!({ "lines": lines, "next": next })).into_response()
                    }
                },
            ),
        )
}

/// Every loaded module, then the host's built-in models as module `builtin`.
fn modules(host: &Host) -> Value {
    let info = host.machine.info();
    let config = host.machine.applied_config();
    let mut modules: Vec<Value> = info
        .modules
        .iter()
        .map(|m| {
            let inline = config.modules.iter().any(|e| e.inline && e.name == m.name);
            let kind = if inline {
                "inline"
            } else if m.source.is_some() {
                "registry"
            } else {
                "file"
            };
            json!({
                "name": m.name,
                "kind": kind,
                "version": m.version,
                "file": m.path.display().to_string(),
                "source": m.source.as_ref().map(|s| json!({
                    "reference": s.reference, "version": s.spec, "digest": s.digest, "error": s.error,
                })),
                "models": m.models.iter().map(|(api, model)| json!({"api": api.to_string(), "model": model})).collect::<Vec<_>>(),
            })
        })
        .collect();
    modules.push(json!({
        "name": crate::resources::native::MODULE,
        "kind": "builtin",
        "version": env!("CARGO_PKG_VERSION"),
        "file": null,
        "models": crate::builtin::MODELS.iter().map(|m| json!({"api": m.api, "model": m.model})).collect::<Vec<_>>(),
    }));
    json!({ "modules": modules, "errors": info.module_errors })
}
