//! `camera-capture`: frames from the camera resource granted by `camera`.

use crate::apis::call::Call;
use crate::capabilities::state::HostState;
use crate::core::bindings::GuestError;
use crate::core::bindings::armature::module::camera_capture::{Frame, FrameFormat, Host};

impl Host for HostState {
    async fn grab(&mut self, format: FrameFormat) -> wasmtime::Result<Result<Frame, GuestError>> {
        let Some(camera) = self.grants.camera.clone() else {
            return Ok(Err(self.grants.denials.refuse(
                &self.resource,
                "camera",
                "a camera (set `camera` in its attributes)",
            )));
        };
        // The frame is copied into guest memory by its realloc, under the
        // guest's memory cap: a frame too big for it traps the guest, not the host.
        let reply = self.waiting_on(camera.call(Call::CaptureFrame(format))).await;
        Ok(reply.and_then(|r| r.into_frame()).map_err(GuestError::from))
    }
}
