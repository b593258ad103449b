"""The vision service's messages (`viam.proto.service.vision`), with the
fields and names of Viam's."""

from dataclasses import dataclass, field
from typing import List, Optional

from ..common import Geometry


@dataclass
class Detection:
    """A detected object: a box in pixels, the same as shares of the image's
    width and height, a confidence in [0, 1] and a label."""

    x_min: Optional[int] = None
    y_min: Optional[int] = None
    x_max: Optional[int] = None
    y_max: Optional[int] = None
    confidence: float = 0.0
    class_name: str = ""
    x_min_normalized: Optional[float] = None
    y_min_normalized: Optional[float] = None
    x_max_normalized: Optional[float] = None
    y_max_normalized: Optional[float] = None


@dataclass
class Classification:
    class_name: str = ""
    confidence: float = 0.0


@dataclass
class GetPropertiesResponse:
    """What a vision service can do (`Vision.Properties`)."""

    classifications_supported: bool = False
    detections_supported: bool = False
    object_point_clouds_supported: bool = False
    default_camera: Optional[str] = None


@dataclass
class GeometriesInFrame:
    reference_frame: str = ""
    geometries: List[Geometry] = field(default_factory=list)


@dataclass
class PointCloudObject:
    """`viam.proto.common.PointCloudObject`: an object's points (PCD) and
    its geometries."""

    point_cloud: bytes = b""
    geometries: Optional[GeometriesInFrame] = None


__all__ = ["Classification", "Detection", "GeometriesInFrame", "GetPropertiesResponse", "PointCloudObject"]
