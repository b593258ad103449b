//! `deps`: a guest's handles on the resources it depends on. A call goes to
//! the dependency's own slot, under that resource's limits; the dependency
//! graph is acyclic (checked at config time), so this cannot deadlock. A
//! dependency outside the host (in module mode, a resource viam-server
//! serves) is called over the wire through the same handle: both are a
//! [`CallTarget`](crate::capabilities::target::CallTarget).

use wasmtime::component::Resource;

use crate::apis::call::{Call, Reply};
use crate::capabilities::state::HostState;
use crate::capabilities::table;
use crate::capabilities::target::DependencyHandle;
use crate::core::bindings::armature::module::deps::{Dependency, Host, HostDependency};
use crate::core::bindings::{GuestError, Value};

impl HostState {
    pub(super) fn dependency(&self, handle: &Resource<Dependency>) -> wasmtime::Result<&DependencyHandle> {
        // A handle that is not in this sandbox's table is a guest bug: trap.
        Ok(table::get(&self.table, handle)?)
    }
}

impl HostDependency for HostState {
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
        let reply = self.waiting_on(target.call(Call::DoCommand(command))).await;
        Ok(reply.and_then(Reply::into_value).map_err(GuestError::from))
    }

    async fn get_readings(
        &mut self,
        handle: Resource<Dependency>,
        extra: Value,
    ) -> wasmtime::Result<Result<Value, GuestError>> {
        let target = self.dependency(&handle)?.0.clone();
        let reply = self.waiting_on(target.call(Call::GetReadings(extra))).await;
        Ok(reply.and_then(Reply::into_value).map_err(GuestError::from))
    }

    async fn drop(&mut self, handle: Resource<Dependency>) -> wasmtime::Result<()> {
        table::delete::<DependencyHandle, _>(&mut self.table, handle)?;
        Ok(())
    }
}

impl Host for HostState {}
