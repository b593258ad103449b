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
pub mod table;

use crate::core::bindings::armature::module::types;
use crate::runtime::state::SandboxState;

impl types::Host for SandboxState {}
