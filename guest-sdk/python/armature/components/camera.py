from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Dict[str, Any]]


@dataclass
class NamedImage:
    """One image of `get_images`: Viam's `viam.media.video.NamedImage`."""

    name: str
    data: bytes
    mime_type: str


class Camera(ComponentBase):
    """rdk:component:camera"""

    API = API("rdk", "component", "camera")

    @dataclass
    class IntrinsicParameters:
        width_px: int = 0
        height_px: int = 0
        focal_x_px: float = 0.0
        focal_y_px: float = 0.0
        center_x_px: float = 0.0
        center_y_px: float = 0.0

    @dataclass
    class DistortionParameters:
        model: str = ""
        parameters: List[float] = field(default_factory=list)

    @dataclass
    class Properties:
        supports_pcd: bool = False
        intrinsic_parameters: Optional["Camera.IntrinsicParameters"] = None
        distortion_parameters: Optional["Camera.DistortionParameters"] = None
        mime_types: List[str] = field(default_factory=list)
        frame_rate: Optional[float] = None

    async def get_images(self, *, filter_source_names: Optional[Sequence[str]] = None, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[List[NamedImage], Any]:
        """Images, one per source; may return a list or (list, metadata) as in Viam."""
        raise Unimplemented(f"{type(self).__name__} does not implement get_images")

    async def get_point_cloud(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[bytes, str]:
        raise Unimplemented(f"{type(self).__name__} does not implement get_point_cloud")

    async def get_properties(self, *, timeout: Optional[float] = None, **kwargs) -> "Camera.Properties":
        return Camera.Properties()
