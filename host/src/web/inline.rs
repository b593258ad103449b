//! The HTTP side of inline modules, under `/armature/inline/`, and the
//! panel's "add resource" (`POST /armature/config/resources`). Served only
//! where the panel is. Who may call it (the guard below):
//! - with API keys on: every request carries a key (HTTP Basic or a bearer
//!   token), whatever its origin, as for the rest of the panel's JSON;
//! - on an open machine: only a client on this machine (loopback peer),
//!   addressing it by a loopback name (no DNS rebinding), from a page of a
//!   loopback origin if from a page at all; and a change must be sent as
//!   `application/json`, which a page elsewhere cannot send without a CORS
//!   preflight that it would fail.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::edit;
use crate::grpc::auth::Auth;
use crate::inline::deploy::DeployError;
use crate::inline::{Inline, templates};

#[derive(Clone)]
struct Ctx {
    inline: Arc<Inline>,
    auth: Arc<Auth>,
}

pub fn add_routes(router: axum::Router, inline: Arc<Inline>, auth: Arc<Auth>) -> axum::Router {
    let ctx = Ctx { inline, auth };
    let routes = axum::Router::new()
        .route("/armature/inline", get(list))
        .route("/armature/inline/templates/{id}", get(template))
        .route("/armature/inline/{name}/source", get(source))
        .route("/armature/inline/{name}/deploy", post(deploy).get(last_deploy))
        .route("/armature/inline/{name}/rollback", post(rollback))
        .route("/armature/config/resources", post(add_resource))
        .layer(axum::middleware::from_fn_with_state(ctx.clone(), guard))
        .with_state(ctx);
    router.merge(routes)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Why a request may not touch inline modules, if it may not.
pub fn refusal(
    auth: &Auth,
    method: &Method,
    headers: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> Option<(StatusCode, String)> {
    if auth.enabled() {
        let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        return (!auth.accepts_http(given, peer.map(|p| p.ip())))
            .then(|| (StatusCode::UNAUTHORIZED, "an API key is required".into()));
    }
    let forbidden = |why: &str| Some((StatusCode::FORBIDDEN, format!("{why} (or turn API keys on)")));
    if !peer.is_some_and(|p| p.ip().is_loopback()) {
        return forbidden("on an open machine, inline modules answer only clients on this machine");
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(crate::core::loopback::loopback_authority) {
        return forbidden("on an open machine, inline modules answer only requests addressed to localhost");
    }
    if let Some(origin) = headers.get(header::ORIGIN)
        && !origin.to_str().is_ok_and(crate::core::loopback::loopback_origin)
    {
        return forbidden("on an open machine, inline modules answer only pages served from localhost");
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if *method == Method::POST && !json {
        return Some((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json".into(),
        ));
    }
    None
}

async fn guard(State(ctx): State<Ctx>, request: Request, next: Next) -> Response {
    // tonic's server puts the peer into every request it serves.
    let peer = crate::web::access::peer(request.extensions());
    // HTTP/2 carries the name in `:authority`; make it look like HTTP/1.1's `Host`.
    let mut headers = request.headers().clone();
    if let Some(authority) = request.uri().authority()
        && let Ok(value) = authority.as_str().parse()
    {
        headers.insert(header::HOST, value);
    }
    match refusal(&ctx.auth, request.method(), &headers, peer) {
        Some((status, why)) => {
            tracing::warn!(path = %request.uri().path(), ?peer, "inline request refused: {why}");
            error(status, why)
        }
        None => next.run(request).await,
    }
}

async fn list(State(ctx): State<Ctx>) -> Response {
    let inline = &ctx.inline;
    let config = inline.machine.applied_config();
    let info = inline.machine.info();
    let names = match inline.store.modules() {
        Ok(names) => names,
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("reading the inline store: {e}"),
            );
        }
    };
    let mut names: std::collections::BTreeSet<String> = names.into_iter().collect();
    names.extend(config.modules.iter().filter(|m| m.inline).map(|m| m.name.clone()));
    let modules: Vec<Value> = names
        .iter()
        .map(|name| {
            let entry = config.modules.iter().find(|m| m.inline && &m.name == name);
            let loaded = info.modules.iter().find(|m| &m.name == name);
            json!({
                "name": name,
                "versions": inline.store.history(name).unwrap_or_default(),
                "in_config": entry.is_some(),
                "pinned": entry.and_then(|e| e.version.as_ref()).map(|v| v.to_string().trim_start_matches('=').to_string()),
                "serving": loaded.map(|m| m.version.clone()),
                "models": loaded.map(|m| m.models.iter().map(|(api, model)| json!({"api": api.to_string(), "model": model})).collect::<Vec<_>>()).unwrap_or_default(),
                "deploy": inline.last_deploy(name),
            })
        })
        .collect();
    let templates: Vec<Value> = templates::TEMPLATES
        .iter()
        .map(|t| json!({ "id": t.id, "title": t.title }))
        .collect();
    Json(json!({
        "modules": modules,
        "templates": templates,
        "config_editable": inline.config_file.is_some(),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct TemplateQuery {
    module: String,
}

async fn template(Path(id): Path<String>, Query(q): Query<TemplateQuery>) -> Response {
    if let Err(why) = crate::core::names::check_inline_module_name(&q.module) {
        return error(StatusCode::BAD_REQUEST, why);
    }
    match templates::find(&id) {
        Some(t) => Json(json!({ "source": t.source_for(&q.module) })).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no template {id:?}")),
    }
}

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<String>,
}

async fn source(State(ctx): State<Ctx>, Path(name): Path<String>, Query(q): Query<VersionQuery>) -> Response {
    if let Err(why) = crate::core::names::check_inline_module_name(&name) {
        return error(StatusCode::BAD_REQUEST, why);
    }
    let store = &ctx.inline.store;
    let version = match q.version.as_deref() {
        Some(v) => match semver::Version::parse(v) {
            Ok(v) => v,
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("{v:?} is not a version: {e}")),
        },
        None => match store.versions(&name).ok().and_then(|mut v| v.pop()) {
            Some(v) => v,
            None => return error(StatusCode::NOT_FOUND, format!("inline module {name:?} has no version")),
        },
    };
    match store.source(&name, &version) {
        Ok(source) => Json(json!({ "version": version.to_string(), "source": source })).into_response(),
        Err(_) => error(
            StatusCode::NOT_FOUND,
            format!("inline module {name:?} has no version {version}"),
        ),
    }
}

#[derive(Deserialize)]
struct DeployBody {
    source: String,
    /// Answer when the deploy is done, not when it starts.
    #[serde(default)]
    wait: bool,
}

#[derive(Deserialize)]
struct RollbackBody {
    version: String,
    #[serde(default)]
    wait: bool,
}

async fn deploy(State(ctx): State<Ctx>, Path(name): Path<String>, Json(body): Json<DeployBody>) -> Response {
    started(ctx.inline.deploy(&name, body.source, None), body.wait).await
}

async fn rollback(State(ctx): State<Ctx>, Path(name): Path<String>, Json(body): Json<RollbackBody>) -> Response {
    let version = match semver::Version::parse(&body.version) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("{:?} is not a version: {e}", body.version),
            );
        }
    };
    started(ctx.inline.rollback(&name, &version), body.wait).await
}

async fn started(
    result: Result<
        (
            crate::inline::DeployStatus,
            tokio::task::JoinHandle<crate::inline::DeployStatus>,
        ),
        DeployError,
    >,
    wait: bool,
) -> Response {
    match result {
        Ok((_, task)) if wait => match task.await {
            Ok(done) => Json(done).into_response(),
            Err(e) => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the deploy did not finish: {e}"),
            ),
        },
        Ok((first, _)) => (StatusCode::ACCEPTED, Json(first)).into_response(),
        Err(e @ DeployError::BadRequest(_)) => error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e @ DeployError::Busy(_)) => error(StatusCode::CONFLICT, e.to_string()),
        Err(e @ DeployError::NotFound(_)) => error(StatusCode::NOT_FOUND, e.to_string()),
    }
}

async fn last_deploy(State(ctx): State<Ctx>, Path(name): Path<String>) -> Response {
    match ctx.inline.last_deploy(&name) {
        Some(status) => Json(status).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no deploy of {name:?} since the host started"),
        ),
    }
}

/// A resource entry for the config's `components` or `services`.
#[derive(Deserialize)]
struct NewResource {
    name: String,
    api: String,
    model: String,
    #[serde(default)]
    attributes: serde_json::Map<String, Value>,
    #[serde(default)]
    depends_on: Vec<String>,
}

async fn add_resource(State(ctx): State<Ctx>, Json(body): Json<NewResource>) -> Response {
    let inline = &ctx.inline;
    let Some(file) = &inline.config_file else {
        return error(
            StatusCode::CONFLICT,
            "this machine's config comes from its fleet: add the resource there",
        );
    };
    let list = if body.api.split(':').nth(1) == Some("service") {
        "services"
    } else {
        "components"
    };
    let mut entry = json!({ "name": body.name, "api": body.api, "model": body.model, "attributes": body.attributes });
    if !body.depends_on.is_empty() {
        entry["depends_on"] = json!(body.depends_on);
    }
    // Serialized with deploys, from the read to the write: both edit the
    // same file, and neither may write over what the other added.
    let _one_at_a_time = inline.deploying.lock().await;
    let _no_reload_between = inline.machine.edit_config().await;
    let edited = match edit::edit(file, |o| edit::push(o, list, entry)) {
        Ok(edited) => edited,
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    if let Err(problems) = inline.machine.apply(edited.config).await {
        return error(StatusCode::BAD_REQUEST, problems.join("\n"));
    }
    if let Err(e) = edit::write(file, &edited.text) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, format!("{}: {e}", file.display()));
    }
    let status = crate::config::Api::parse(&body.api)
        .ok()
        .and_then(|api| crate::core::api::ApiKind::of(&api))
        .and_then(|kind| inline.machine.lookup(kind, &body.name))
        .map(|slot| slot.status());
    Json(json!({
        "added": body.name,
        "state": status.as_ref().map(|s| format!("{:?}", s.state).to_lowercase()),
        "error": status.and_then(|s| s.error),
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), v.parse().unwrap());
        }
        h
    }

    const LOCAL: Option<std::net::SocketAddr> = Some(std::net::SocketAddr::new(
        std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        50000,
    ));

    #[test]
    fn an_open_machine_answers_local_json_only() {
        let open = Auth::new(Default::default());
        let json = [
            (header::HOST, "localhost:8080"),
            (header::CONTENT_TYPE, "application/json"),
        ];
        assert!(refusal(&open, &Method::POST, &headers(&json), LOCAL).is_none());
        let remote = Some("10.0.0.7:4000".parse().unwrap());
        assert_eq!(
            refusal(&open, &Method::GET, &headers(&json), remote).unwrap().0,
            StatusCode::FORBIDDEN
        );
        let rebound = [
            (header::HOST, "evil.example:8080"),
            (header::CONTENT_TYPE, "application/json"),
        ];
        assert_eq!(
            refusal(&open, &Method::POST, &headers(&rebound), LOCAL).unwrap().0,
            StatusCode::FORBIDDEN
        );
        let cross = [
            (header::HOST, "localhost:8080"),
            (header::ORIGIN, "https://evil.example"),
            (header::CONTENT_TYPE, "application/json"),
        ];
        assert_eq!(
            refusal(&open, &Method::POST, &headers(&cross), LOCAL).unwrap().0,
            StatusCode::FORBIDDEN
        );
        let form = [(header::HOST, "localhost:8080"), (header::CONTENT_TYPE, "text/plain")];
        assert_eq!(
            refusal(&open, &Method::POST, &headers(&form), LOCAL).unwrap().0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert!(refusal(&open, &Method::GET, &headers(&form), LOCAL).is_none());
    }

    #[test]
    fn with_keys_every_request_needs_one() {
        let keys = Auth::new([("id".to_string(), "secret".to_string())].into());
        let anywhere = [
            (header::HOST, "robot.example:8080"),
            (header::ORIGIN, "https://app.example"),
        ];
        let remote = Some("10.0.0.7:4000".parse().unwrap());
        assert_eq!(
            refusal(&keys, &Method::GET, &headers(&anywhere), remote).unwrap().0,
            StatusCode::UNAUTHORIZED
        );
        use base64::Engine as _;
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("id:secret")
        );
        let mut with_key = headers(&anywhere);
        with_key.insert(header::AUTHORIZATION, basic.parse().unwrap());
        assert!(refusal(&keys, &Method::GET, &with_key, remote).is_none());
    }
}
