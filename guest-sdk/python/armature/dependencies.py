"""Dependencies, handed to `new` and `reconfigure` as Viam does: a mapping
from `ResourceName` to the client for that API (`armature.clients`), with
the methods and results of Viam's:

    arm = dependencies[Arm.get_resource_name("arm-1")]     # an ArmClient, an Arm
    await arm.move_to_joint_positions(JointPositions(values=[0, 45, -30]))

A plain short name works as a key too: `dependencies["arm-1"]`. A
dependency of an API without a client of its own (a service other than
generic, a custom API) offers `do_command`."""

from typing import Any, Dict, Iterator, List, Mapping

from .clients import DependencyClient, client_for
from .resource.types import ResourceName


class Dependencies(Mapping[Any, DependencyClient]):
    def __init__(self, handles: List[Any]):
        self._by_name: Dict[ResourceName, DependencyClient] = {}
        for handle in handles:
            client = client_for(handle)
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
