//! Error mapping: the one place a resource error becomes a gRPC status.

use tonic::{Code as GrpcCode, Status};

use crate::core::error::{CallError, Code};
use crate::core::values::TreeError;
use crate::resources::slot::ResourceSlot;

fn grpc_code(code: Code) -> GrpcCode {
    match code {
        Code::InvalidArgument => GrpcCode::InvalidArgument,
        Code::NotFound => GrpcCode::NotFound,
        Code::FailedPrecondition => GrpcCode::FailedPrecondition,
        Code::OutOfRange => GrpcCode::OutOfRange,
        Code::Unimplemented => GrpcCode::Unimplemented,
        Code::Unavailable => GrpcCode::Unavailable,
        Code::PermissionDenied => GrpcCode::PermissionDenied,
        Code::DeadlineExceeded => GrpcCode::DeadlineExceeded,
        Code::ResourceExhausted => GrpcCode::ResourceExhausted,
        Code::Aborted => GrpcCode::Aborted,
        Code::Internal => GrpcCode::Internal,
    }
}

/// A call's error as a status whose message names the resource.
pub fn from_call_error(slot: &ResourceSlot, e: CallError) -> Status {
    let name = &slot.name.name;
    let message = if e.message.contains(&format!("{name:?}")) {
        e.message
    } else {
        format!("{} {name:?}: {}", slot.kind.info().subtype, e.message)
    };
    Status::new(grpc_code(e.code), message)
}

/// A malformed value from a guest: the guest's fault, reported as INTERNAL.
pub fn from_tree_error(slot_name: &str, e: TreeError) -> Status {
    Status::internal(format!("resource {slot_name:?} answered a {e}"))
}

/// A reply of the wrong shape for the method: a host bug, reported as INTERNAL.
pub fn mismatch(e: CallError) -> Status {
    Status::internal(e.message)
}
