"""One call from the host into Python: the method run to its end, its result
converted for the WIT, and any exception on the way turned into the WIT
error the robot's clients see (its message, the code its class chooses).
Nothing escapes: componentize-py traps on an exception that is not `Err`."""

import os
import traceback
from typing import Any, Callable, Optional

from componentize_py_types import Err
from wit_world.imports import log as host_log, types

from ._failures import fatal, short_traceback
from ._runtime import complete, enter, leave
from .errors import ArmatureError

INTERNAL = types.ErrorCode.INTERNAL


def run(what: str, fn: Callable[[], Any], default_code=INTERNAL, convert: Optional[Callable[[Any], Any]] = None) -> Any:
    """Runs `fn` (an awaitable result is driven to its end), then `convert`
    on the result, as `what`."""
    enter()
    try:
        result = complete(fn(), what)
        return result if convert is None else convert(result)
    except Err:
        raise
    except (MemoryError, RecursionError) as exc:
        fatal(what, exc)
    except BaseException as exc:  # noqa: B036 - every failure becomes an error reply
        raise as_error(what, exc, default_code) from None
    finally:
        leave()


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
    host_log.log(host_log.Level.ERROR, f"{what} raised {message}\n{short_traceback(exc)}")
    return Err(types.Error(default_code, message + where(exc)))


def where(exc: BaseException) -> str:
    """` (main.py, line 12)`: the innermost frame of the module's own code
    (not this SDK's), written as Python writes a SyntaxError's place, so
    that an editor can mark the line; empty when no such frame."""
    sdk = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        name = frame.filename
        if name.startswith("<") or os.path.abspath(name).startswith(sdk + os.sep):
            continue
        return f" ({os.path.basename(name)}, line {frame.lineno})"
    return ""
