//! The Viam wire protocol: the `armature-proto` crate (`host/proto/`),
//! generated from its .proto files. It is a crate of its own so that the
//! host's builds (library, unit tests, lints) do not compile it again.

pub use armature_proto::*;
