"""The baseline of `cargo xtask bench`: the benchmark sensor as a Viam module
written with the official Python SDK, the way Viam's docs write one
(`EasyResource` + `Module.run_from_registry`).

viam-server starts it as `<exe> <socket>`, calls ModuleService/Ready and
AddResource, and forwards each client call to its socket; the benchmark does
the same. It answers GetReadings with the same three fixed numbers as the
Armature guest and the floor server.
"""

import asyncio
from typing import Any, ClassVar, Mapping, Optional

from viam.components.sensor import Sensor
from viam.module.module import Module
from viam.resource.easy_resource import EasyResource
from viam.resource.types import Model, ModelFamily
from viam.utils import SensorReading


class BenchSensor(Sensor, EasyResource):
    MODEL: ClassVar[Model] = Model(ModelFamily("armature", "bench"), "sensor")

    async def get_readings(
        self, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs
    ) -> Mapping[str, SensorReading]:
        return {"temperature": 21.5, "humidity": 40.25, "pressure": 1013.25}


if __name__ == "__main__":
    asyncio.run(Module.run_from_registry())
