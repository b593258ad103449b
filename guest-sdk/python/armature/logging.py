"""Logging into the host's log, tagged there with the resource's name.

`getLogger(name)` gives a standard `logging.Logger`, as Viam's
`viam.logging.getLogger` does; `self.logger` on a resource is one."""

import logging as _std

from wit_world.imports import log as _host

from . import _hostio

_LEVELS = [
    (_std.ERROR, _host.Level.ERROR),
    (_std.WARNING, _host.Level.WARN),
    (_std.INFO, _host.Level.INFO),
    (_std.DEBUG, _host.Level.DEBUG),
]


def _host_level(levelno: int):
    for floor, level in _LEVELS:
        if levelno >= floor:
            return level
    return _host.Level.TRACE


class _HostHandler(_std.Handler):
    def emit(self, record: _std.LogRecord) -> None:
        try:
            _hostio.emit(_host_level(record.levelno), self.format(record))
        except Exception:  # a log line must never fail a call
            pass


_root = _std.getLogger("armature.module")
_root.setLevel(_std.DEBUG)
_root.propagate = False
if not _root.handlers:
    _handler = _HostHandler()
    _handler.setFormatter(_std.Formatter("%(message)s"))
    _root.addHandler(_handler)


def getLogger(name: str) -> _std.Logger:
    return _root.getChild(name)


def log(message: str, level: str = "info") -> None:
    """One line into the host's log: level is trace, debug, info, warn or error."""
    _hostio.emit(getattr(_host.Level, level.upper(), _host.Level.INFO), message)


# Viam's name for the module's own logger.
LOGGER = _root
