"""Heading arm, in Python: what `examples/heading-arm` does in Rust, written
the way a Viam Python module is. Every `poll_ms` it reads the compass
heading of `sensor` (a movement sensor) and, when it has changed by more
than `deadband_deg`, turns the waist of `arm` to face it, keeping the
shoulder and elbow at `shoulder_deg` and `elbow_deg`. Both are typed calls
on its dependencies, through the host.

    { "name": "follow", "api": "rdk:service:generic",
      "model": "armature:examples:py-heading-arm",
      "attributes": { "sensor": "gps-1", "arm": "arm-1", "poll_ms": 100,
                      "deadband_deg": 1, "shoulder_deg": 30, "elbow_deg": -30,
                      "limit_deg": 170 } }

`sensor` and `arm` are required; the others have the defaults shown
(`limit_deg`: the waist turns within ±). DoCommand {"status": true} answers
{"heading", "commanded", "moves", "last_error"}. A changed config rebuilds
the service, as for the Rust one (it has no `reconfigure`).
"""

import asyncio
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from armature.components.arm import Arm, JointPositions
from armature.components.movement_sensor import MovementSensor
from armature.errors import InvalidArgument
from armature.proto.app.robot import ComponentConfig
from armature.resource.easy_resource import EasyResource
from armature.services.generic import Generic


class Settings:
    def __init__(self, config: ComponentConfig):
        self.sensor = config.get_str("sensor")
        self.arm = config.get_str("arm")
        poll_ms = config.get_int("poll_ms", 100)
        if poll_ms < 10:
            raise config.error("poll_ms", f"must be at least 10, got {poll_ms}")
        self.poll_s = poll_ms / 1000
        self.deadband = config.get_float("deadband_deg", 1.0)
        self.shoulder = config.get_float("shoulder_deg", 30.0)
        self.elbow = config.get_float("elbow_deg", -30.0)
        self.limit = config.get_float("limit_deg", 170.0)
        if not 0.0 < self.limit <= 180.0:
            raise config.error("limit_deg", f"must be within (0, 180], got {self.limit}")


class HeadingArm(Generic, EasyResource):
    MODEL = "armature:examples:py-heading-arm"

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        settings = Settings(config)
        return [settings.sensor, settings.arm], []

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "HeadingArm":
        service = cls(config.name)
        service.settings = Settings(config)
        # Looked up now, so that a wrong dependency is an error naming it,
        # not a failing poll.
        service.sensor = lookup(config, dependencies, "sensor", MovementSensor, "movement sensor")
        service.arm = lookup(config, dependencies, "arm", Arm, "arm")
        service.heading: Optional[float] = None
        service.commanded: Optional[List[float]] = None
        service.moves = 0
        service.last_error: Optional[str] = None
        service.task = asyncio.create_task(service.follow_forever())
        return service

    def waist(self, heading: float) -> float:
        """The waist angle facing `heading` (compass degrees, clockwise from
        north): the waist turns counter-clockwise, so it is the heading's
        negative, folded into ±180 and held within the limit."""
        ccw = (-heading) % 360.0
        folded = ccw - 360.0 if ccw > 180.0 else ccw
        return max(-self.settings.limit, min(self.settings.limit, folded))

    async def follow_forever(self) -> None:
        while True:
            try:
                await self.follow()
                self.last_error = None
            except Exception as e:  # reported by the status command, tried again next poll
                self.last_error = getattr(e, "message", None) or str(e) or type(e).__name__
            await asyncio.sleep(self.settings.poll_s)

    async def follow(self) -> None:
        heading = await self.sensor.get_compass_heading()
        self.heading = heading
        goal = [self.waist(heading), self.settings.shoulder, self.settings.elbow]
        if self.commanded is None or abs(self.commanded[0] - goal[0]) > self.settings.deadband:
            # Starts the move and returns; the next poll goes on meanwhile.
            await self.arm.move_to_joint_positions(JointPositions(values=goal))
            self.commanded = goal
            self.moves += 1

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        if command.get("status") is not True:
            raise InvalidArgument('heading-arm knows only {"status": true}')
        return {
            "heading": self.heading,
            "commanded": self.commanded,
            "moves": self.moves,
            "last_error": self.last_error,
        }

    async def close(self) -> None:
        self.task.cancel()
        self.logger.info(f"closed after {self.moves} moves")


def lookup(config: ComponentConfig, dependencies: Mapping, attribute: str, api: type, what: str) -> Any:
    """The dependency the attribute names, as Viam modules look one up."""
    name = config.get_str(attribute)
    try:
        return dependencies[api.get_resource_name(name)]
    except KeyError:
        raise config.error(attribute, f"names {name!r}, which is not a {what} this service depends on") from None
