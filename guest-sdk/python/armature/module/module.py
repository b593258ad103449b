"""The module's entry point, kept so that a Viam module's last lines run
unchanged. Under Armature the host loads the module; the models are the
`EasyResource` subclasses the module defines (or those added here)."""

from ..resource import registry


class Module:
    @classmethod
    async def run_from_registry(cls) -> None:
        """Nothing to start: the host serves the registered models."""

    @classmethod
    async def run_with_models(cls, *models: type) -> None:
        for model in models:
            registry.register(model)

    def add_model_from_registry(self, api, model) -> None:
        """Kept for Viam's older entry points; models register themselves."""
