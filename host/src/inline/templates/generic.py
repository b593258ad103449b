"""An inline generic component: DoCommand only. {"command": "set", "value": 3}
stores a value, {"command": "get"} answers it.

    { "name": "my-thing", "api": "rdk:component:generic",
      "model": "inline:{{module}}:generic", "attributes": {} }
"""

from typing import Any, ClassVar, Mapping, Optional, Sequence, Tuple

from armature.components.generic import Generic
from armature.errors import InvalidArgument
from armature.proto.app.robot import ComponentConfig
from armature.resource.easy_resource import EasyResource


class MyThing(Generic, EasyResource):
    MODEL: ClassVar = "inline:{{module}}:generic"

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        return [], []

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "MyThing":
        resource = cls(config.name)
        resource.reconfigure(config, dependencies)
        return resource

    def reconfigure(self, config: ComponentConfig, dependencies: Mapping) -> None:
        self.value = config.attrs.get("value")

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        if command.get("command") == "set":
            self.value = command.get("value")
            return {"value": self.value}
        if command.get("command") == "get":
            return {"value": self.value}
        raise InvalidArgument(f"unknown command {command.get('command')!r}")
