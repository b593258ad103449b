"""The `model` interface of the WIT world: the models this module provides,
validate, construct, and the `instance` resource wrapping one Python
resource object (reconfigure, DoCommand, geometries, ticks, close)."""

from typing import Any, List

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import model as wit
from wit_world.imports import types

from . import _runtime, _values
from ._calls import method, run
from .config import ComponentConfig
from .dependencies import Dependencies
from .resource import registry

_INVALID = types.ErrorCode.INVALID_ARGUMENT


def _config(config: wit.Config) -> ComponentConfig:
    return ComponentConfig(config.name, config.api, config.model, _values.to_python(config.attributes))


def _model_class(config: wit.Config) -> type:
    cls = registry.models().get((config.api, config.model))
    if cls is None:
        raise Err(types.Error(types.ErrorCode.NOT_FOUND, f"this module has no model {config.model} of {config.api}"))
    return cls


def _names(value: Any, what: str) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    names = list(value)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"validate_config: {what} dependency {name!r} is not a name")
    return names


def _dependency_names(result: Any) -> wit.Dependencies:
    """Viam's `(required, optional)`, or a plain list of required names."""
    if (
        isinstance(result, tuple)
        and len(result) == 2
        and all(part is None or isinstance(part, (list, tuple)) for part in result)
    ):
        return wit.Dependencies(_names(result[0], "required"), _names(result[1], "optional"))
    return wit.Dependencies(_names(result, "required"), [])


class Instance(wit.Instance):
    """One resource, in a sandbox of its own."""

    def __init__(self, resource: Any):
        self.resource = resource

    def reconfigure(self, config: wit.Config, deps: List[Any]) -> wit.ReconfigureOutcome:
        fn = getattr(self.resource, "reconfigure", None)
        if fn is None:
            # As in Viam: a resource that cannot reconfigure is rebuilt.
            return wit.ReconfigureOutcome.REBUILD
        run("reconfigure", lambda: fn(_config(config), Dependencies(deps)))
        return wit.ReconfigureOutcome.APPLIED

    def do_command(self, command: List[Any]) -> List[Any]:
        fn = method(self, "do_command")
        return run("do_command", lambda: fn(_values.to_python(command) or {}), convert=_values.map_to_nodes)

    def get_geometries(self, extra: List[Any]) -> List[Any]:
        fn = method(self, "get_geometries")
        return run("get_geometries", lambda: fn(extra=_values.to_python(extra) or {}), convert=_no_geometries)

    def tick(self) -> None:
        if _runtime.user_tick_due():
            tick = getattr(self.resource, "tick", None)
            if tick is not None:
                run("tick", tick)
                return
        run("background tasks", lambda: None)


def _no_geometries(found: Any) -> List[Any]:
    if found:
        raise NotImplementedError("geometries from Python modules are not supported yet")
    return []


class Model(exports.Model):
    def models(self) -> List[wit.ModelInfo]:
        return [wit.ModelInfo(api, model) for api, model in sorted(registry.models())]

    def validate(self, config: wit.Config) -> wit.Dependencies:
        cls = _model_class(config)
        return run("validate_config", lambda: cls.validate_config(_config(config)), _INVALID, _dependency_names)

    def construct(self, config: wit.Config, deps: List[Any]) -> Instance:
        cls = _model_class(config)
        resource = run("new", lambda: cls.new(_config(config), Dependencies(deps)))
        period = getattr(resource, "TICK_MS", 0)
        if period:
            _runtime.tick_every(period)
        return Instance(resource)


class Lifecycle(exports.Lifecycle):
    """Contract 0.2.0's explicit close: the host calls it once before it
    drops the resource, so a Python resource's `close()` runs as in Viam
    (componentize-py does not pass the drop itself on to Python)."""

    def close(self, res: Instance) -> None:
        fn = getattr(res.resource, "close", None)
        if fn is not None:
            run("close", fn)
