//! `deps`: a guest's handles on the resources it depends on. A call goes to
//! the dependency's own slot, under that resource's limits; the dependency
//! graph is acyclic (checked at config time), so this cannot deadlock. A
//! dependency outside the host (in module mode, a resource viam-server
//! serves) is called over the wire through the same handle: both are a
//! [`CallTarget`].

use std::sync::Arc;

use futures::future::BoxFuture;
use wasmtime::component::Resource;

use crate::apis::call::{Call, Reply};
use crate::capabilities::table;
use crate::config::ResourceName;
use crate::core::bindings::armature::module::deps::{Dependency, Host, HostDependency};
use crate::core::bindings::{GuestError, Value};
use crate::core::error::CallError;
use crate::runtime::state::SandboxState;

/// A resource a guest reaches through a capability (a dependency, a
/// granted board or camera): a slot of this host, which `resources`
/// implements this for, or, in module mode, a resource viam-server serves.
/// Defined here so that capabilities know no more of resources than this.
pub trait CallTarget: Send + Sync {
    fn name(&self) -> &ResourceName;

    /// Calls it as part of the calling guest's own call. Boxed because a
    /// dependency call enters another guest, which may call its own
    /// dependencies: the future type would otherwise be infinite.
    fn call(self: Arc<Self>, call: Call) -> BoxFuture<'static, Result<Reply, CallError>>;
}

/// What a guest's `dependency` handle stands for.
pub struct DependencyHandle(pub Arc<dyn CallTarget>);

impl SandboxState {
    fn dependency(&self, handle: &Resource<Dependency>) -> wasmtime::Result<&DependencyHandle> {
        // A handle that is not in this sandbox's table is a guest bug: trap.
        Ok(table::get(&self.table, handle)?)
    }
}

impl HostDependency for SandboxState {
    async fn name(&mut self, handle: Resource<Dependency>) -> wasmtime::Result<String> {
        Ok(self.dependency(&handle)?.0.name().name.clone())
    }

    async fn api(&mut self, handle: Resource<Dependency>) -> wasmtime::Result<String> {
        Ok(self.dependency(&handle)?.0.name().api.to_string())
    }

    async fn do_command(
        &mut self,
        handle: Resource<Dependency>,
        command: Value,
    ) -> wasmtime::Result<Result<Value, GuestError>> {
        let target = self.dependency(&handle)?.0.clone();
        let reply = target.call(Call::DoCommand(command)).await;
        Ok(reply.and_then(Reply::into_value).map_err(GuestError::from))
    }

    async fn get_readings(
        &mut self,
        handle: Resource<Dependency>,
        extra: Value,
    ) -> wasmtime::Result<Result<Value, GuestError>> {
        let target = self.dependency(&handle)?.0.clone();
        let reply = target.call(Call::GetReadings(extra)).await;
        Ok(reply.and_then(Reply::into_value).map_err(GuestError::from))
    }

    async fn drop(&mut self, handle: Resource<Dependency>) -> wasmtime::Result<()> {
        table::delete::<DependencyHandle, _>(&mut self.table, handle)?;
        Ok(())
    }
}

impl Host for SandboxState {}
