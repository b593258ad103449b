//! The module registry: modules as CNCF wasm OCI artifacts on any OCI
//! registry (Distribution, GHCR, Harbor, Zot), pushed and listed by
//! `armature registry`, and served to machines whose config names them as
//! `{"type": "registry", …}` modules.
//!
//! - [`credentials`]: secrets. The names and version specs a config writes
//!   are `config::module_ref` and `config::versions`.
//! - [`artifact`]: the manifest layout and its annotations.
//! - [`client`]: the Distribution API through `oci-client`, with errors that say what to do.
//! - [`store`], [`resolver`], [`watch`]: the host side: a digest-addressed
//!   cache, resolution, and the loop that hot-swaps newer matches.
//! - [`cli`]: `armature registry push | list | search`.

pub mod artifact;
pub mod cli;
pub mod client;
pub mod credentials;
pub mod resolver;
pub mod store;
pub mod watch;
