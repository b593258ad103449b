//! Host capabilities, one module per WIT import. Each checks what the
//! calling sandbox may do, validates every argument, and fails with an error
//! rather than panicking the host.

pub mod camera;
pub mod data_dir;
pub mod deps;
pub mod gpio;
pub mod grants;
pub mod log;
pub mod scheduler;
pub mod serial;

use crate::runtime::bindings::armature::module::types;
use crate::runtime::sandbox::SandboxState;

impl types::Host for SandboxState {}
