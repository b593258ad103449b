//! Models served by the host itself, with no `.wasm`: boards and cameras on
//! the host's hardware backends (`crate::hardware`), and the data manager;
//! [`MODELS`] is the table whoever starts a machine hands it
//! (`resources::native` is how the machine runs them). They answer the same
//! `Call`s as a guest does, so the gRPC layer, dependency calls and the
//! guests' `gpio` and `camera-capture` imports reach them the same way.

mod board;
mod camera;
mod data_manager;
mod shared;

use crate::resources::native::BuiltinModel;

pub const MODELS: &[BuiltinModel] = &[
    board::SIM,
    board::LINUX,
    camera::TEST_PATTERN,
    camera::V4L2,
    camera::IMAGE_FOLDER,
    data_manager::BUILTIN,
];
