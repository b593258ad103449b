//! Serves a service from its table of methods (`core::proto::encoded`): one tower
//! service for every API, so that tonic's server code is compiled once, not
//! once per method as its generated servers do.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use prost::bytes::Bytes;
use tonic::server::{Grpc, ServerStreamingService, UnaryService};
use tonic::{Request, Status};

use crate::core::proto::encoded::{self, Encoded, Method};

type UnaryFn = Arc<dyn Fn(Request<Bytes>) -> encoded::Unary + Send + Sync>;
type StreamingFn = Arc<dyn Fn(Request<Bytes>) -> encoded::ServerStreaming + Send + Sync>;

#[derive(Clone)]
enum Handler {
    Unary(UnaryFn),
    ServerStreaming(StreamingFn),
}

/// One gRPC service, served at `/{name}/{method}`.
#[derive(Clone)]
pub struct EncodedService {
    name: &'static str,
    methods: Arc<HashMap<&'static str, Handler>>,
}

impl EncodedService {
    /// `service`'s methods, answered by `inner`.
    pub fn new<T: Send + Sync + 'static>(service: encoded::Service<T>, inner: T) -> Self {
        let inner = Arc::new(inner);
        let methods = service
            .methods
            .into_iter()
            .map(|(name, method)| {
                let inner = inner.clone();
                let handler = match method {
                    Method::Unary(f) => Handler::Unary(Arc::new(move |r| f(inner.clone(), r))),
                    Method::ServerStreaming(f) => Handler::ServerStreaming(Arc::new(move |r| f(inner.clone(), r))),
                };
                (name, handler)
            })
            .collect();
        Self {
            name: service.name,
            methods: Arc::new(methods),
        }
    }

    /// The service's full name (`viam.component.arm.v1.ArmService`).
    pub fn name(&self) -> &'static str {
        self.name
    }
}

struct UnaryCall(UnaryFn);

impl UnaryService<Bytes> for UnaryCall {
    type Response = Bytes;
    type Future = encoded::Unary;

    fn call(&mut self, request: Request<Bytes>) -> encoded::Unary {
        (self.0)(request)
    }
}

struct StreamingCall(StreamingFn);

impl ServerStreamingService<Bytes> for StreamingCall {
    type Response = Bytes;
    type ResponseStream = encoded::Frames;
    type Future = encoded::ServerStreaming;

    fn call(&mut self, request: Request<Bytes>) -> encoded::ServerStreaming {
        (self.0)(request)
    }
}

impl tower::Service<http::Request<axum::body::Body>> for EncodedService {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<axum::body::Body>) -> Self::Future {
        // Exactly `/{service}/{method}`: the route's wildcard would take
        // more segments, which tonic's own servers answer UNIMPLEMENTED.
        let method = request
            .uri()
            .path()
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(self.name))
            .and_then(|p| p.strip_prefix('/'))
            .filter(|m| !m.contains('/'))
            .unwrap_or_default();
        match self.methods.get(method).cloned() {
            Some(Handler::Unary(f)) => {
                Box::pin(async move { Ok(Grpc::new(Encoded).unary(UnaryCall(f), request).await) })
            }
            Some(Handler::ServerStreaming(f)) => {
                Box::pin(async move { Ok(Grpc::new(Encoded).server_streaming(StreamingCall(f), request).await) })
            }
            None => {
                let status = Status::unimplemented(format!("{} has no method {method:?}", self.name));
                Box::pin(async move { Ok(status.into_http()) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    use crate::core::proto::viam::common::v1 as common;

    fn service() -> EncodedService {
        let table = encoded::Service::<()> {
            name: "test.v1.TestService",
            methods: vec![(
                "Ping",
                Method::Unary(|_, _| Box::pin(async { Ok(tonic::Response::new(Bytes::new())) })),
            )],
        };
        EncodedService::new(table, ())
    }

    /// The grpc-status in the answer's headers: none when it was answered.
    async fn status_of(path: &str) -> Option<String> {
        let request = http::Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", "application/grpc")
            .body(axum::body::Body::from(vec![0u8, 0, 0, 0, 0]))
            .unwrap();
        let response = service().oneshot(request).await.unwrap();
        // A refusal's status is in the headers (a unary answer's would be
        // in the trailers, after the message).
        response
            .headers()
            .get("grpc-status")
            .map(|v| v.to_str().unwrap().to_string())
    }

    #[tokio::test]
    async fn a_method_is_answered_only_at_its_exact_path() {
        assert_eq!(status_of("/test.v1.TestService/Ping").await, None, "answered");
        for path in [
            "/test.v1.TestService/x/Ping",
            "/test.v1.TestService/Ping/",
            "/test.v1.TestService/Nope",
            "/other.Service/Ping",
        ] {
            assert_eq!(status_of(path).await.as_deref(), Some("12"), "{path}");
        }
    }

    // The table's decoding, which every method goes through.
    #[test]
    fn a_request_decodes_and_keeps_its_metadata() {
        let message = common::GetReadingsRequest {
            name: "s".into(),
            extra: None,
        };
        let mut request = Request::new(Bytes::from(prost::Message::encode_to_vec(&message)));
        request.metadata_mut().insert("viam-sid", "abc".parse().unwrap());
        let decoded: Request<common::GetReadingsRequest> = encoded::decode(request).unwrap();
        assert_eq!(decoded.metadata().get("viam-sid").unwrap(), "abc");
        assert_eq!(decoded.into_inner(), message);
    }

    #[test]
    fn a_message_that_does_not_decode_is_internal() {
        let request = Request::new(Bytes::from_static(&[0xff, 0xff, 0xff]));
        let e = encoded::decode::<common::GetReadingsRequest>(request).unwrap_err();
        assert_eq!(e.code(), tonic::Code::Internal);
    }
}
