from dataclasses import dataclass
from typing import Any, Dict, Optional

from ..errors import Unimplemented
from ..proto.common import KinematicsFileFormat
from ..resource.base import ComponentBase
from ..resource.types import API
from . import KinematicsReturn

Extra = Optional[Dict[str, Any]]


class Gripper(ComponentBase):
    """rdk:component:gripper. `open` and `grab` start the motion and return;
    the host asks `is_moving` until it ends, then answers Grab with
    `is_holding_something` (what `grab` returns is not used)."""

    API = API("rdk", "component", "gripper")

    @dataclass
    class HoldingStatus:
        is_holding_something: bool
        meta: Optional[Dict[str, Any]] = None

    async def open(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement open")

    async def grab(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> bool:
        raise Unimplemented(f"{type(self).__name__} does not implement grab")

    async def is_holding_something(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> "Gripper.HoldingStatus":
        raise Unimplemented(f"{type(self).__name__} does not implement is_holding_something")

    async def stop(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement stop")

    async def is_moving(self) -> bool:
        return False

    async def get_kinematics(
        self,
        *,
        include_collision_meshes: bool = False,
        include_visual_meshes: bool = False,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> KinematicsReturn:
        raise Unimplemented(f"{type(self).__name__} does not implement get_kinematics")


# As Viam's `viam.components.gripper` exports them.
__all__ = ["Gripper", "KinematicsFileFormat"]
