//! What the benchmark's processes share: how to reach a server, what the
//! kernel says about a process, and how repeated runs become one figure.

pub mod procfs;
pub mod stats;
pub mod target;

pub use armature::grpc::proto;

/// The three readings every benchmarked sensor answers with: the floor, the
/// Armature guest (`bench/guest`) and the Python module (`bench/python`).
pub const READINGS: [(&str, f64); 3] = [("temperature", 21.5), ("humidity", 40.25), ("pressure", 1013.25)];
