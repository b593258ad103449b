//! Hardware backends. The host owns every device; built-in models
//! (`crate::builtin`) serve them over the standard APIs, and guests reach
//! them only through the capabilities their config grants
//! (`crate::capabilities`). One file per kind of backend, each behind a
//! small trait, so that a new backend is one file.

pub mod camera;
pub mod camera_image_folder;
pub mod camera_test_pattern;
#[cfg(feature = "v4l2")]
pub mod camera_v4l2;
pub mod gpio;
pub mod gpio_linux;
pub mod gpio_sim;
pub mod serial;
pub mod serial_sim;

use crate::core::error::{CallError, Code};

/// Why a device refused. Each maps onto the gRPC status clients see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HwError {
    /// No such pin, reader, interrupt or device.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidArgument(String),
    /// The device is missing, busy or went away; retrying may help.
    #[error("{0}")]
    Unavailable(String),
    /// This backend cannot do that (e.g. PWM on a chip without it).
    #[error("{0}")]
    Unimplemented(String),
}

impl From<HwError> for CallError {
    fn from(e: HwError) -> Self {
        let code = match e {
            HwError::NotFound(_) => Code::NotFound,
            HwError::InvalidArgument(_) => Code::InvalidArgument,
            HwError::Unavailable(_) => Code::Unavailable,
            HwError::Unimplemented(_) => Code::Unimplemented,
        };
        CallError::new(code, e.to_string())
    }
}

pub type HwResult<T> = Result<T, HwError>;

/// Nanoseconds since the Unix epoch, for edge timestamps.
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
