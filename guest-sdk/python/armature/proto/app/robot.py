"""Where Viam modules import `ComponentConfig` from."""

from ...config import ComponentConfig

ServiceConfig = ComponentConfig

__all__ = ["ComponentConfig", "ServiceConfig"]
