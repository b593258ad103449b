//! The gRPC face of the machine, wire-compatible with Viam's robot API.
//! Each API file only translates its methods; lookup, call, error mapping
//! and session tagging are here, once.

pub mod auth;
pub mod board;
pub mod camera;
pub mod common;
pub mod connections;
pub mod data_manager;
pub mod encoder;
pub mod generic;
pub mod host;
pub mod listen;
pub mod motion;
pub mod motor;
pub mod movement_sensor;
pub mod operations;
pub mod robot;
pub mod routes;
pub mod sensor;
pub mod servo;
pub mod status;

pub use host::{Host, SESSION_HEADER};
pub use listen::Listener;
pub use routes::routes;
