//! The control panel: the single-page app under `panel/`, built by
//! `build.rs` with Vite and embedded in the binary, served at `/`.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

mod embedded {
    // `ASSETS: &[(&str, &[u8])]`: each built file, by its path under the
    // site root, and `BUILT: Result<(), &str>` (why the panel is missing).
    include!(concat!(env!("OUT_DIR"), "/panel_assets.rs"));
}

/// Why this binary has no panel (npm was missing when it was built), if so.
pub fn missing() -> Option<&'static str> {
    embedded::BUILT.err()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json" | "map") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// One route per embedded file (no catch-all, which would shadow the gRPC
/// services' paths), and `/` for `index.html`.
pub fn add_routes(mut router: axum::Router) -> axum::Router {
    if let Some(why) = missing() {
        tracing::warn!("this build has no control panel: {why}");
        let page = format!("armature: this build has no control panel ({why})\n");
        return router.route("/", get(move || async move { page }));
    }
    for &(path, bytes) in embedded::ASSETS {
        // Vite names files under assets/ by content hash: they never change.
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let handler = get(move || async move {
            (
                [
                    (header::CONTENT_TYPE, content_type(path)),
                    (header::CACHE_CONTROL, cache),
                ],
                bytes,
            )
                .into_response()
        });
        if path == "index.html" {
            router = router.route("/", handler.clone());
        }
        router = router.route(&format!("/{path}"), handler);
    }
    router
}
