from ..resource.base import ComponentBase
from ..resource.types import API


class Generic(ComponentBase):
    """rdk:component:generic: DoCommand only."""

    API = API("rdk", "component", "generic")
