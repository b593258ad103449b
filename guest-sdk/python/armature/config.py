"""A resource's configuration, in the shape of Viam's `ComponentConfig`.

`config.attributes` reads like the protobuf Struct a Viam module gets
(`config.attributes.fields["pin"].number_value`, `struct_to_dict(...)`), so
ported code keeps working; the typed getters (`config.get_int("pin")`, ...)
say which attribute of which resource is wrong when it is.
"""

from typing import Any, Dict, List, Mapping, Optional

from .errors import InvalidArgument

_MISSING = object()
# A key the attributes do not have: protobuf answers a default Value.
_UNSET = object()


class Value:
    """One attribute value, read the way protobuf's `Value` is."""

    def __init__(self, value: Any):
        self._value = value

    @property
    def number_value(self) -> float:
        return float(self._value) if _is_number(self._value) else 0.0

    @property
    def string_value(self) -> str:
        return self._value if isinstance(self._value, str) else ""

    @property
    def bool_value(self) -> bool:
        return self._value if isinstance(self._value, bool) else False

    @property
    def struct_value(self) -> "Struct":
        return Struct(self._value if isinstance(self._value, dict) else {})

    @property
    def list_value(self) -> "ListValue":
        return ListValue(self._value if isinstance(self._value, list) else [])

    @property
    def null_value(self) -> int:
        return 0

    def WhichOneof(self, _name: str) -> Optional[str]:
        v = self._value
        if v is _UNSET:
            return None
        if v is None:
            return "null_value"
        if isinstance(v, bool):
            return "bool_value"
        if _is_number(v):
            return "number_value"
        if isinstance(v, str):
            return "string_value"
        if isinstance(v, dict):
            return "struct_value"
        return "list_value"

    def HasField(self, name: str) -> bool:
        return self.WhichOneof("kind") == name


class ListValue:
    def __init__(self, items: List[Any]):
        self.values = [Value(v) for v in items]


class _Fields(dict):
    """`struct.fields[key]`: a missing key reads as a default Value, as in protobuf."""

    def __missing__(self, key: str) -> Value:
        return Value(_UNSET)


class Struct:
    """A read-only stand-in for `google.protobuf.Struct`."""

    def __init__(self, fields: Dict[str, Any]):
        self._plain = fields
        self.fields = _Fields((k, Value(v)) for k, v in fields.items())

    def __contains__(self, key: str) -> bool:
        return key in self._plain

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Struct) and other._plain == self._plain


def struct_to_dict(struct: Struct) -> Dict[str, Any]:
    """The attributes as a plain `dict` (Viam's `viam.utils.struct_to_dict`)."""
    return dict(struct._plain)


class ComponentConfig:
    """`name`, `api` ("rdk:component:sensor"), `model` and `attributes`."""

    def __init__(self, name: str, api: str, model: str, attributes: Optional[Dict[str, Any]]):
        self.name = name
        self.api = api
        self.model = model
        self.attributes = Struct(attributes if isinstance(attributes, dict) else {})

    @property
    def attrs(self) -> Dict[str, Any]:
        """The attributes as a plain `dict`."""
        return self.attributes._plain

    def get(self, key: str, default: Any = _MISSING) -> Any:
        """An attribute of any type; `InvalidArgument` naming it when missing and no default."""
        if key in self.attributes._plain:
            return self.attributes._plain[key]
        if default is _MISSING:
            raise self.error(key, "is required")
        return default

    def get_float(self, key: str, default: Any = _MISSING) -> float:
        value = self.get(key, default)
        if not _is_number(value):
            raise self.error(key, f"must be a number, got {value!r}")
        return float(value)

    def get_int(self, key: str, default: Any = _MISSING) -> int:
        value = self.get(key, default)
        if not _is_number(value) or float(value) != int(value):
            raise self.error(key, f"must be a whole number, got {value!r}")
        return int(value)

    def get_str(self, key: str, default: Any = _MISSING) -> str:
        value = self.get(key, default)
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {value!r}")
        return value

    def get_bool(self, key: str, default: Any = _MISSING) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def get_list(self, key: str, default: Any = _MISSING) -> List[Any]:
        value = self.get(key, default)
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, got {value!r}")
        return value

    def get_dict(self, key: str, default: Any = _MISSING) -> Mapping[str, Any]:
        value = self.get(key, default)
        if not isinstance(value, dict):
            raise self.error(key, f"must be an object, got {value!r}")
        return value

    def error(self, key: str, problem: str) -> InvalidArgument:
        """An error naming this resource and the attribute at fault."""
        return InvalidArgument(f"resource {self.name!r}: attribute {key!r} {problem}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
