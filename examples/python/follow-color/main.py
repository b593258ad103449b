"""Follow color, in Python: what `examples/follow-color` does in Rust,
written the way a Viam Python module is. Every `poll_ms` it asks a vision
service for detections in a camera's image and steers a base toward the
largest: it turns toward it while it is off centre, drives toward it while
it is small, and stops when it is close or nothing is seen.

    { "name": "follow", "api": "rdk:service:generic",
      "model": "armature:examples:py-follow-color",
      "attributes": { "camera": "cam-1", "vision": "vision-1", "base": "base-1",
                      "poll_ms": 100, "speed_mm_per_sec": 200, "turn_degs_per_sec": 60,
                      "deadband_pct": 0.05, "stop_area_pct": 0.1 } }

`camera`, `vision` and `base` are required; the others have the defaults
shown. When the camera or the vision service fails it stops the base; when
the base stops while it drives it (StopAll, another client's Stop) it
pauses until DoCommand {"command": "resume"}. DoCommand {"command":
"status"} answers {"state", "seen", "linear_mm_per_sec",
"angular_degs_per_sec", "ticks", "last_error"}.
"""

import asyncio
from typing import Any, Mapping, Optional, Sequence, Tuple

from armature.components.base import Base
from armature.components.camera import Camera
from armature.errors import InvalidArgument
from armature.proto.app.robot import ComponentConfig
from armature.proto.common import Vector3
from armature.resource.easy_resource import EasyResource
from armature.services.generic import Generic
from armature.services.vision import Vision


class Settings:
    def __init__(self, config: ComponentConfig):
        self.camera = config.get_str("camera")
        self.vision = config.get_str("vision")
        self.base = config.get_str("base")
        poll_ms = config.get_int("poll_ms", 100)
        if poll_ms < 10:
            raise config.error("poll_ms", f"must be at least 10, got {poll_ms}")
        self.poll_s = poll_ms / 1000
        self.speed = config.get_float("speed_mm_per_sec", 200.0)
        self.turn = config.get_float("turn_degs_per_sec", 60.0)
        for key, value in (("speed_mm_per_sec", self.speed), ("turn_degs_per_sec", self.turn)):
            if value < 0:
                raise config.error(key, f"must be a number ≥ 0, got {value}")
        self.deadband = config.get_float("deadband_pct", 0.05)
        self.stop_area = config.get_float("stop_area_pct", 0.1)
        for key, value in (("deadband_pct", self.deadband), ("stop_area_pct", self.stop_area)):
            if not 0.0 <= value <= 1.0:
                raise config.error(key, f"must be within [0, 1], got {value}")


def largest(detections) -> Optional[dict]:
    """The largest detection, as shares of the image."""
    best = None
    for d in detections:
        corners = (d.x_min_normalized, d.y_min_normalized, d.x_max_normalized, d.y_max_normalized)
        if any(c is None for c in corners):
            raise ValueError("the vision service answers boxes without their normalized corners")
        x0, y0, x1, y1 = corners
        seen = {"label": d.class_name, "x": (x0 + x1) / 2, "area": abs(x1 - x0) * abs(y1 - y0),
                "confidence": d.confidence}
        if best is None or seen["area"] > best["area"]:
            best = seen
    return best


class FollowColor(Generic, EasyResource):
    MODEL = "armature:examples:py-follow-color"

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        s = Settings(config)
        return [s.camera, s.vision, s.base], []

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "FollowColor":
        service = cls(config.name)
        service.settings = Settings(config)
        lookup(config, dependencies, "camera", Camera, "camera")
        service.vision = lookup(config, dependencies, "vision", Vision, "vision service")
        service.base = lookup(config, dependencies, "base", Base, "base")
        service.state = "idle"
        service.seen: Optional[dict] = None
        service.command = (0.0, 0.0)
        service.ticks = 0
        service.last_error: Optional[str] = None
        service.task = asyncio.create_task(service.follow_forever())
        return service

    async def halt(self) -> None:
        """Stops the base if this service set it moving. The command is
        forgotten only once the stop went through: a failed stop is tried
        again on the next poll."""
        if self.command != (0.0, 0.0):
            await self.base.stop()
            self.command = (0.0, 0.0)

    async def stopped_from_outside(self) -> bool:
        """Whether the base this service drives was stopped by someone else
        (StopAll, a lapsed session, a client's Stop): then it pauses rather
        than drive again. Not knowing is a failure, and the base is stopped."""
        if self.command == (0.0, 0.0):
            return False
        try:
            moving = await self.base.is_moving()
        except Exception as e:
            await self.fail(e)
            raise
        if moving:
            return False
        self.command = (0.0, 0.0)
        self.state = "paused"
        self.logger.warning(f"base {self.settings.base!r} was stopped from outside while followed: "
                            'paused until {"command": "resume"}')
        return True

    async def fail(self, e: Exception) -> None:
        """The camera, the vision service or the base failed: the base is
        stopped (tried again every poll until it is), and the log says so once."""
        if self.state != "failed":
            self.logger.warning(f"following failed, the base is stopped: {getattr(e, 'message', None) or e}")
        self.state = "failed"
        self.seen = None
        try:
            await self.halt()
        except Exception as stop:
            self.logger.warning(f"stopping base {self.settings.base!r} failed: {getattr(stop, 'message', None) or stop}")

    def steer(self, seen: dict) -> Tuple[float, float]:
        s = self.settings
        offset = seen["x"] - 0.5
        # Left of centre (offset < 0) turns left: counter-clockwise, positive.
        angular = max(-s.turn, min(s.turn, -2.0 * offset * s.turn)) if abs(offset) > s.deadband else 0.0
        linear = s.speed if seen["area"] < s.stop_area else 0.0
        return linear, angular

    async def follow_forever(self) -> None:
        while True:
            self.ticks += 1
            try:
                await self.follow()
                self.last_error = None
            except Exception as e:  # reported by the status command, tried again next poll
                self.last_error = getattr(e, "message", None) or str(e) or type(e).__name__
            await asyncio.sleep(self.settings.poll_s)

    async def follow(self) -> None:
        if self.state == "paused" or await self.stopped_from_outside():
            return
        try:
            seen = largest(await self.vision.get_detections_from_camera(self.settings.camera))
        except Exception as e:
            await self.fail(e)
            raise
        linear, angular = self.steer(seen) if seen else (0.0, 0.0)
        self.state = "idle" if seen is None else ("arrived" if (linear, angular) == (0.0, 0.0) else "following")
        self.seen = seen
        if (linear, angular) == (0.0, 0.0):
            await self.halt()
        elif (linear, angular) != self.command:
            # The vision call took time: a stop may have come meanwhile, and
            # must not be undone.
            if await self.stopped_from_outside():
                return
            try:
                await self.base.set_velocity(Vector3(x=0, y=linear, z=0), Vector3(x=0, y=0, z=angular))
            except Exception as e:
                await self.fail(e)
                raise
            self.command = (linear, angular)

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        what = command.get("command")
        if what == "status":
            return {"state": self.state, "seen": self.seen, "linear_mm_per_sec": self.command[0],
                    "angular_degs_per_sec": self.command[1], "ticks": self.ticks, "last_error": self.last_error}
        if what == "resume":
            if self.state == "paused":
                self.state = "idle"
            return {}
        raise InvalidArgument(f'unknown command {what!r} (follow-color knows "status" and "resume")')

    async def close(self) -> None:
        self.task.cancel()
        await self.halt()


def lookup(config: ComponentConfig, dependencies: Mapping, attribute: str, api: type, what: str) -> Any:
    """The dependency the attribute names, as Viam modules look one up."""
    name = config.get_str(attribute)
    try:
        return dependencies[api.get_resource_name(name)]
    except KeyError:
        raise config.error(attribute, f"names {name!r}, which is not a {what} this service depends on") from None
