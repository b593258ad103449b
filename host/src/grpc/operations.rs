//! In-flight long operations (motions), for GetOperations,
//! CancelOperation and BlockForOperation. Short calls are not listed: they
//! finish within their deadline.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::core::proto::viam::robot::v1 as pb;
use crate::resources::slot::ResourceSlot;

struct Operation {
    method: String,
    slot: Arc<ResourceSlot>,
    started: SystemTime,
    session: Option<String>,
}

#[derive(Default)]
pub struct Operations {
    live: Mutex<HashMap<String, Operation>>,
}

/// Removes its operation from the registry when the call ends, however it ends.
pub struct Running {
    operations: Arc<Operations>,
    id: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.operations.live().remove(&self.id);
    }
}

impl Operations {
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Operation>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a call of `method` (e.g. `/viam.component.motor.v1.MotorService/GoFor`).
    pub fn begin(self: &Arc<Self>, method: String, slot: Arc<ResourceSlot>, session: Option<String>) -> Running {
        let id = uuid::Uuid::new_v4().to_string();
        self.live().insert(
            id.clone(),
            Operation {
                method,
                slot,
                started: SystemTime::now(),
                session,
            },
        );
        Running {
            operations: self.clone(),
            id,
        }
    }

    pub fn list(&self) -> Vec<pb::Operation> {
        self.live()
            .iter()
            .map(|(id, op)| pb::Operation {
                id: id.clone(),
                method: op.method.clone(),
                arguments: Some(crate::core::values::json_to_struct(
                    serde_json::json!({"name": op.slot.name.name})
                        .as_object()
                        .expect("an object"),
                )),
                started: Some(prost_types::Timestamp::from(op.started)),
                session_id: op.session.clone(),
            })
            .collect()
    }

    /// The resource an operation is moving, if it is still running.
    pub fn resource(&self, id: &str) -> Option<Arc<ResourceSlot>> {
        self.live().get(id).map(|op| op.slot.clone())
    }
}
