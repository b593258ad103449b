//! The Viam wire protocol: code generated from `host/proto/` by build.rs.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

tonic::include_proto!("protos");

/// Each service as a table of methods on encoded messages
/// (`core::encoded`), by package: `tables::viam::component::arm::v1::arm_service`.
pub mod tables {
    include!(concat!(env!("OUT_DIR"), "/encoded_services.rs"));
}

/// The encoded descriptors of every service, for server reflection.
pub const DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptors.bin"));

/// The Viam API version our protos follow.
pub const API_VERSION: &str = "v0.1.574";
