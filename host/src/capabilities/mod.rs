//! Host capabilities, one module per WIT import. Each checks what the
//! calling sandbox may do, validates every argument, and fails with an error
//! rather than panicking the host.

pub mod calls;
pub mod camera;
pub mod data_dir;
pub mod deps;
pub mod gpio;
pub mod grants;
pub mod guest_text;
pub mod log;
pub mod log_budget;
pub mod scheduler;
pub mod serial;
pub mod state;
pub mod table;
pub mod target;

use crate::capabilities::state::HostState;
use crate::core::bindings::armature::module::{api_types, types};

// Interfaces of types only: nothing to implement.
impl types::Host for HostState {}
impl api_types::Host for HostState {}
