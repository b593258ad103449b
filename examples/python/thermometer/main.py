"""A simulated thermometer, in Python: the same model as the Rust
`examples/thermometer`, written the way a Viam Python module is.

    { "name": "py-temp", "api": "rdk:component:sensor",
      "model": "armature:examples:py-thermometer",
      "attributes": { "celsius": 21.5, "humidity": 40 } }

DoCommand {"command": "set", "celsius": 42.5} changes the temperature;
{"command": "stats"} says how often it has been read.
"""

from typing import Any, ClassVar, Mapping, Optional, Sequence, Tuple

from armature.components.sensor import Sensor
from armature.errors import InvalidArgument
from armature.proto.app.robot import ComponentConfig
from armature.resource.easy_resource import EasyResource


class Thermometer(Sensor, EasyResource):
    MODEL: ClassVar = "armature:examples:py-thermometer"

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        humidity = config.get_float("humidity", 40.0)
        if not 0 <= humidity <= 100:
            raise config.error("humidity", f"must be within 0..100, got {humidity}")
        config.get_float("celsius", 21.0)
        return [], []

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "Thermometer":
        sensor = cls(config.name)
        sensor.reads = 0
        sensor.reconfigure(config, dependencies)
        return sensor

    def reconfigure(self, config: ComponentConfig, dependencies: Mapping) -> None:
        self.celsius = config.get_float("celsius", 21.0)
        self.humidity = config.get_float("humidity", 40.0)

    async def get_readings(self, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        self.reads += 1
        return {"temperature": self.celsius, "humidity": self.humidity}

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        if command.get("command") == "set":
            if "celsius" in command:
                self.celsius = float(command["celsius"])
            return {"celsius": self.celsius}
        if command.get("command") == "stats":
            return {"reads": self.reads}
        raise InvalidArgument(f"unknown command {command.get('command')!r}")
