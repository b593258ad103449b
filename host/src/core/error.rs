//! The error of a call on a resource, whatever answered it: the guest (on
//! purpose), the sandbox (a trap, a deadline, memory) or the host (no such
//! resource, not ready). The gRPC layer maps it onto a status in one place.

use crate::core::bindings::{ErrorCode, GuestError};

/// gRPC-aligned error classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    InvalidArgument,
    NotFound,
    FailedPrecondition,
    OutOfRange,
    Unimplemented,
    Unavailable,
    PermissionDenied,
    DeadlineExceeded,
    ResourceExhausted,
    Aborted,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    pub code: Code,
    pub message: String,
}

impl CallError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(Code::Unavailable, message)
    }

    pub fn unimplemented(message: impl Into<String>) -> Self {
        Self::new(Code::Unimplemented, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Code::Internal, message)
    }
}

impl From<GuestError> for CallError {
    fn from(e: GuestError) -> Self {
        let code = match e.code {
            ErrorCode::InvalidArgument => Code::InvalidArgument,
            ErrorCode::NotFound => Code::NotFound,
            ErrorCode::FailedPrecondition => Code::FailedPrecondition,
            ErrorCode::OutOfRange => Code::OutOfRange,
            ErrorCode::Unimplemented => Code::Unimplemented,
            ErrorCode::Unavailable => Code::Unavailable,
            ErrorCode::PermissionDenied => Code::PermissionDenied,
            ErrorCode::DeadlineExceeded => Code::DeadlineExceeded,
            ErrorCode::ResourceExhausted => Code::ResourceExhausted,
            ErrorCode::Aborted => Code::Aborted,
            ErrorCode::Internal => Code::Internal,
        };
        CallError {
            code,
            message: e.message,
        }
    }
}

impl From<CallError> for GuestError {
    fn from(e: CallError) -> Self {
        let code = match e.code {
            Code::InvalidArgument => ErrorCode::InvalidArgument,
            Code::NotFound => ErrorCode::NotFound,
            Code::FailedPrecondition => ErrorCode::FailedPrecondition,
            Code::OutOfRange => ErrorCode::OutOfRange,
            Code::Unimplemented => ErrorCode::Unimplemented,
            Code::Unavailable => ErrorCode::Unavailable,
            Code::PermissionDenied => ErrorCode::PermissionDenied,
            Code::DeadlineExceeded => ErrorCode::DeadlineExceeded,
            Code::ResourceExhausted => ErrorCode::ResourceExhausted,
            Code::Aborted => ErrorCode::Aborted,
            Code::Internal => ErrorCode::Internal,
        };
        GuestError {
            code,
            message: e.message,
        }
    }
}
