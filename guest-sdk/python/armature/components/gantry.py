from typing import Any, Dict, List, Optional

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API
from . import KinematicsReturn

Extra = Optional[Dict[str, Any]]


class Gantry(ComponentBase):
    """rdk:component:gantry: one position, speed and length per axis, in mm.
    `move_to_position` and `home` start the motion and return; the host asks
    `is_moving` until it ends (what `home` returns is not used)."""

    API = API("rdk", "component", "gantry")

    async def get_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[float]:
        raise Unimplemented(f"{type(self).__name__} does not implement get_position")

    async def move_to_position(self, positions: List[float], speeds: List[float], *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement move_to_position")

    async def home(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> bool:
        raise Unimplemented(f"{type(self).__name__} does not implement home")

    async def get_lengths(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[float]:
        raise Unimplemented(f"{type(self).__name__} does not implement get_lengths")

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


# As Viam's `viam.components.gantry` exports them.
__all__ = ["Gantry"]
