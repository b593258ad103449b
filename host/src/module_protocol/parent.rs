//! The link to the parent, viam-server: a gRPC channel to the socket (or,
//! in TCP mode, the address) that Ready names. Dependency calls, log lines
//! and the liveness check go through it; a later Ready replaces it, and
//! everything holding the link follows.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use prost::bytes::Bytes;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::{Channel, Endpoint, Uri};
use tonic::{Request, Status};

use crate::config::{Api, ResourceName};
use crate::core::proto::encoded::Encoded;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::robot::v1 as robot;

/// Why the parent could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum ParentError {
    #[error("cannot connect to {address}: {source}")]
    Connect {
        address: String,
        source: tonic::transport::Error,
    },
    #[error("{address} is not a socket path or host:port: {message}")]
    Address { address: String, message: String },
}

/// A connected parent.
#[derive(Clone)]
pub struct Parent {
    pub address: String,
    channel: Channel,
}

/// A TCP address (`127.0.0.1:40123`), as opposed to a socket path.
fn is_tcp(address: &str) -> bool {
    !address.contains('/')
        && address
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

impl Parent {
    /// Connects within `budget`. The path form is plain (`/tmp/x/parent.sock`),
    /// as viam-server sends it; Go's `unix:` prefix is accepted too.
    pub async fn connect(address: &str, budget: Duration) -> Result<Self, ParentError> {
        let address = address.strip_prefix("unix:").unwrap_or(address).to_string();
        let bad = |message: String| ParentError::Address {
            address: address.clone(),
            message,
        };
        let connect_error = |source| ParentError::Connect {
            address: address.clone(),
            source,
        };
        let channel = if is_tcp(&address) {
            Endpoint::from_shared(format!("http://{address}"))
                .map_err(|e| bad(e.to_string()))?
                .connect_timeout(budget)
                .connect()
                .await
                .map_err(connect_error)?
        } else {
            let path = address.clone();
            // The authority is a placeholder: the connector ignores the URI,
            // and a socket path is not a valid authority.
            Endpoint::from_static("http://localhost")
                .connect_timeout(budget)
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    async move { Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(path).await?)) }
                }))
                .await
                .map_err(connect_error)?
        };
        Ok(Self { address, channel })
    }

    /// One unary call on `/{service}/{method}`, bounded by `timeout`.
    pub async fn unary<Req, Resp>(
        &self,
        service: &str,
        method: &str,
        request: Req,
        timeout: Duration,
    ) -> Result<Resp, Status>
    where
        Req: prost::Message,
        Resp: prost::Message + Default,
    {
        let answer = self
            .unary_encoded(service, method, request.encode_to_vec().into(), timeout)
            .await?;
        Resp::decode(answer).map_err(|e| {
            Status::internal(format!(
                "the parent at {} answered {method} with a message that does not decode: {e}",
                self.address
            ))
        })
    }

    /// [`Parent::unary`] with the messages encoded. Not generic on purpose:
    /// tonic's client is a deep stack of generic code, and one copy of it
    /// per message type (some seventy: every method of every API a
    /// dependency may have) cost the host's build half a minute.
    pub async fn unary_encoded(
        &self,
        service: &str,
        method: &str,
        request: Bytes,
        timeout: Duration,
    ) -> Result<Bytes, Status> {
        let path = PathAndQuery::try_from(format!("/{service}/{method}"))
            .map_err(|e| Status::invalid_argument(format!("bad method path /{service}/{method}: {e}")))?;
        let mut grpc = tonic::client::Grpc::new(self.channel.clone());
        let call = async {
            grpc.ready()
                .await
                .map_err(|e| Status::unavailable(format!("the parent at {}: {e}", self.address)))?;
            let mut request = Request::new(request);
            request.set_timeout(timeout);
            grpc.unary(request, path, Encoded).await
        };
        match tokio::time::timeout(timeout, call).await {
            Ok(reply) => Ok(reply?.into_inner()),
            Err(_) => Err(Status::deadline_exceeded(format!(
                "the parent at {} did not answer {method} within {timeout:?}",
                self.address
            ))),
        }
    }

    pub async fn resource_names(&self, timeout: Duration) -> Result<Vec<ResourceName>, Status> {
        let reply: robot::ResourceNamesResponse = self
            .unary(ROBOT, "ResourceNames", robot::ResourceNamesRequest {}, timeout)
            .await?;
        Ok(reply.resources.iter().filter_map(from_proto).collect())
    }

    /// The gRPC service serving each API the parent knows, for APIs outside
    /// Armature's table (custom APIs of other modules).
    pub async fn rpc_services(&self, timeout: Duration) -> Result<Vec<(Api, String)>, Status> {
        let reply: robot::ResourceRpcSubtypesResponse = self
            .unary(
                ROBOT,
                "ResourceRPCSubtypes",
                robot::ResourceRpcSubtypesRequest {},
                timeout,
            )
            .await?;
        Ok(reply
            .resource_rpc_subtypes
            .into_iter()
            .filter_map(|s| {
                let api = s.subtype.as_ref().and_then(api_from_proto)?;
                Some((api, s.proto_service))
            })
            .collect())
    }

    /// Ships one log line (viam-server takes exactly one per request).
    pub async fn log(&self, entry: common::LogEntry, timeout: Duration) -> Result<(), Status> {
        let _: robot::LogResponse = self
            .unary(ROBOT, "Log", robot::LogRequest { logs: vec![entry] }, timeout)
            .await?;
        Ok(())
    }
}

const ROBOT: &str = "viam.robot.v1.RobotService";

fn api_from_proto(n: &common::ResourceName) -> Option<Api> {
    Api::parse(&format!("{}:{}:{}", n.namespace, n.r#type, n.subtype)).ok()
}

fn from_proto(n: &common::ResourceName) -> Option<ResourceName> {
    Some(ResourceName::new(api_from_proto(n)?, n.name.clone()))
}

/// The current parent, shared by everything that talks to it.
#[derive(Default)]
pub struct ParentLink {
    current: RwLock<Option<Parent>>,
}

impl ParentLink {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    pub fn get(&self) -> Option<Parent> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set(&self, parent: Parent) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_tcp_addresses_from_socket_paths() {
        assert!(is_tcp("127.0.0.1:40123"));
        assert!(is_tcp("localhost:8080"));
        assert!(!is_tcp("/tmp/viam-module-1/parent.sock"));
        assert!(!is_tcp("parent.sock"));
        assert!(!is_tcp("/tmp/a:1/parent.sock"));
    }
}
