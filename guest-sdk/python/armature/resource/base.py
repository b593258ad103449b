"""What every resource has: a name, DoCommand, geometries and close, with
Viam's method names and keyword arguments. The API classes in
`armature.components` and `armature.services` build on these."""

import abc
import logging
from typing import Any, ClassVar, Dict, List, Mapping, Optional

from ..errors import Unimplemented
from .types import API, ResourceName


class ResourceBase(abc.ABC):
    API: ClassVar[API]

    def __init__(self, name: str, *, logger: Optional[logging.Logger] = None):
        from ..logging import getLogger

        self.name = name
        self.logger = logger or getLogger(name)

    @classmethod
    def get_resource_name(cls, name: str) -> ResourceName:
        return ResourceName.of(str(cls.API), name)

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        raise Unimplemented(f"{type(self).__name__} does not implement do_command")

    async def get_geometries(self, *, extra: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None) -> List[Any]:
        return []

    async def close(self) -> None:
        """Called once when the resource is removed or rebuilt, or the
        machine stops (contract 0.2.0's explicit close), as in Viam. The
        host then discards the resource's sandbox, so its background tasks
        end in any case."""


class ComponentBase(ResourceBase):
    pass


class ServiceBase(ResourceBase):
    pass
