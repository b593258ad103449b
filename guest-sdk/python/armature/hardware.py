"""Hardware the resource's config grants (see the WIT `gpio`, `serial` and
`camera-capture` interfaces). Refusals and failures raise the matching
`armature.errors` class, e.g. `PermissionDenied` for an ungranted pin."""

from componentize_py_types import Err
from wit_world.imports import camera_capture, gpio as _gpio, serial as _serial

from . import errors


def _call(fn, *args):
    try:
        return fn(*args)
    except Err as e:
        raise errors.from_wit(e.value) from None


class gpio:
    """Pins of the granted board."""

    set = staticmethod(lambda pin, high: _call(_gpio.set, str(pin), bool(high)))
    get = staticmethod(lambda pin: _call(_gpio.get, str(pin)))
    set_pwm = staticmethod(lambda pin, duty: _call(_gpio.set_pwm, str(pin), float(duty)))
    get_pwm = staticmethod(lambda pin: _call(_gpio.get_pwm, str(pin)))
    set_pwm_frequency = staticmethod(lambda pin, hz: _call(_gpio.set_pwm_frequency, str(pin), int(hz)))
    get_pwm_frequency = staticmethod(lambda pin: _call(_gpio.get_pwm_frequency, str(pin)))
    read_analog = staticmethod(lambda reader: _call(_gpio.read_analog, str(reader)))
    count_edges = staticmethod(lambda interrupt: _call(_gpio.count_edges, str(interrupt)))
    wait_for_edge = staticmethod(lambda interrupt, seen, timeout_ms: _call(_gpio.wait_for_edge, str(interrupt), int(seen), int(timeout_ms)))


class SerialPort:
    """A granted serial port, opened by the host with the grant's settings."""

    def __init__(self, path: str):
        self.path = path
        self._port = _call(_serial.Port.open, path)

    def read(self, max_bytes: int = 4096, timeout_ms: int = 100) -> bytes:
        """Up to `max_bytes`; empty when nothing came within `timeout_ms`."""
        return _call(self._port.read, int(max_bytes), int(timeout_ms))

    def write(self, data: bytes) -> None:
        _call(self._port.write, bytes(data))

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            port.__exit__(None, None, None)


class Frame:
    def __init__(self, frame):
        self.width = frame.width
        self.height = frame.height
        self.format = frame.format.name.lower()
        self.data = frame.data


def capture_frame(format: str = "jpeg") -> Frame:
    """The granted camera's next frame as "jpeg", "png" or "rgb8"."""
    fmt = getattr(camera_capture.FrameFormat, format.upper(), None)
    if fmt is None:
        raise errors.InvalidArgument(f"frame format {format!r}: use jpeg, png or rgb8")
    return Frame(_call(camera_capture.grab, fmt))
