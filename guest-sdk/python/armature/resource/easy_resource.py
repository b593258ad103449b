"""`EasyResource`: define a model by subclassing an API class and this mixin,
exactly as with Viam's `viam.resource.easy_resource.EasyResource`:

    class MySensor(Sensor, EasyResource):
        MODEL = "acme:demo:my-sensor"

        async def get_readings(self, *, extra=None, timeout=None, **kwargs):
            return {"ok": True}
"""

from typing import ClassVar, Mapping, Sequence, Tuple, Union

from ..config import ComponentConfig
from . import registry
from .types import API, Model, ResourceName


def _parse_model(model: Union[str, Model]) -> Model:
    return model if isinstance(model, Model) else Model.from_string(model)


class EasyResource:
    API: ClassVar[API]
    MODEL: ClassVar[Model]

    def __init_subclass__(cls, register: bool = True, **kwargs):
        super().__init_subclass__(**kwargs)
        if not hasattr(cls, "MODEL"):
            raise ValueError(f"{cls.__name__}: define MODEL as 'namespace:family:name'")
        if not hasattr(cls, "API"):
            raise ValueError(f"{cls.__name__}: subclass an API class too, e.g. (Sensor, EasyResource)")
        cls.MODEL = _parse_model(cls.MODEL)
        if register:
            registry.register(cls)

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping[ResourceName, object]):
        """Builds the resource. The default, as in Viam, only names it;
        override to read the config (often by calling `reconfigure`)."""
        return cls(config.name)

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        """Checks the config; returns (required, optional) dependency names."""
        return [], []
