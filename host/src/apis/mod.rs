//! The resource APIs, one file each (`apis/<api>.rs`): an API's own calls
//! and replies, its way into the guest, what of it can be captured, and its
//! gRPC service, written against the narrow [`resources::Resources`] trait.
//! What every API shares is written once: the machine's [`Call`] and
//! [`Reply`] (`call.rs`), the dispatch into the guest (`guest.rs`), the
//! capture table (`capturable.rs`). This layer imports only `core`;
//! docs/contributing/adding-an-api.md lists what a new API touches.

pub mod arm;
pub mod base;
pub mod board;
pub mod button;
pub mod call;
pub mod camera;
pub mod capturable;
pub mod capture;
pub mod convert;
pub mod dependency;
pub mod encoder;
pub mod gantry;
pub mod generic;
pub mod gripper;
pub mod guest;
pub mod motor;
pub mod movement_sensor;
pub mod power_sensor;
pub mod remote;
pub mod resources;
pub mod sensor;
pub mod servo;
pub mod switch;
pub mod vision;
pub mod wire;

pub use call::{Call, Reply};
