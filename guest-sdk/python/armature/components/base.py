from dataclasses import dataclass
from typing import Any, Dict, Optional

from ..errors import Unimplemented
from ..proto.common import Vector3
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Dict[str, Any]]


class Base(ComponentBase):
    """rdk:component:base. `move_straight` and `spin` start the motion and
    return; the host asks `is_moving` until it ends. `set_power` and
    `set_velocity` keep going until told otherwise. A wheeled base uses
    `linear.y` (positive: forward) and `angular.z` (positive: left)."""

    API = API("rdk", "component", "base")

    @dataclass
    class Properties:
        width_meters: float = 0.0
        turning_radius_meters: float = 0.0
        wheel_circumference_meters: float = 0.0

    async def move_straight(self, distance: int, velocity: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement move_straight")

    async def spin(self, angle: float, velocity: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement spin")

    async def set_power(self, linear: Vector3, angular: Vector3, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement set_power")

    async def set_velocity(self, linear: Vector3, angular: Vector3, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement set_velocity")

    async def stop(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement stop")

    async def is_moving(self) -> bool:
        return False

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> "Base.Properties":
        raise Unimplemented(f"{type(self).__name__} does not implement get_properties")


# As Viam's `viam.components.base` exports them.
__all__ = ["Base", "Vector3"]
