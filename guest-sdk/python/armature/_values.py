"""The flattened value tree of the WIT contract (`types.value`), as plain Python.

WIT has no recursive types, so a value travels as a list of nodes where
`nodes[0]` is the root and every child index is greater than its parent's.
Module authors never see nodes: readings, DoCommand maps, `extra` and
attributes are `dict`s, `list`s, `str`, `float`, `bool` and `None`.
"""

from typing import Any, List

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


def to_nodes(value: Any) -> List[Any]:
    """A Python value to nodes; a `TypeError` names the path of a value that has no JSON form."""
    nodes: List[Any] = []
    _append(value, nodes, "")
    return nodes


def _append(value: Any, nodes: List[Any], path: str) -> int:
    index = len(nodes)
    if value is None:
        nodes.append(Node_Null())
    elif isinstance(value, bool):
        nodes.append(Node_Boolean(value))
    elif isinstance(value, (int, float)):
        nodes.append(Node_Number(float(value)))
    elif isinstance(value, str):
        nodes.append(Node_Text(value))
    elif isinstance(value, dict):
        nodes.append(Node_Null())  # a place held for the parent
        children = []
        for key, child in value.items():
            if not isinstance(key, str):
                raise TypeError(f"key {key!r} at {path or 'the top'} is not a string")
            children.append((key, _append(child, nodes, f"{path}.{key}" if path else key)))
        nodes[index] = Node_Object(children)
    elif isinstance(value, (list, tuple)):
        nodes.append(Node_Null())
        children = [_append(child, nodes, f"{path}[{i}]") for i, child in enumerate(value)]
        nodes[index] = Node_Array(children)
    elif hasattr(value, "_armature_plain"):
        # SDK types that a reading may hold (Vector3, GeoPoint, Orientation).
        return _append(value._armature_plain(), nodes, path)
    else:
        raise TypeError(f"{type(value).__name__} at {path or 'the top'} has no JSON form")
    return index
