"""Helpers under the names Viam's `viam.utils` gives them."""

from typing import Any, Union

from .config import struct_to_dict

SensorReading = Any
ValueTypes = Union[bool, float, int, str, list, dict, None]

__all__ = ["SensorReading", "ValueTypes", "struct_to_dict"]
