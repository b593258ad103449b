"""A serial line-protocol sensor, in Python: the device prints one line per
sample as `key=value` pairs (`temperature=21.5,humidity=40`); readings are
the last complete line. The port comes from the resource's own `serial`
grant, opened by the host with the grant's settings.

    { "name": "py-line", "api": "rdk:component:sensor",
      "model": "armature:examples:py-line-sensor",
      "attributes": { "serial": { "path": "/dev/ttyACM0", "baud": 115200 } } }
"""

from typing import Any, Dict, Mapping, Optional

from armature.components.sensor import Sensor
from armature.errors import Unavailable
from armature.hardware import SerialPort
from armature.proto.app.robot import ComponentConfig
from armature.resource.easy_resource import EasyResource


def parse(line: str) -> Optional[Dict[str, Any]]:
    """`a=1,b=x y=2` to {"a": 1.0, "b": "x", "y": 2.0}; None unless every field is a pair."""
    out: Dict[str, Any] = {}
    for field in line.replace(";", ",").replace(" ", ",").split(","):
        if not field:
            continue
        key, sep, value = field.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not all(c.isalnum() or c in "_-" for c in key):
            return None
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out or None


class LineSensor(Sensor, EasyResource):
    MODEL = "armature:examples:py-line-sensor"

    @classmethod
    def validate_config(cls, config: ComponentConfig):
        path = config.get_dict("serial").get("path")
        if not isinstance(path, str) or not path:
            raise config.error("serial", "needs a path")
        return [], []

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "LineSensor":
        sensor = cls(config.name)
        sensor.path = config.get_dict("serial")["path"]
        sensor.port: Optional[SerialPort] = None
        sensor.pending = b""
        sensor.last: Optional[Dict[str, Any]] = None
        sensor.good = sensor.bad = 0
        return sensor

    def read_port(self) -> None:
        if self.port is None:
            self.port = SerialPort(self.path)
        try:
            while chunk := self.port.read(4096, 0):
                self.pending += chunk
        except Unavailable:
            self.port, self.pending = None, b""  # unplugged: open again next time
            raise
        *lines, self.pending = self.pending.split(b"\n")
        for raw in lines:
            values = parse(raw.decode("utf-8", "replace").strip())
            if values is None:
                self.bad += 1
            else:
                self.good += 1
                self.last = values

    async def get_readings(self, *, extra=None, timeout=None, **kwargs) -> Mapping[str, Any]:
        self.read_port()
        if self.last is None:
            raise Unavailable(f"no complete line from {self.path} yet")
        return self.last

    async def do_command(self, command: Mapping[str, Any], **kwargs) -> Mapping[str, Any]:
        return {"good_lines": self.good, "bad_lines": self.bad}
