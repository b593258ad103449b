"""The plain message types of Viam's `viam.proto.common` that modules return."""

from dataclasses import asdict, dataclass

from ..resource.types import ResourceName


@dataclass
class Vector3:
    x: float = 0.0
    y: float = 0.0
    z: float = 0.0

    def _armature_plain(self):
        return asdict(self)


@dataclass
class Orientation:
    """An orientation vector: unit axis (o_x, o_y, o_z) and theta in degrees."""

    o_x: float = 0.0
    o_y: float = 0.0
    o_z: float = 1.0
    theta: float = 0.0

    def _armature_plain(self):
        return asdict(self)


@dataclass
class GeoPoint:
    latitude: float = 0.0
    longitude: float = 0.0

    def _armature_plain(self):
        return asdict(self)


__all__ = ["GeoPoint", "Orientation", "ResourceName", "Vector3"]
