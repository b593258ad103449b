from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

from ..errors import Unimplemented
from ..proto.common import GeoPoint, Orientation, Vector3
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Dict[str, Any]]


class MovementSensor(ComponentBase):
    """rdk:component:movement_sensor"""

    API = API("rdk", "component", "movement_sensor")

    @dataclass
    class Properties:
        linear_velocity_supported: bool = False
        angular_velocity_supported: bool = False
        orientation_supported: bool = False
        position_supported: bool = False
        compass_heading_supported: bool = False
        linear_acceleration_supported: bool = False

    @dataclass
    class Accuracy:
        accuracy: Dict[str, float] = field(default_factory=dict)
        position_hdop: Optional[float] = None
        position_vdop: Optional[float] = None
        position_nmea_gga_fix: Optional[int] = None
        compass_degrees_error: Optional[float] = None

    async def get_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[GeoPoint, float]:
        raise Unimplemented(f"{type(self).__name__} does not implement get_position")

    async def get_linear_velocity(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Vector3:
        raise Unimplemented(f"{type(self).__name__} does not implement get_linear_velocity")

    async def get_angular_velocity(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Vector3:
        raise Unimplemented(f"{type(self).__name__} does not implement get_angular_velocity")

    async def get_linear_acceleration(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Vector3:
        raise Unimplemented(f"{type(self).__name__} does not implement get_linear_acceleration")

    async def get_compass_heading(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> float:
        raise Unimplemented(f"{type(self).__name__} does not implement get_compass_heading")

    async def get_orientation(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Orientation:
        raise Unimplemented(f"{type(self).__name__} does not implement get_orientation")

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> "MovementSensor.Properties":
        return MovementSensor.Properties()

    async def get_accuracy(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> "MovementSensor.Accuracy":
        return MovementSensor.Accuracy()

    async def get_readings(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        raise Unimplemented(f"{type(self).__name__} does not implement get_readings")
