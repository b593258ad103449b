//! The error a model returns. Its code becomes the gRPC status the client sees.

use std::fmt;

use crate::bindings::armature::module::types as wit;

pub use wit::ErrorCode;

/// A failure reported by a model on purpose (never a trap).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

macro_rules! constructors {
    ($($name:ident => $code:ident),* $(,)?) => {
        $(
            #[doc = concat!("An error with code `", stringify!($code), "`.")]
            pub fn $name(message: impl Into<String>) -> Self {
                Self::new(ErrorCode::$code, message)
            }
        )*
    };
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    constructors! {
        invalid_argument => InvalidArgument,
        not_found => NotFound,
        failed_precondition => FailedPrecondition,
        out_of_range => OutOfRange,
        unimplemented => Unimplemented,
        unavailable => Unavailable,
        permission_denied => PermissionDenied,
        deadline_exceeded => DeadlineExceeded,
        resource_exhausted => ResourceExhausted,
        aborted => Aborted,
        internal => Internal,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

impl From<Error> for wit::Error {
    fn from(e: Error) -> Self {
        wit::Error {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<wit::Error> for Error {
    fn from(e: wit::Error) -> Self {
        Error {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::invalid_argument(e.to_string())
    }
}
