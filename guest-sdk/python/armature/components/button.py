from typing import Any, Mapping, Optional

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Mapping[str, Any]]


class Button(ComponentBase):
    """rdk:component:button"""

    API = API("rdk", "component", "button")

    async def push(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement push")


# As Viam's `viam.components.button` exports them.
__all__ = ["Button"]
