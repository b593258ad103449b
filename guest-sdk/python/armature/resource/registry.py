"""The models this module provides, filled in as model classes are defined."""

from typing import Dict, Tuple

_MODELS: Dict[Tuple[str, str], type] = {}


def register(cls: type) -> None:
    key = (str(cls.API), str(cls.MODEL))
    if key in _MODELS and _MODELS[key] is not cls:
        raise ValueError(f"model {key[1]} of {key[0]} is defined twice: {_MODELS[key].__name__} and {cls.__name__}")
    _MODELS[key] = cls


def models() -> Dict[Tuple[str, str], type]:
    return _MODELS
