from typing import Any, Mapping, Optional, Sequence, Tuple

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Mapping[str, Any]]


class Switch(ComponentBase):
    """rdk:component:switch. Positions count from 0; the host refuses one
    outside `get_number_of_positions` before it reaches the model."""

    API = API("rdk", "component", "switch")

    async def get_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> int:
        raise Unimplemented(f"{type(self).__name__} does not implement get_position")

    async def set_position(self, position: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement set_position")

    async def get_number_of_positions(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[int, Sequence[str]]:
        """(count, labels): one label per position, or none."""
        raise Unimplemented(f"{type(self).__name__} does not implement get_number_of_positions")


# As Viam's `viam.components.switch` exports them.
__all__ = ["Switch"]
