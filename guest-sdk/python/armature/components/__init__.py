"""The component API classes, one module each (`armature.components.sensor`,
...), shaped like Viam's `viam.components`."""

from typing import Any, Mapping, Tuple, Union

from ..proto.common import Mesh

# What `get_kinematics` returns (arm, gripper, gantry), as Viam's
# `viam.components.KinematicsReturn`: (format, data), optionally followed by
# meshes by URDF file path and a kinematic model. The format is a
# `KinematicsFileFormat` value; Armature sends on the format and data only.
KinematicsReturn = Union[
    Tuple[int, bytes],
    Tuple[int, bytes, Mapping[str, Mesh]],
    Tuple[int, bytes, Mapping[str, Mesh], Any],
]

__all__ = ["KinematicsReturn"]
