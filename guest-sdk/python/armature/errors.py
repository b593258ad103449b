"""Errors a module raises on purpose; each class chooses the gRPC status the
robot's clients see. Any other exception reaches them as INTERNAL with its
message, and its traceback goes to the host's log."""

from wit_world.imports.types import ErrorCode


class ArmatureError(Exception):
    """Base class; `code` is the WIT error code (and so the gRPC status)."""

    code = ErrorCode.INTERNAL

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class InvalidArgument(ArmatureError):
    code = ErrorCode.INVALID_ARGUMENT


class NotFound(ArmatureError):
    code = ErrorCode.NOT_FOUND


class FailedPrecondition(ArmatureError):
    code = ErrorCode.FAILED_PRECONDITION


class OutOfRange(ArmatureError):
    code = ErrorCode.OUT_OF_RANGE


class Unimplemented(ArmatureError, NotImplementedError):
    code = ErrorCode.UNIMPLEMENTED


class Unavailable(ArmatureError):
    code = ErrorCode.UNAVAILABLE


class PermissionDenied(ArmatureError):
    code = ErrorCode.PERMISSION_DENIED


class DeadlineExceeded(ArmatureError):
    code = ErrorCode.DEADLINE_EXCEEDED


class ResourceExhausted(ArmatureError):
    code = ErrorCode.RESOURCE_EXHAUSTED


class Aborted(ArmatureError):
    code = ErrorCode.ABORTED


class Internal(ArmatureError):
    code = ErrorCode.INTERNAL


# The names Viam's SDK uses, so that ported modules keep their `except`s.
ViamError = ArmatureError
MethodNotImplementedError = Unimplemented
ResourceNotFoundError = NotFound
ValidationError = InvalidArgument

_BY_CODE = {cls.code: cls for cls in ArmatureError.__subclasses__()}


def from_wit(error) -> ArmatureError:
    """A host error (from an import) as the matching exception class."""
    return _BY_CODE.get(error.code, Internal)(error.message)
