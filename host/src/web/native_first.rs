//! Native gRPC straight to the services; everything else through the web
//! stack.
//!
//! The browser's side of the port (gRPC-Web, CORS, the panel's routes, the
//! loopback-name check) is a stack of layers, and every request used to pass
//! through all of them: boxed futures, header maps copied and extended, CORS
//! `Vary` headers on every answer, two routers. A native gRPC call — HTTP/2,
//! `application/grpc`, no `Origin` (browsers send one with every POST, and
//! cannot speak native gRPC anyway) — needs none of it, and is most of the
//! traffic. It goes straight to the services, after the one check that does
//! apply to it: on an open loopback machine, the name it was addressed to.
//! Anything else, or a native call addressed to another name (which the web
//! stack then refuses, as before), takes the web stack.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::{BoxFuture, Either};
use http::{Request, Response, Version, header};
use tonic::body::Body;
use tower::{Layer, Service};

use super::names::AllowedNames;

/// The web stack, boxed: its type is long, and only the browser's requests
/// pay for the box.
pub type WebService = tower::util::BoxCloneSyncService<Request<Body>, Response<Body>, Infallible>;

#[derive(Clone)]
pub struct NativeFirstLayer {
    web: WebService,
    /// Says whether requests must be addressed to a loopback name.
    names: Arc<AllowedNames>,
}

impl NativeFirstLayer {
    pub fn new(web: WebService, names: Arc<AllowedNames>) -> Self {
        Self { web, names }
    }
}

impl<S> Layer<S> for NativeFirstLayer {
    type Service = NativeFirst<S>;

    fn layer(&self, native: S) -> NativeFirst<S> {
        NativeFirst {
            native,
            web: self.web.clone(),
            names: self.names.clone(),
        }
    }
}

#[derive(Clone)]
pub struct NativeFirst<S> {
    native: S,
    web: WebService,
    names: Arc<AllowedNames>,
}

impl<S> Service<Request<Body>> for NativeFirst<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response<Body>, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Either may take the request, so both must be ready (both are
        // routers, always ready; this keeps the contract if that changes).
        match (self.native.poll_ready(cx), self.web.poll_ready(cx)) {
            (Poll::Ready(Ok(())), Poll::Ready(Ok(()))) => Poll::Ready(Ok(())),
            _ => Poll::Pending,
        }
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if is_native_grpc(&request) && (!self.names.loopback_only() || addressed_to_loopback(&request)) {
            Either::Left(self.native.call(request))
        } else {
            Either::Right(self.web.call(request))
        }
    }
}

/// HTTP/2, `application/grpc[+proto]`, and not from a browser.
fn is_native_grpc<B>(request: &Request<B>) -> bool {
    request.version() == Version::HTTP_2
        && !request.headers().contains_key(header::ORIGIN)
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/grpc") && !ct.starts_with("application/grpc-web"))
}

/// Whether the request names a loopback host (`:authority` in HTTP/2).
fn addressed_to_loopback<B>(request: &Request<B>) -> bool {
    let authority = request
        .uri()
        .authority()
        .map(|a| a.as_str())
        .or_else(|| request.headers().get(header::HOST).and_then(|h| h.to_str().ok()));
    authority.is_some_and(crate::core::loopback::loopback_authority)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(version: Version, content_type: &str, origin: Option<&str>, uri: &str) -> Request<()> {
        let mut r = Request::builder()
            .version(version)
            .uri(uri)
            .header(header::CONTENT_TYPE, content_type);
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        r.body(()).unwrap()
    }

    #[test]
    fn only_native_grpc_without_an_origin_takes_the_short_way() {
        let uri = "http://127.0.0.1:8080/viam.component.sensor.v1.SensorService/GetReadings";
        assert!(is_native_grpc(&request(Version::HTTP_2, "application/grpc", None, uri)));
        assert!(is_native_grpc(&request(
            Version::HTTP_2,
            "application/grpc+proto",
            None,
            uri
        )));
        assert!(!is_native_grpc(&request(
            Version::HTTP_2,
            "application/grpc-web+proto",
            None,
            uri
        )));
        assert!(!is_native_grpc(&request(
            Version::HTTP_11,
            "application/grpc",
            None,
            uri
        )));
        assert!(!is_native_grpc(&request(
            Version::HTTP_2,
            "application/grpc",
            Some("http://localhost:5173"),
            uri
        )));
        assert!(!is_native_grpc(&request(Version::HTTP_2, "text/html", None, uri)));
    }

    #[test]
    fn the_name_it_was_sent_to_is_checked() {
        let native = |uri| request(Version::HTTP_2, "application/grpc", None, uri);
        assert!(addressed_to_loopback(&native("http://localhost:8080/x")));
        assert!(addressed_to_loopback(&native("http://[::1]:8080/x")));
        assert!(!addressed_to_loopback(&native("http://rebound.example.com:8080/x")));
        assert!(!addressed_to_loopback(&native("/x")), "no name at all");
    }
}
