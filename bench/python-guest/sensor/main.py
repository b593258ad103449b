"""Scenario 9 of `cargo xtask bench`: `bench/python/sensor_module.py` (the
Python Viam module the benchmark compares with) ported to Armature by
changing its imports and nothing else; `armature build` makes it a
component. It answers GetReadings with the same three fixed numbers.
"""

import asyncio
from typing import Any, ClassVar, Mapping, Optional

from armature.components.sensor import Sensor
from armature.module.module import Module
from armature.resource.easy_resource import EasyResource
from armature.resource.types import Model, ModelFamily
from armature.utils import SensorReading


class BenchSensor(Sensor, EasyResource):
    MODEL: ClassVar[Model] = Model(ModelFamily("armature", "bench"), "sensor")

    async def get_readings(
        self, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs
    ) -> Mapping[str, SensorReading]:
        return {"temperature": 21.5, "humidity": 40.25, "pressure": 1013.25}


if __name__ == "__main__":
    asyncio.run(Module.run_from_registry())
