"""rdk:service:vision, as Viam's Python SDK has it (`viam.services.vision`):
a model implements what it can and says which in `get_properties`; every
other method raises `Unimplemented`."""

from typing import Any, List, Mapping, Optional

from ..errors import Unimplemented
from ..media.video import ViamImage
from ..proto.service.vision import Classification, Detection, GetPropertiesResponse, PointCloudObject
from ..resource.base import ServiceBase
from ..resource.types import API

Extra = Optional[Mapping[str, Any]]


class CaptureAllResult:
    """What `capture_all_from_camera` found on one image: a part not asked
    for is None."""

    def __init__(
        self,
        image: Optional[ViamImage] = None,
        classifications: Optional[List[Classification]] = None,
        detections: Optional[List[Detection]] = None,
        objects: Optional[List[PointCloudObject]] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.image = image
        self.classifications = classifications
        self.detections = detections
        self.objects = objects
        self.extra = dict(extra or {})

    def __repr__(self) -> str:
        return (f"CaptureAllResult(image={self.image!r}, detections={self.detections!r}, "
                f"classifications={self.classifications!r}, objects={self.objects!r})")


class Vision(ServiceBase):
    """rdk:service:vision"""

    API = API("rdk", "service", "vision")

    Properties = GetPropertiesResponse

    def _missing(self, method: str) -> Unimplemented:
        return Unimplemented(f"{type(self).__name__} does not implement {method}")

    async def capture_all_from_camera(
        self,
        camera_name: str,
        return_image: bool = False,
        return_classifications: bool = False,
        return_detections: bool = False,
        return_object_point_clouds: bool = False,
        *,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> CaptureAllResult:
        raise self._missing("capture_all_from_camera")

    async def get_detections_from_camera(self, camera_name: str, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Detection]:
        raise self._missing("get_detections_from_camera")

    async def get_detections(self, image: ViamImage, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Detection]:
        raise self._missing("get_detections")

    async def get_classifications_from_camera(self, camera_name: str, count: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Classification]:
        raise self._missing("get_classifications_from_camera")

    async def get_classifications(self, image: ViamImage, count: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Classification]:
        raise self._missing("get_classifications")

    async def get_object_point_clouds(self, camera_name: str, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[PointCloudObject]:
        raise self._missing("get_object_point_clouds")

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> GetPropertiesResponse:
        raise self._missing("get_properties")


# As Viam's `viam.services.vision` exports them.
__all__ = ["CaptureAllResult", "Detection", "Classification", "Vision"]
