//! The gRPC face of the machine, wire-compatible with Viam's robot API.
//! Each resource API's service lives with the API (`apis/<api>.rs`); here
//! is what they share, once: lookup, call, error mapping, sessions and
//! motions (`host.rs`, `resources.rs`, `motion.rs`), the robot service, auth
//! and the routes.

pub mod auth;
pub mod connections;
pub mod data_manager;
pub mod encoded;
pub mod host;
pub mod listen;
pub mod motion;
pub mod operations;
pub mod resources;
pub mod robot;
pub mod routes;
pub mod status;

pub use host::{Host, SESSION_HEADER};
pub use listen::Listener;
pub use routes::routes;
