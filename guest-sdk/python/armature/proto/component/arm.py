"""The message types of Viam's `viam.proto.component.arm` that arm drivers
take and return."""

from dataclasses import dataclass, field
from typing import List, Optional


@dataclass
class JointPositions:
    """One value per joint, base to end effector: degrees for rotational
    joints, mm for translational ones."""

    values: List[float] = field(default_factory=list)


@dataclass
class MoveOptions:
    """Limits for `move_through_joint_positions`. As in Viam, the scalar
    limits have presence: test `options.HasField("max_vel_degs_per_sec")`
    (here an unset limit is also `None`) rather than reading 0 as a limit."""

    max_vel_degs_per_sec: Optional[float] = None
    max_acc_degs_per_sec2: Optional[float] = None
    # Per joint; when given, overrides max_vel_degs_per_sec.
    max_vel_degs_per_sec_joints: List[float] = field(default_factory=list)
    # Per joint; when given, overrides max_acc_degs_per_sec2.
    max_acc_degs_per_sec2_joints: List[float] = field(default_factory=list)
    # The tool center point's top speed, m/s.
    max_tcp_speed: Optional[float] = None

    _OPTIONAL = ("max_vel_degs_per_sec", "max_acc_degs_per_sec2", "max_tcp_speed")

    def HasField(self, name: str) -> bool:
        if name not in self._OPTIONAL:
            # As protobuf answers for a field without presence.
            raise ValueError(f"MoveOptions.{name} has no presence; only {', '.join(self._OPTIONAL)} do")
        return getattr(self, name) is not None


__all__ = ["JointPositions", "MoveOptions"]
