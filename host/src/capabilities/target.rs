//! A resource a guest reaches through a capability (a dependency, a granted
//! board or camera), as the capabilities see it: something to call.

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::apis::call::{Call, Reply};
use crate::config::ResourceName;
use crate::core::error::CallError;

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
