"""Threshold alerts, in Python: polls the sensors it depends on in the
background and raises an alert whenever a reading crosses a threshold.
Written with Viam's pattern: a task started in `new`, cancelled and started
again on `reconfigure`, cancelled on `close`.

    { "name": "py-alerts", "api": "rdk:service:generic",
      "model": "armature:examples:py-threshold-alerts",
      "attributes": { "sensors": ["temp-1"], "reading": "temperature",
                      "thresholds": { "warning": 30, "critical": 40 },
                      "poll_ms": 100 } }

DoCommand {"command": "get_alerts", "severity": "critical"} answers
{"alerts": [{"sensor": "temp-1", "value": 42.5, "threshold": 40,
"severity": "critical"}]}; without "severity" every alert is listed.
{"command": "status"} says how many polls ran.
"""

import asyncio
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from armature.errors import InvalidArgument, NotFound
from armature.proto.app.robot import ComponentConfig
from armature.resource.easy_resource import EasyResource
from armature.services.generic import Generic

SEVERITIES = ["critical", "warning", "info"]  # most severe first


def thresholds(config: ComponentConfig) -> List[Tuple[str, float]]:
    named = dict(config.get_dict("thresholds", {}))
    if "threshold" in config.attrs:
        named.setdefault("critical", config.get_float("threshold"))
    for severity, limit in named.items():
        if severity not in SEVERITIES:
            raise config.error("thresholds", f"has an unknown severity {severity!r} (use {SEVERITIES})")
        if not isinstance(limit, (int, float)) or isinstance(limit, bool):
            raise config.error(f"thresholds.{severity}", f"must be a number, got {limit!r}")
    if not named:
        raise config.error("thresholds", "must name at least one threshold")
    return sorted(named.items(), key=lambda kv: SEVERITIES.index(kv[0]))


class ThresholdAlerts(Generic, EasyResource):
    MODEL = "armature:examples:py-threshold-alerts"

    @classmethod
    def validate_config(cls, config: ComponentConfig) -> Tuple[Sequence[str], Sequence[str]]:
        sensors = config.get_list("sensors")
        if not sensors or not all(isinstance(s, str) for s in sensors):
            raise config.error("sensors", "must name at least one sensor")
        thresholds(config)
        if config.get_float("poll_ms", 100) < 10:
            raise config.error("poll_ms", "must be at least 10")
        return sensors, config.get_list("optional_sensors", [])

    @classmethod
    def new(cls, config: ComponentConfig, dependencies: Mapping) -> "ThresholdAlerts":
        service = cls(config.name)
        service.alerts: Dict[str, Dict[str, Any]] = {}
        service.polls = 0
        service.task: Optional[asyncio.Task] = None
        service.reconfigure(config, dependencies)
        return service

    def reconfigure(self, config: ComponentConfig, dependencies: Mapping) -> None:
        self.sensors = {name: dependencies[name] for name in config.get_list("sensors")}
        for name in config.get_list("optional_sensors", []):
            if name in dependencies:
                self.sensors[name] = dependencies[name]
        self.reading = config.get_str("reading", "temperature")
        self.thresholds = thresholds(config)
        self.poll_s = config.get_float("poll_ms", 100) / 1000
        self.alerts = {k: v for k, v in self.alerts.items() if k in self.sensors}
        if self.task:
            self.task.cancel()
        self.task = asyncio.create_task(self.poll_forever())

    async def poll_forever(self) -> None:
        while True:
            await self.poll_once()
            await asyncio.sleep(self.poll_s)

    async def poll_once(self) -> None:
        self.polls += 1
        for name, sensor in self.sensors.items():
            try:
                readings = await sensor.get_readings()
            except Exception as e:  # a sensor that is down is skipped this round
                self.logger.debug(f"{name}: {e}")
                continue
            value = readings.get(self.reading)
            if not isinstance(value, (int, float)):
                continue
            crossed = next(((sev, limit) for sev, limit in self.thresholds if value >= limit), None)
            if crossed:
                severity, limit = crossed
                if self.alerts.get(name, {}).get("severity") != severity:
                    self.logger.warning(f"{name}: {self.reading} {value} crossed the {severity} threshold {limit}")
                self.alerts[name] = {"sensor": name, "value": value, "threshold": limit, "severity": severity}
            else:
                self.alerts.pop(name, None)

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        if command.get("command") == "get_alerts":
            severity = command.get("severity")
            if severity is not None and severity not in SEVERITIES:
                raise InvalidArgument(f"unknown severity {severity!r} (use {SEVERITIES})")
            alerts = [a for a in self.alerts.values() if severity in (None, a["severity"])]
            return {"alerts": sorted(alerts, key=lambda a: a["sensor"])}
        if command.get("command") == "status":
            return {"polls": self.polls, "sensors": sorted(self.sensors)}
        raise NotFound(f"unknown command {command.get('command')!r}")

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
