from typing import Any, Dict, List, Optional

from ..errors import Unimplemented
from ..proto.common import KinematicsFileFormat, Mesh, Pose
from ..proto.component.arm import JointPositions, MoveOptions
from ..resource.base import ComponentBase
from ..resource.types import API
from . import KinematicsReturn

Extra = Optional[Dict[str, Any]]


class Arm(ComponentBase):
    """rdk:component:arm. Moves start the motion and return; the host asks
    `is_moving` until the motion ends. Poses are mm and an orientation vector
    in degrees; joint positions are degrees (rotational joints) or mm
    (translational ones), base to end effector."""

    API = API("rdk", "component", "arm")

    async def get_end_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Pose:
        raise Unimplemented(f"{type(self).__name__} does not implement get_end_position")

    async def move_to_position(self, pose: Pose, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement move_to_position")

    async def move_to_joint_positions(self, positions: JointPositions, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement move_to_joint_positions")

    async def move_through_joint_positions(
        self,
        positions: List[JointPositions],
        options: Optional[MoveOptions] = None,
        *,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement move_through_joint_positions")

    async def get_joint_positions(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> JointPositions:
        raise Unimplemented(f"{type(self).__name__} does not implement get_joint_positions")

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


# As Viam's `viam.components.arm` exports them.
__all__ = ["Arm", "JointPositions", "KinematicsFileFormat", "KinematicsReturn", "Mesh", "MoveOptions", "Pose"]
