from typing import Any, Dict, Mapping, Optional

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API


class Sensor(ComponentBase):
    """rdk:component:sensor"""

    API = API("rdk", "component", "sensor")

    async def get_readings(self, *, extra: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        raise Unimplemented(f"{type(self).__name__} does not implement get_readings")
