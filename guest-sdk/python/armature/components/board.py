"""rdk:component:board, in the shape of Viam's: pins, analogs and digital
interrupts are objects the board hands out by name."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, Optional

from ..errors import Unimplemented
from ..resource.base import ComponentBase
from ..resource.types import API

Extra = Optional[Dict[str, Any]]


class PowerMode:
    """Viam's `viam.proto.component.board.PowerMode` values."""

    POWER_MODE_UNSPECIFIED = 0
    POWER_MODE_NORMAL = 1
    POWER_MODE_OFFLINE_DEEP = 2


class Board(ComponentBase):
    API = API("rdk", "component", "board")

    class GPIOPin:
        def __init__(self, name: str):
            self.name = name

        async def set(self, high: bool, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
            raise Unimplemented(f"pin {self.name!r}: set")

        async def get(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> bool:
            raise Unimplemented(f"pin {self.name!r}: get")

        async def get_pwm(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> float:
            raise Unimplemented(f"pin {self.name!r}: get_pwm")

        async def set_pwm(self, duty_cycle: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
            raise Unimplemented(f"pin {self.name!r}: set_pwm")

        async def get_pwm_frequency(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> int:
            raise Unimplemented(f"pin {self.name!r}: get_pwm_frequency")

        async def set_pwm_frequency(self, frequency: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
            raise Unimplemented(f"pin {self.name!r}: set_pwm_frequency")

    class Analog:
        @dataclass
        class Value:
            """What `read` returns, as Viam's `Board.Analog.Value` (its
            `ReadAnalogReaderResponse`): the raw value, the range it spans
            and the size of one step (volts)."""

            value: int = 0
            min_range: float = 0.0
            max_range: float = 0.0
            step_size: float = 0.0

        def __init__(self, name: str):
            self.name = name

        async def read(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Any:
            """A `Board.Analog.Value`, or a plain int (the value alone)."""
            raise Unimplemented(f"analog {self.name!r}: read")

        async def write(self, value: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
            raise Unimplemented(f"analog {self.name!r}: write")

    class DigitalInterrupt:
        def __init__(self, name: str):
            self.name = name

        async def value(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> int:
            raise Unimplemented(f"digital interrupt {self.name!r}: value")

    async def gpio_pin_by_name(self, name: str) -> "Board.GPIOPin":
        raise Unimplemented(f"{type(self).__name__} has no GPIO pins")

    async def analog_by_name(self, name: str) -> "Board.Analog":
        raise Unimplemented(f"{type(self).__name__} has no analogs")

    async def digital_interrupt_by_name(self, name: str) -> "Board.DigitalInterrupt":
        raise Unimplemented(f"{type(self).__name__} has no digital interrupts")

    async def set_power_mode(self, mode: int, duration: Optional[timedelta] = None, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise Unimplemented(f"{type(self).__name__} does not implement set_power_mode")
