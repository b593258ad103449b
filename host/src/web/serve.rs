//! The listener: every service of the machine on one port, gRPC natively
//! and, for browsers, gRPC-Web and the plain HTTP of this folder.

use std::sync::Arc;

use anyhow::Context;
use tokio_stream::wrappers::UnixListenerStream;

use crate::grpc::connections;
use crate::grpc::host::Host;
use crate::grpc::listen::Listener;
use crate::grpc::routes::routes;

/// Serves every service on `listener` until `shutdown` fires: gRPC, and on
/// the same port gRPC-Web and the plain HTTP of [`crate::web`] (the control
/// panel only when `panel`), answering browsers only by the names in `names`.
pub async fn serve(
    host: Host,
    listener: Listener,
    tls: Option<tonic::transport::Identity>,
    panel: bool,
    names: Arc<crate::web::names::AllowedNames>,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let mut server = tonic::transport::Server::builder()
        // A live client answers pings, which keeps its connection active
        // (grpc/connections.rs); a dead one is closed.
        .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(std::time::Duration::from_secs(10)));
    if let Some(identity) = tls {
        server = server
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .context("configuring TLS")?;
    }
    // gRPC-Web wraps the gRPC services only: it answers every other HTTP/1.1
    // request 400, so the plain HTTP routes are added after it (axum layers
    // apply to the routes added before).
    // The browser's stack: gRPC-Web, the panel's routes, the check of the
    // name a request was sent to, and CORS outermost, so that preflights
    // are answered before anything else looks at the request.
    let grpc_web = routes(&host)?.into_axum_router().layer(tonic_web::GrpcWebLayer::new());
    let web = crate::web::add_routes(grpc_web, &host, panel);
    let web = crate::web::only_allowed_names(web, names.clone());
    let web = tower::ServiceBuilder::new()
        .map_response(|r: http::Response<axum::body::Body>| r.map(tonic::body::Body::new))
        .layer(crate::web::cors(&host.auth))
        .service(web);
    // Native gRPC skips all of it (web/native_first.rs); HTTP/1.1 is for browsers.
    let router = server
        .accept_http1(true)
        .layer(crate::web::native_first::NativeFirstLayer::new(
            tower::util::BoxCloneSyncService::new(web),
            names,
        ))
        .add_routes(routes(&host)?);
    match listener {
        Listener::Tcp(l) => {
            let incoming = connections::incoming(l, connections::Limits::for_this_process());
            router.serve_with_incoming_shutdown(incoming, shutdown).await?;
        }
        Listener::Unix { listener, path } => {
            let served = router
                .serve_with_incoming_shutdown(UnixListenerStream::new(listener), shutdown)
                .await;
            let _ = std::fs::remove_file(&path);
            served?;
        }
    }
    Ok(())
}

/// Binds a TCP address (`localhost:8080`) or a Unix socket (`unix:PATH`).
pub async fn bind(addr: &str) -> anyhow::Result<(Listener, String)> {
    Listener::bind(addr).await
}
