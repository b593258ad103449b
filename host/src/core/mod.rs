//! What every layer of the host shares, and nothing else of the host: the
//! API table, the errors a call can end in,
//! resource and model names, the WIT value tree and its conversions, image
//! headers and codecs (pure functions on bytes), the
//! generated protos (`proto`, from the `armature-proto` crate) and WIT
//! bindings. See docs/contributing/layers.md.

pub mod api;
pub mod bindings;
pub mod error;
pub mod image_codec;
pub mod loopback;
pub mod names;
pub mod proto;
pub mod redact;
pub mod values;
