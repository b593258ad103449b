"""The flattened value tree of the WIT contract (`types.value`), as plain Python.

WIT has no recursive types, so a value travels as a list of nodes where
`nodes[0]` is the root and every child index is greater than its parent's.
Module authors never see nodes: readings, DoCommand maps, `extra` and
attributes are `dict`s, `list`s, `str`, `float`, `bool` and `None`.
"""

from typing import Any, List, Mapping

from wit_world.imports.types import (
    Node_Array,
    Node_Boolean,
    Node_Null,
    Node_Number,
    Node_Object,
    Node_Text,
)


def to_python(nodes: List[Any]) -> Any:
    """Nodes to a Python value. Numbers stay floats, as in Viam's SDK."""
    if not nodes:
        return None
    values: List[Any] = [None] * len(nodes)
    # Children always follow their parent, so one pass from the end builds
    # every child before the node that holds it.
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        if isinstance(node, Node_Object):
            values[i] = {key: values[child] for key, child in node.value}
        elif isinstance(node, Node_Array):
            values[i] = [values[child] for child in node.value]
        elif isinstance(node, Node_Null):
            values[i] = None
        else:
            values[i] = node.value
    return values[0]


# The host refuses deeper values; a cyclic one would never end.
MAX_DEPTH = 64


def map_to_nodes(value: Any) -> List[Any]:
    """A reply that must be a map (readings, DoCommand): a `dict` or any Mapping."""
    if value is None:
        value = {}
    elif type(value) is not dict:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a dict, got {type(value).__name__}")
        value = dict(value)
    # The usual reply: a flat map of numbers, text and flags.
    nodes: List[Any] = [None]
    children = []
    for key, child in value.items():
        kind = type(child)
        if kind is float or kind is int:
            node = Node_Number(float(child))
        elif kind is str:
            node = Node_Text(child)
        elif kind is bool:
            node = Node_Boolean(child)
        else:
            return to_nodes(value)
        if type(key) is not str:
            return to_nodes(value)  # names the key at fault
        children.append((key, len(nodes)))
        nodes.append(node)
    nodes[0] = Node_Object(children)
    return nodes


def to_nodes(value: Any) -> List[Any]:
    """A Python value to nodes; a `TypeError` names the path of a value that has no JSON form."""
    nodes: List[Any] = []
    _append(value, nodes, "", 0)
    return nodes


def _append(value: Any, nodes: List[Any], path: str, depth: int) -> int:
    if depth > MAX_DEPTH:
        raise TypeError(f"the value is nested more than {MAX_DEPTH} deep (or holds itself) at {path}")
    index = len(nodes)
    if value is None:
        nodes.append(Node_Null())
    elif isinstance(value, bool):
        nodes.append(Node_Boolean(value))
    elif isinstance(value, (int, float)):
        nodes.append(Node_Number(float(value)))
    elif isinstance(value, str):
        nodes.append(Node_Text(value))
    elif isinstance(value, Mapping):
        nodes.append(Node_Null())  # a place held for the parent
        children = []
        for key, child in value.items():
            if not isinstance(key, str):
                raise TypeError(f"key {key!r} at {path or 'the top'} is not a string")
            children.append((key, _append(child, nodes, f"{path}.{key}" if path else key, depth + 1)))
        nodes[index] = Node_Object(children)
    elif isinstance(value, (list, tuple)):
        nodes.append(Node_Null())
        children = [_append(child, nodes, f"{path}[{i}]", depth + 1) for i, child in enumerate(value)]
        nodes[index] = Node_Array(children)
    elif hasattr(value, "_armature_plain"):
        # SDK types a reading may hold (Vector3, GeoPoint, Orientation), as Viam sends them.
        return _append(value._armature_plain(), nodes, path, depth + 1)
    else:
        raise TypeError(f"{type(value).__name__} at {path or 'the top'} has no JSON form")
    return index
