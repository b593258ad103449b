//! Viam's wire protocol as Armature speaks it: the messages, service
//! traits and clients generated from the .proto files beside this crate
//! (`viam/`, `proto/`), with each service as a table of methods on encoded
//! messages ([`tables`], [`encoded`]). The host reaches it as
//! `armature::core::proto`.

pub mod encoded;

/// What tonic and prost generate, by package: `viam::component::arm::v1`.
mod generated {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]

    tonic::include_proto!("protos");
}

pub use generated::*;

/// Each service as a table of methods on encoded messages ([`encoded`]),
/// by package: `tables::viam::component::arm::v1::arm_service`.
pub mod tables {
    include!(concat!(env!("OUT_DIR"), "/encoded_services.rs"));
}

/// The encoded descriptors of every service, for server reflection.
pub const DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptors.bin"));

/// The Viam API version our protos follow.
pub const API_VERSION: &str = "v0.1.574";
