//! Armature: one native host process running robot modules as WebAssembly
//! components, served over Viam's gRPC API.
//!
//! The path of a call: `apis::<api>` (translate the request) → `grpc`
//! (`Resources` for the host: find the slot, sessions, motions) →
//! `resources::slot` (one call at a time, faults) → `runtime::sandbox`
//! (enter the guest under its limits) → `apis::guest` (the API's guest
//! interface).

pub mod apis;
pub mod build;
pub mod builtin;
pub mod capabilities;
pub mod capture;
pub mod cli;
pub mod config;
pub mod core;
pub mod fleet;
pub mod grpc;
pub mod hardware;
pub mod inline;
pub mod module_protocol;
pub mod observability;
pub mod registry;
pub mod resources;
pub mod run;
pub mod runtime;
pub mod web;
