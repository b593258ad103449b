from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Dict[str, Any]]


class PositionType:
    """Viam's `viam.proto.component.encoder.PositionType` values."""

    POSITION_TYPE_UNSPECIFIED = 0
    POSITION_TYPE_TICKS_COUNT = 1
    POSITION_TYPE_ANGLE_DEGREES = 2


class Encoder(ComponentBase):
    """rdk:component:encoder"""

    API = API("rdk", "component", "encoder")

    @dataclass
    class Properties:
        ticks_count_supported: bool = False
        angle_degrees_supported: bool = False

    async def reset_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement reset_position")

    async def get_position(self, position_type: Optional[int] = None, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[float, int]:
        raise Unimplemented(f"{type(self).__name__} does not implement get_position")

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> "Encoder.Properties":
        raise Unimplemented(f"{type(self).__name__} does not implement get_properties")
