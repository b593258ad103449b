from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Dict[str, Any]]


class Motor(ComponentBase):
    """rdk:component:motor. Motions (go_for, go_to) start and return; the
    host asks `is_moving` until the motion ends."""

    API = API("rdk", "component", "motor")

    @dataclass
    class Properties:
        position_reporting: bool = False

    async def set_power(self, power: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement set_power")

    async def go_for(self, rpm: float, revolutions: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement go_for")

    async def go_to(self, rpm: float, position_revolutions: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement go_to")

    async def set_rpm(self, rpm: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement set_rpm")

    async def reset_zero_position(self, offset: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement reset_zero_position")

    async def get_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> float:
        raise Unimplemented(f"{type(self).__name__} does not implement get_position")

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> "Motor.Properties":
        return Motor.Properties()

    async def stop(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement stop")

    async def is_powered(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[bool, float]:
        raise Unimplemented(f"{type(self).__name__} does not implement is_powered")

    async def is_moving(self) -> bool:
        return False
