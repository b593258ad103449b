"""One call from the host into Python: arguments in, the method run to its
end, the result out, and any exception turned into the WIT error the
robot's clients see (its message, the code its class chooses)."""

import os
import traceback
from typing import Any, Callable

from componentize_py_types import Err
from wit_world.imports import log as host_log, types

from ._runtime import Entered, complete
from .errors import ArmatureError

# How much of a traceback goes to the host's log.
_TRACEBACK_FRAMES = 6


def run(what: str, fn: Callable[[], Any], default_code=types.ErrorCode.INTERNAL) -> Any:
    """Runs `fn` (whose coroutine, if any, is driven to its end) as `what`."""
    with Entered():
        try:
            return complete(fn(), what)
        except Err:
            raise
        except (MemoryError, RecursionError) as exc:
            _fatal(what, exc)
        except BaseException as exc:  # noqa: B036 - every failure becomes an error reply
            raise as_error(what, exc, default_code) from None


def method(res: Any, name: str) -> Callable[..., Any]:
    """The resource's method `name`; a resource without it is UNIMPLEMENTED."""
    fn = getattr(res.resource, name, None)
    if fn is None:
        raise Err(types.Error(types.ErrorCode.UNIMPLEMENTED, f"{type(res.resource).__name__} has no {name}"))
    return fn


def as_error(what: str, exc: BaseException, default_code) -> Err:
    if isinstance(exc, ArmatureError):
        return Err(types.Error(exc.code, exc.message or str(exc)))
    if isinstance(exc, NotImplementedError):
        return Err(types.Error(types.ErrorCode.UNIMPLEMENTED, str(exc) or f"{what} is not implemented"))
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    host_log.log(host_log.Level.ERROR, f"{what} raised {message}\n{_short_traceback(exc)}")
    return Err(types.Error(default_code, message))


def _short_traceback(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-_TRACEBACK_FRAMES)
    return "".join(lines).rstrip()


def _fatal(what: str, exc: BaseException) -> None:
    """Out of memory or stack: the interpreter's state cannot be trusted any
    more, so the sandbox stops (a trap) and the host rebuilds the resource."""
    try:
        host_log.log(host_log.Level.ERROR, f"{what}: {type(exc).__name__}: {exc}; stopping the sandbox")
    finally:
        os.abort()
