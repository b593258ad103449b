//! `calls` and `vision-calls`: a guest's typed calls on its dependencies,
//! every method of every API through one path. The method becomes the
//! machine's `Call` (`apis::dependency`) and goes the way `deps` calls go:
//! to the dependency's slot, under its limits, or in module mode to
//! viam-server. A method of another API than the dependency's is refused
//! here, so that neither a sandbox nor viam-server is asked something it
//! cannot answer.

use wasmtime::component::Resource;

use crate::apis::call::{Call, Reply};
use crate::apis::dependency::{answer, vision_answer};
use crate::capabilities::state::HostState;
use crate::core::bindings::GuestError;
use crate::core::bindings::armature::module::calls::{Answer, Host, Method};
use crate::core::bindings::armature::module::deps::Dependency;
use crate::core::bindings::armature::module::vision_calls::{self, VisionAnswer, VisionMethod};
use crate::core::error::CallError;

impl HostState {
    /// Runs `call` on the dependency behind `dep`, if it is of the call's API.
    async fn call_dependency(
        &mut self,
        dep: Resource<Dependency>,
        call: Call,
    ) -> wasmtime::Result<Result<Reply, CallError>> {
        let target = self.dependency(&dep)?.0.clone();
        let name = target.name();
        if let Some(api) = call.api()
            && !api.is(&name.api)
        {
            return Ok(Err(CallError::unimplemented(format!(
                "dependency {:?} is a {}, not a {}: it has no {}",
                name.name,
                name.api,
                api.api(),
                call.method()
            ))));
        }
        Ok(self.waiting_on(target.call(call)).await)
    }
}

impl Host for HostState {
    async fn call(
        &mut self,
        dep: Resource<Dependency>,
        method: Method,
    ) -> wasmtime::Result<Result<Answer, GuestError>> {
        let reply = self.call_dependency(dep, Call::from(method)).await?;
        Ok(reply.and_then(answer).map_err(GuestError::from))
    }
}

impl vision_calls::Host for HostState {
    async fn call(
        &mut self,
        dep: Resource<Dependency>,
        method: VisionMethod,
    ) -> wasmtime::Result<Result<VisionAnswer, GuestError>> {
        let reply = self.call_dependency(dep, Call::from(method)).await?;
        Ok(reply.and_then(vision_answer).map_err(GuestError::from))
    }
}
