//! What every service implementation shares: the machine, client sessions,
//! auth, and the lookup, call and session tagging each method goes through.

use std::sync::Arc;

use tonic::Status;
use tonic::metadata::MetadataMap;

use crate::apis::call::{Call, Reply};
use crate::core::api::ApiKind;
use crate::grpc::{auth, operations, status};
use crate::resources::machine::Machine;
use crate::resources::sessions::Sessions;
use crate::resources::slot::ResourceSlot;

/// What every service implementation shares.
#[derive(Clone)]
pub struct Host {
    pub machine: Arc<Machine>,
    pub sessions: Arc<Sessions>,
    /// Fired by RobotService/Shutdown.
    pub shutdown: Arc<tokio::sync::Notify>,
    pub operations: Arc<operations::Operations>,
    pub auth: Arc<auth::Auth>,
    /// Inline modules, where this host keeps them (a host run from a
    /// config; not one serving viam-server).
    pub inline: Option<Arc<crate::inline::Inline>>,
}

/// The session id a client attaches to safety-monitored calls.
pub const SESSION_HEADER: &str = "viam-sid";

impl Host {
    /// An open (unauthenticated) server.
    pub fn new(machine: Arc<Machine>, sessions: Arc<Sessions>) -> Self {
        Self::with_auth(machine, sessions, auth::Auth::new(Default::default()))
    }

    pub fn with_auth(machine: Arc<Machine>, sessions: Arc<Sessions>, auth: Arc<auth::Auth>) -> Self {
        Self {
            machine,
            sessions,
            shutdown: Arc::default(),
            operations: Arc::default(),
            auth,
            inline: None,
        }
    }

    /// The resource `name` of API `kind`, or NOT_FOUND.
    pub fn slot(&self, kind: ApiKind, name: &str) -> Result<Arc<ResourceSlot>, Status> {
        self.machine
            .lookup(kind, name)
            .ok_or_else(|| Status::not_found(format!("no {} named {name:?}", kind.info().subtype)))
    }

    /// Calls resource `name` of API `kind`.
    pub async fn call(&self, kind: ApiKind, name: &str, call: Call) -> Result<Reply, Status> {
        let slot = self.slot(kind, name)?;
        slot.call(call).await.map_err(|e| status::from_call_error(&slot, e))
    }

    /// For a safety-monitored method: records the resource against the
    /// caller's session (header `viam-sid`), so that it is stopped if the
    /// session lapses. An expired session is refused as Viam does. Returns
    /// the session id, if any.
    pub fn tag_session(&self, metadata: &MetadataMap, slot: &Arc<ResourceSlot>) -> Result<Option<String>, Status> {
        let Some(id) = metadata.get(SESSION_HEADER).and_then(|v| v.to_str().ok()) else {
            return Ok(None);
        };
        self.sessions
            .moved(id, slot)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(Some(id.to_string()))
    }
}
