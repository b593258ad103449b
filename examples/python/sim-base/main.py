"""A simulated wheeled base, in Python, written the way a Viam Python module
is: its pose follows the commands it is given, over time.

    { "name": "py-base", "api": "rdk:component:base",
      "model": "armature:examples:py-sim-base",
      "attributes": { "width_mm": 400, "turning_radius_mm": 0,
                      "max_speed_mm_per_sec": 500, "max_degs_per_sec": 180 } }

The base starts at x = y = 0 mm facing +y (Viam's forward), heading 0°.
The heading counts degrees turned, positive to the left (counter-clockwise
seen from above), and is not wrapped: two full turns left read 720.

- `move_straight(distance, velocity)` and `spin(angle, velocity)` start the
  motion and return at once; `is_moving` is true until the distance or
  angle is covered at |velocity|. A negative distance, angle or velocity
  reverses the motion (both negative cancel out); a 0 stops the base.
- `set_power(linear, angular)` drives at `linear.y` × max_speed_mm_per_sec
  and turns at `angular.z` × max_degs_per_sec; `set_velocity` takes mm/s
  and degrees/s. Both keep going until the next command or `stop`.
- DoCommand {"get_pose": true} answers {"x_mm", "y_mm", "heading_deg"}.

No attribute is required; each must be a number: `width_mm` (> 0, default
400), `turning_radius_mm` (>= 0, default 0, reported only),
`wheel_circumference_mm` (>= 0, default 0, reported only),
`max_speed_mm_per_sec` (> 0, default 500), `max_degs_per_sec` (> 0,
default 180).
"""

import math
import time
from typing import Any, ClassVar, Dict, Mapping, Optional, Sequence, Tuple

from armature.components.base import Base
from armature.errors import InvalidArgument
from armature.proto.app.robot import ComponentConfig
from armature.proto.common import Vector3
from armature.resource.easy_resource import EasyResource

# attribute: (default, whether 0 is allowed)
ATTRIBUTES: Dict[str, Tuple[float, bool]] = {
    "width_mm": (400.0, False),
    "turning_radius_mm": (0.0, True),
    "wheel_circumference_mm": (0.0, True),
    "max_speed_mm_per_sec": (500.0, False),
    "max_degs_per_sec": (180.0, False),
}


def settings(config: ComponentConfig) -> Dict[str, float]:
    """The attributes, checked; an error names the one at fault."""
    out = {}
    for key, (default, zero_ok) in ATTRIBUTES.items():
        value = config.get_float(key, default)
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
            raise config.error(key, f"must be {'at least 0' if zero_ok else 'more than 0'}, got {value}")
        out[key] = value
    return out


def direction(a: float, b: float) -> float:
    """+1 or -1: negative `a` or `b` reverses, both negative cancel out."""
    return -1.0 if (a < 0) != (b < 0) else 1.0


class SimBase(Base, EasyResource):
    MODEL: ClassVar = "armature:examples:py-sim-base"

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        settings(config)
        return [], []

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "SimBase":
        base = cls(config.name)
        base.x_mm = base.y_mm = base.heading_deg = 0.0
        # The motion under way: forward mm/s, left degrees/s, and when it
        # ends (None: until told otherwise) with the pose it ends at.
        base.mm_per_sec = base.degs_per_sec = 0.0
        base.ends_at: Optional[float] = None
        base.end_pose: Optional[Tuple[float, float, float]] = None
        base.updated = time.monotonic()
        base.reconfigure(config, dependencies)
        return base

    def reconfigure(self, config: ComponentConfig, dependencies: Mapping) -> None:
        self.settings = settings(config)

    # The simulation.

    def advance(self, seconds: float) -> None:
        """Moves the pose on by `seconds` of the motion under way (an arc
        when both speeds are set)."""
        v, w = self.mm_per_sec, math.radians(self.degs_per_sec)
        h0 = math.radians(self.heading_deg)
        h1 = h0 + w * seconds
        # Forward at heading h is (-sin h, cos h): heading 0 faces +y.
        if abs(w) < 1e-9:
            self.x_mm -= v * seconds * math.sin(h0)
            self.y_mm += v * seconds * math.cos(h0)
        else:
            self.x_mm += v * (math.cos(h1) - math.cos(h0)) / w
            self.y_mm += v * (math.sin(h1) - math.sin(h0)) / w
        self.heading_deg += self.degs_per_sec * seconds

    def update(self) -> None:
        """Brings the pose up to now, ending a timed motion that is due."""
        now = time.monotonic()
        if self.ends_at is not None and now >= self.ends_at:
            self.x_mm, self.y_mm, self.heading_deg = self.end_pose
            self.halt()
        elif self.moving():
            self.advance(now - self.updated)
        self.updated = now

    def moving(self) -> bool:
        return self.mm_per_sec != 0 or self.degs_per_sec != 0

    def halt(self) -> None:
        self.mm_per_sec = self.degs_per_sec = 0.0
        self.ends_at = self.end_pose = None

    def drive(self, mm_per_sec: float, degs_per_sec: float, seconds: Optional[float] = None) -> None:
        """Starts a motion from the pose of now: for `seconds`, or until told otherwise."""
        self.update()
        self.halt()
        self.mm_per_sec, self.degs_per_sec = float(mm_per_sec), float(degs_per_sec)
        if seconds is not None:
            start = (self.x_mm, self.y_mm, self.heading_deg)
            self.advance(seconds)
            self.end_pose = (self.x_mm, self.y_mm, self.heading_deg)
            self.x_mm, self.y_mm, self.heading_deg = start
            self.ends_at = self.updated + seconds

    # The base API.

    async def move_straight(self, distance: int, velocity: float, *, extra=None, timeout=None, **kwargs) -> None:
        if distance == 0 or velocity == 0:
            return self.drive(0, 0)
        self.drive(direction(distance, velocity) * abs(velocity), 0, abs(distance) / abs(velocity))

    async def spin(self, angle: float, velocity: float, *, extra=None, timeout=None, **kwargs) -> None:
        if angle == 0 or velocity == 0:
            return self.drive(0, 0)
        self.drive(0, direction(angle, velocity) * abs(velocity), abs(angle) / abs(velocity))

    async def set_power(self, linear: Vector3, angular: Vector3, *, extra=None, timeout=None, **kwargs) -> None:
        for name, power in (("linear.y", linear.y), ("angular.z", angular.z)):
            if not -1 <= power <= 1:
                raise InvalidArgument(f"set_power: {name} must be within -1..1, got {power}")
        self.drive(linear.y * self.settings["max_speed_mm_per_sec"], angular.z * self.settings["max_degs_per_sec"])

    async def set_velocity(self, linear: Vector3, angular: Vector3, *, extra=None, timeout=None, **kwargs) -> None:
        self.drive(linear.y, angular.z)

    async def stop(self, *, extra=None, timeout=None, **kwargs) -> None:
        self.update()
        self.halt()

    async def is_moving(self) -> bool:
        self.update()
        return self.moving()

    async def get_properties(self, *, extra=None, timeout=None, **kwargs) -> Base.Properties:
        return Base.Properties(
            width_meters=self.settings["width_mm"] / 1000,
            turning_radius_meters=self.settings["turning_radius_mm"] / 1000,
            wheel_circumference_meters=self.settings["wheel_circumference_mm"] / 1000,
        )

    async def do_command(self, command: Mapping[str, Any], *, timeout=None, **kwargs) -> Mapping[str, Any]:
        if command.get("get_pose"):
            self.update()
            return {"x_mm": self.x_mm, "y_mm": self.y_mm, "heading_deg": self.heading_deg}
        raise InvalidArgument(f"unknown command {dict(command)!r}: this base knows {{\"get_pose\": true}}")
