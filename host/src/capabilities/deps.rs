//! `deps`: a guest's handles on the resources it depends on. A call goes to
//! the dependency's own slot, under that resource's limits; the dependency
//! graph is acyclic (checked at config time), so this cannot deadlock. A
//! dependency outside the host (in module mode, a resource viam-server
//! serves) is called over the wire through the same handle.

use std::sync::Arc;

use futures::future::BoxFuture;
use wasmtime::component::Resource;

use crate::capabilities::table;
use crate::config::ResourceName;
use crate::core::bindings::armature::module::deps::{Dependency, Host, HostDependency};
use crate::core::bindings::{GuestError, Value};
use crate::core::call::{Call, Reply};
use crate::core::error::CallError;
use crate::resources::slot::ResourceSlot;
use crate::runtime::state::SandboxState;

/// A resource outside this host, reached by a call over the wire. Only the
/// calls the `dependency` interface makes arrive here (DoCommand, GetReadings).
pub trait RemoteResource: Send + Sync {
    fn call(&self, call: Call) -> BoxFuture<'static, Result<Reply, CallError>>;
}

/// Where a dependency's calls go.
#[derive(Clone)]
pub enum Target {
    /// A resource of this host: straight to its slot.
    Local(Arc<ResourceSlot>),
    /// A resource served elsewhere.
    Remote(Arc<dyn RemoteResource>),
}

/// What a guest's `dependency` handle stands for.
pub struct DependencyHandle {
    pub name: ResourceName,
    pub target: Target,
}

impl DependencyHandle {
    pub fn new(slot: Arc<ResourceSlot>) -> Self {
        Self {
            name: slot.name.clone(),
            target: Target::Local(slot),
        }
    }

    pub fn remote(name: ResourceName, remote: Arc<dyn RemoteResource>) -> Self {
        Self {
            name,
            target: Target::Remote(remote),
        }
    }
}

/// Boxed because a dependency call enters another guest, which may call its
/// own dependencies: the future type would otherwise be infinite.
pub(crate) fn forward(slot: Arc<ResourceSlot>, call: Call) -> BoxFuture<'static, Result<Reply, CallError>> {
    Box::pin(async move { slot.call_as_dependency(call).await })
}

/// A dependency call, to a slot of this host or over the wire.
fn forward_to(target: Target, call: Call) -> BoxFuture<'static, Result<Reply, CallError>> {
    match target {
        Target::Local(slot) => forward(slot, call),
        Target::Remote(remote) => remote.call(call),
    }
}

impl SandboxState {
    fn dependency(&self, handle: &Resource<Dependency>) -> wasmtime::Result<&DependencyHandle> {
        // A handle that is not in this sandbox's table is a guest bug: trap.
        Ok(table::get(&self.table, handle)?)
    }
}

impl HostDependency for SandboxState {
    async fn name(&mut self, handle: Resource<Dependency>) -> wasmtime::Result<String> {
        Ok(self.dependency(&handle)?.name.name.clone())
    }

    async fn api(&mut self, handle: Resource<Dependency>) -> wasmtime::Result<String> {
        Ok(self.dependency(&handle)?.name.api.to_string())
    }

    async fn do_command(
        &mut self,
        handle: Resource<Dependency>,
        command: Value,
    ) -> wasmtime::Result<Result<Value, GuestError>> {
        let target = self.dependency(&handle)?.target.clone();
        let reply = forward_to(target, Call::DoCommand(command)).await;
        Ok(reply.and_then(Reply::into_value).map_err(GuestError::from))
    }

    async fn get_readings(
        &mut self,
        handle: Resource<Dependency>,
        extra: Value,
    ) -> wasmtime::Result<Result<Value, GuestError>> {
        let target = self.dependency(&handle)?.target.clone();
        let reply = forward_to(target, Call::GetReadings(extra)).await;
        Ok(reply.and_then(Reply::into_value).map_err(GuestError::from))
    }

    async fn drop(&mut self, handle: Resource<Dependency>) -> wasmtime::Result<()> {
        table::delete::<DependencyHandle, _>(&mut self.table, handle)?;
        Ok(())
    }
}

impl Host for SandboxState {}
