"""Lines into the host's log: `logging`, `print` and anything written to
stderr (warnings, a background task's traceback), tagged by the host with
the resource's name.

While componentize-py pre-initialises the module at build time every host
import traps, so lines written then (a module-level `LOGGER.info`) go to the
build's own stderr instead.
"""

import sys
from wit_world.imports import log as _host

# False while componentize-py pre-initialises the module at build time.
_live = False


def go_live() -> None:
    """The first call from the host: from now on lines go to its log, and so
    do `print` and stderr."""
    global _live
    _live = True
    sys.stdout = _Lines(_host.Level.INFO)
    sys.stderr = _Lines(_host.Level.WARN)


def emit(level, line: str) -> None:
    if not _live:
        print(line, file=sys.__stderr__)
        return
    try:
        _host.log(level, line)
    except Exception:  # a log line must never fail a call
        pass


class _Lines:
    """A text stream that sends whole lines to the host's log."""

    def __init__(self, level) -> None:
        self.level = level
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                emit(self.level, line)
        if len(self.pending) > 4096:
            emit(self.level, self.pending)
            self.pending = ""
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False
