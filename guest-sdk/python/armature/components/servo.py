from typing import Any, Mapping, Optional

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Mapping[str, Any]]


class Servo(ComponentBase):
    """rdk:component:servo. `move` starts the motion and returns."""

    API = API("rdk", "component", "servo")

    async def move(self, angle: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement move")

    async def get_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> int:
        raise Unimplemented(f"{type(self).__name__} does not implement get_position")

    async def stop(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement stop")

    async def is_moving(self) -> bool:
        return False
