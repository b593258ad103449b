"""Dependencies, handed to `new` and `reconfigure` as Viam does: a mapping
from `ResourceName` to an object with the methods of the SDK's client for
that API. A plain short name works as a key too: `dependencies["temp-1"]`.

Calls go through the host to the other resource's sandbox. WIT 0.1.0
carries DoCommand for every API and GetReadings for sensors and movement
sensors; other methods raise `Unimplemented`."""

from typing import Any, Dict, Iterator, List, Mapping, Optional

from componentize_py_types import Err

from . import _values, errors
from .resource.types import ResourceName


def _call(fn, *args):
    try:
        return fn(*args)
    except Err as e:
        raise errors.from_wit(e.value) from None


class DependencyClient:
    """What every dependency has: its name and DoCommand."""

    def __init__(self, handle: Any):
        self._handle = handle
        self.name = handle.name()
        self.api = handle.api()

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        return _values.to_python(_call(self._handle.do_command, _values.to_nodes(dict(command))))

    async def get_readings(self, *, extra: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        if self.api not in ("rdk:component:sensor", "rdk:component:movement_sensor"):
            raise errors.Unimplemented(f"dependency {self.name!r} ({self.api}) has no GetReadings")
        return _values.to_python(_call(self._handle.get_readings, _values.to_nodes(extra or {})))

    def __getattr__(self, method: str):
        # Any other method of the API's client: not carried by WIT 0.1.0 yet.
        async def unsupported(*args, **kwargs):
            raise errors.Unimplemented(f"dependency {self.name!r}: {method} is not available to modules yet (DoCommand and GetReadings are)")

        if method.startswith("_"):
            raise AttributeError(method)
        return unsupported

    def __repr__(self) -> str:
        return f"<dependency {self.api}/{self.name}>"


class Dependencies(Mapping[Any, DependencyClient]):
    def __init__(self, handles: List[Any]):
        self._by_name: Dict[ResourceName, DependencyClient] = {}
        for handle in handles:
            client = DependencyClient(handle)
            self._by_name[ResourceName.of(client.api, client.name)] = client

    def __getitem__(self, key: Any) -> DependencyClient:
        if isinstance(key, ResourceName):
            return self._by_name[key]
        for name, client in self._by_name.items():
            if str(key) in (name.name, str(name)):
                return client
        raise KeyError(key)

    def __iter__(self) -> Iterator[ResourceName]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)
