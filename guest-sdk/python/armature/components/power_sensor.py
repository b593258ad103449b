from typing import Any, Dict, Mapping, Optional, Tuple

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Dict[str, Any]]


class PowerSensor(ComponentBase):
    """rdk:component:power_sensor"""

    API = API("rdk", "component", "power_sensor")

    async def get_voltage(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[float, bool]:
        """(volts, is_ac)"""
        raise Unimplemented(f"{type(self).__name__} does not implement get_voltage")

    async def get_current(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[float, bool]:
        """(amperes, is_ac)"""
        raise Unimplemented(f"{type(self).__name__} does not implement get_current")

    async def get_power(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> float:
        """Watts."""
        raise Unimplemented(f"{type(self).__name__} does not implement get_power")

    async def get_readings(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        """The three gathered, as Viam's power sensors report them:
        `voltage`, `current`, `is_ac` and `power`."""
        volts, is_ac = _with_ac(await self.get_voltage(extra=extra, timeout=timeout))
        amperes, _ = _with_ac(await self.get_current(extra=extra, timeout=timeout))
        watts = await self.get_power(extra=extra, timeout=timeout)
        return {"voltage": volts, "current": amperes, "is_ac": is_ac, "power": watts}


def _with_ac(found: Any) -> Tuple[Any, bool]:
    """Viam's `(value, is_ac)`; a plain number is direct current."""
    return tuple(found) if isinstance(found, (tuple, list)) and len(found) == 2 else (found, False)


# As Viam's `viam.components.power_sensor` exports them.
__all__ = ["PowerSensor"]
