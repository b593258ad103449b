//! Long motions (motor GoFor/GoTo, servo Move) and stops. The guest starts
//! a motion and returns; the host waits here, outside the sandbox, asking
//! `is-moving` once per control period. The sandbox is free between polls,
//! so a Stop, a StopAll or a lapsed session gets in at once, and the
//! waiting call returns within one period.

use std::sync::Arc;

use tonic::Status;
use tonic::metadata::MetadataMap;

use crate::apis::call::Call;
use crate::apis::resources::CONTROL_PERIOD;
use crate::core::api::ApiKind;
use crate::grpc::host::Host;
use crate::grpc::status::from_call_error;
use crate::resources::slot::ResourceSlot;

/// Starts a motion and waits until it ends, is stopped, or another command
/// supersedes it.
pub async fn run_to_completion(
    host: &Host,
    kind: ApiKind,
    metadata: &MetadataMap,
    name: &str,
    call: Call,
) -> Result<(), Status> {
    let slot = host.slot(kind, name)?;
    let session = host.tag_session(metadata, &slot)?;
    let method = format!("/{}/{}", kind.info().proto_service, call.method());
    let _running = host.operations.begin(method, slot.clone(), session);
    let epoch = slot.begin_motion();
    slot.call(call).await.map_err(|e| from_call_error(&slot, e))?;
    wait_for_stop(&slot, epoch).await
}

async fn wait_for_stop(slot: &Arc<ResourceSlot>, epoch: u64) -> Result<(), Status> {
    loop {
        tokio::time::sleep(CONTROL_PERIOD).await;
        if slot.motion() != epoch {
            return Ok(());
        }
        let moving = slot
            .call(Call::IsMoving)
            .await
            .and_then(|r| r.into_bool())
            .map_err(|e| from_call_error(slot, e))?;
        if !moving {
            return Ok(());
        }
    }
}

/// Starts a motion that does not end by itself (SetPower, SetRPM): it
/// supersedes any motion in progress and returns at once.
pub async fn start(host: &Host, kind: ApiKind, metadata: &MetadataMap, name: &str, call: Call) -> Result<(), Status> {
    let slot = host.slot(kind, name)?;
    host.tag_session(metadata, &slot)?;
    slot.begin_motion();
    slot.call(call).await.map_err(|e| from_call_error(&slot, e))?;
    Ok(())
}

/// Stops an actuator; a motion waiting on it returns.
pub async fn stop(slot: &Arc<ResourceSlot>, extra: crate::core::bindings::Value) -> Result<(), Status> {
    slot.begin_motion();
    slot.call(Call::Stop(extra))
        .await
        .and_then(|r| r.into_unit())
        .map_err(|e| from_call_error(slot, e))
}
