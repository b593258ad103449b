"""An inline sensor. Save & Deploy builds it on the machine; add a resource
of model "inline:{{module}}:sensor" to read it.

    { "name": "my-sensor", "api": "rdk:component:sensor",
      "model": "inline:{{module}}:sensor", "attributes": { "offset": 0 } }
"""

import math
import time
from typing import Any, ClassVar, Mapping, Optional, Sequence, Tuple

from armature.components.sensor import Sensor
from armature.proto.app.robot import ComponentConfig
from armature.resource.easy_resource import EasyResource


class MySensor(Sensor, EasyResource):
    MODEL: ClassVar = "inline:{{module}}:sensor"

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        config.get_float("offset", 0.0)
        return [], []

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "MySensor":
        resource = cls(config.name)
        resource.reconfigure(config, dependencies)
        return resource

    def reconfigure(self, config: ComponentConfig, dependencies: Mapping) -> None:
        self.offset = config.get_float("offset", 0.0)

    async def get_readings(self, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        wave = math.sin(time.time() / 10)
        return {"value": 1.0 + self.offset, "wave": round(wave, 3)}
