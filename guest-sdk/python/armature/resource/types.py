"""API and model triplets and resource names, as in Viam's `viam.resource.types`."""

from dataclasses import dataclass


@dataclass(frozen=True)
class API:
    namespace: str
    resource_type: str
    resource_subtype: str

    @classmethod
    def from_string(cls, text: str) -> "API":
        parts = text.split(":")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"API {text!r} is not 'namespace:type:subtype'")
        return cls(*parts)

    def __str__(self) -> str:
        return f"{self.namespace}:{self.resource_type}:{self.resource_subtype}"


@dataclass(frozen=True)
class ModelFamily:
    namespace: str
    family: str

    def __str__(self) -> str:
        return f"{self.namespace}:{self.family}"


@dataclass(frozen=True)
class Model:
    model_family: ModelFamily
    name: str

    @classmethod
    def from_string(cls, text: str) -> "Model":
        parts = text.split(":")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"MODEL {text!r} is not 'namespace:family:name'")
        return cls(ModelFamily(parts[0], parts[1]), parts[2])

    def __str__(self) -> str:
        return f"{self.model_family}:{self.name}"


@dataclass(frozen=True)
class ResourceName:
    """Viam's `viam.proto.common.ResourceName`: hashable, a dependency map's key."""

    namespace: str
    type: str
    subtype: str
    name: str

    @classmethod
    def of(cls, api: str, name: str) -> "ResourceName":
        a = API.from_string(api)
        return cls(a.namespace, a.resource_type, a.resource_subtype, name)

    def __str__(self) -> str:
        return f"{self.namespace}:{self.type}:{self.subtype}/{self.name}"
