"""An inline logic service: polls the sensors it depends on in the
background and keeps the latest readings; DoCommand {"command": "latest"}
answers them.

    { "name": "my-logic", "api": "rdk:service:generic",
      "model": "inline:{{module}}:logic",
      "attributes": { "sensors": ["temp-1"], "poll_ms": 500 } }
"""

import asyncio
from typing import Any, ClassVar, Dict, Mapping, Optional, Sequence, Tuple

from armature.errors import InvalidArgument
from armature.proto.app.robot import ComponentConfig
from armature.resource.easy_resource import EasyResource
from armature.services.generic import Generic


class MyLogic(Generic, EasyResource):
    MODEL: ClassVar = "inline:{{module}}:logic"

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        sensors = config.get_list("sensors", [])
        if not all(isinstance(s, str) for s in sensors):
            raise config.error("sensors", "must be a list of sensor names")
        if config.get_float("poll_ms", 500) < 10:
            raise config.error("poll_ms", "must be at least 10")
        # Required dependencies: the machine builds this service after them.
        return sensors, []

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "MyLogic":
        service = cls(config.name)
        service.latest: Dict[str, Any] = {}
        service.task: Optional[asyncio.Task] = None
        service.reconfigure(config, dependencies)
        return service

    def reconfigure(self, config: ComponentConfig, dependencies: Mapping) -> None:
        self.sensors = {name: dependencies[name] for name in config.get_list("sensors", [])}
        self.poll_s = config.get_float("poll_ms", 500) / 1000
        # Background work restarts with the new settings.
        if self.task:
            self.task.cancel()
        self.task = asyncio.create_task(self.poll_forever())

    async def poll_forever(self) -> None:
        while True:
            for name, sensor in self.sensors.items():
                try:
                    self.latest[name] = await sensor.get_readings()
                except Exception as e:  # a sensor that is down is skipped this round
                    self.logger.debug(f"{name}: {e}")
            await asyncio.sleep(self.poll_s)

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        if command.get("command") == "latest":
            return {"readings": self.latest}
        raise InvalidArgument(f"unknown command {command.get('command')!r}")

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
