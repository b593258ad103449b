"""What a failure in the module looks like in the host's log: a short
traceback naming the module's real files, and the stop of the sandbox when
the interpreter itself is out of memory or stack."""

import os
import traceback
from typing import Dict

from wit_world.imports import log as host_log

# How much of a traceback goes to the host's log.
_TRACEBACK_FRAMES = 6
# componentize-py names the i-th search folder `/i/` in code objects;
# `armature build` fills in the real folders (for tracebacks in the log).
SOURCE_FOLDERS: Dict[str, str] = {}


def short_traceback(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-_TRACEBACK_FRAMES)
    text = "".join(lines).rstrip()
    for short, real in SOURCE_FOLDERS.items():
        text = text.replace(f'"{short}', f'"{real}')
    return text


def fatal(what: str, exc: BaseException) -> None:
    """Out of memory or stack: the interpreter's state cannot be trusted any
    more, so the sandbox stops (a trap) and the host rebuilds the resource."""
    try:
        host_log.log(host_log.Level.ERROR, f"{what}: {type(exc).__name__}: {exc}; stopping the sandbox")
    finally:
        os.abort()
