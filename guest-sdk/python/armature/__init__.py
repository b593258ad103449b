"""Armature's Python SDK: write a module the way Viam's Python modules are
written, and run it sandboxed inside the Armature host.

    from armature.components.sensor import Sensor
    from armature.resource.easy_resource import EasyResource

    class Thermometer(Sensor, EasyResource):
        MODEL = "acme:demo:thermometer"

        async def get_readings(self, *, extra=None, timeout=None, **kwargs):
            return {"temperature": 21.5}

`armature build FOLDER` turns the folder's `main.py` into a component.
"""

from . import errors
from ._runtime import tick_every
from .config import ComponentConfig, struct_to_dict
from .logging import getLogger, log
from .module.module import Module
from .resource.easy_resource import EasyResource

__all__ = [
    "ComponentConfig",
    "EasyResource",
    "Module",
    "errors",
    "getLogger",
    "log",
    "struct_to_dict",
    "tick_every",
]
