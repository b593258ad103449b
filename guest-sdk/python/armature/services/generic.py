from ..resource.base import ServiceBase
from ..resource.types import API


class Generic(ServiceBase):
    """rdk:service:generic: DoCommand only."""

    API = API("rdk", "service", "generic")
