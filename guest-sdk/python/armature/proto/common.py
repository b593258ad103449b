"""The plain message types of Viam's `viam.proto.common` that modules return;
in readings they travel in the form Viam's SDK gives them (`_type` keys)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from ..resource.types import ResourceName


@dataclass
class Vector3:
    x: float = 0.0
    y: float = 0.0
    z: float = 0.0

    def _armature_plain(self):
        return {"x": self.x, "y": self.y, "z": self.z, "_type": "vector3"}


@dataclass
class Orientation:
    """An orientation vector: unit axis (o_x, o_y, o_z) and theta in degrees."""

    o_x: float = 0.0
    o_y: float = 0.0
    o_z: float = 1.0
    theta: float = 0.0

    def _armature_plain(self):
        return {"ox": self.o_x, "oy": self.o_y, "oz": self.o_z, "theta": self.theta, "_type": "orientation_vector_degrees"}


@dataclass
class GeoPoint:
    latitude: float = 0.0
    longitude: float = 0.0

    def _armature_plain(self):
        return {"lat": self.latitude, "lng": self.longitude, "_type": "geopoint"}


@dataclass
class Pose:
    """A position (mm) and an orientation vector (degrees), as Viam's Pose."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    o_x: float = 0.0
    o_y: float = 0.0
    o_z: float = 1.0
    theta: float = 0.0


class KinematicsFileFormat:
    """Viam's `viam.proto.common.KinematicsFileFormat` values: the first item
    of what `get_kinematics` returns."""

    ValueType = int

    KINEMATICS_FILE_FORMAT_UNSPECIFIED = 0
    # Viam's kinematic parameter format (spatial vector algebra, JSON).
    KINEMATICS_FILE_FORMAT_SVA = 1
    KINEMATICS_FILE_FORMAT_URDF = 2


@dataclass
class Mesh:
    """A 3D model's mesh, as Viam's Mesh (`get_kinematics` may return a map
    of them; Armature does not send meshes on)."""

    content_type: str = ""
    mesh: bytes = b""


@dataclass
class Sphere:
    radius_mm: float = 0.0


@dataclass
class RectangularPrism:
    dims_mm: Vector3 = None


@dataclass
class Capsule:
    radius_mm: float = 0.0
    length_mm: float = 0.0


@dataclass
class Geometry:
    """A shape at a pose, as Viam's Geometry: what `get_geometries` returns.
    Here so that modules written against Viam's template import unchanged."""

    center: Pose = None
    sphere: Sphere = None
    box: RectangularPrism = None
    capsule: Capsule = None
    label: str = ""


@dataclass
class ResponseMetadata:
    """Viam's ResponseMetadata, the second item of what a camera's
    `get_images` returns: when the images were captured, if known."""

    captured_at: Optional[datetime] = None

    def HasField(self, name: str) -> bool:
        return getattr(self, name) is not None


__all__ = [
    "Capsule",
    "GeoPoint",
    "Geometry",
    "KinematicsFileFormat",
    "Mesh",
    "Orientation",
    "Pose",
    "RectangularPrism",
    "ResourceName",
    "ResponseMetadata",
    "Sphere",
    "Vector3",
]
