"""The core issue, through the official Viam Python SDK (viam-sdk)."""

import asyncio

from viam.components.sensor import Sensor
from viam.proto.robot import ResourceStatus
from viam.services.generic import Generic

from conftest import alerts, thermometer
from viam_client import connect, eventually


def demo() -> dict:
    return {
        "components": [thermometer("temp-1", 21.5), thermometer("temp-2", 25.0)],
        "services": [alerts("alerts", ["temp-1", "temp-2"], 40.0)],
    }


def test_lists_resources_reads_the_sensor_and_sees_an_alert(start_armature):
    host = start_armature(demo())

    async def scenario():
        robot = await connect(host.address)
        try:
            names = sorted((n.type, n.subtype, n.name) for n in robot.resource_names)
            assert names == [
                ("component", "sensor", "temp-1"),
                ("component", "sensor", "temp-2"),
                ("service", "generic", "alerts"),
            ]
            sensor = Sensor.from_robot(robot, "temp-1")
            readings = await sensor.get_readings()
            assert readings["temperature"] == 21.5
            assert readings["humidity"] == 40.0

            service = Generic.from_robot(robot, "alerts")
            quiet = await service.do_command({"command": "get_alerts", "severity": "critical"})
            assert quiet == {"alerts": []}

            await sensor.do_command({"command": "set", "celsius": 42.5})

            async def critical():
                r = await service.do_command({"command": "get_alerts", "severity": "critical"})
                return r if r["alerts"] else None

            r = await eventually(critical, what="a critical alert")
            assert r == {"alerts": [{"sensor": "temp-1", "value": 42.5, "threshold": 40.0, "severity": "critical"}]}

            status = await robot.get_machine_status()
            states = {s.name.name: s.state for s in status.resources}
            assert states == {name: ResourceStatus.STATE_READY for name in ("temp-1", "temp-2", "alerts")}
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_polling_stops_when_the_logic_service_is_removed(start_armature):
    host = start_armature(demo())

    async def scenario():
        robot = await connect(host.address)
        try:
            sensor = Sensor.from_robot(robot, "temp-2")

            async def reads():
                return (await sensor.do_command({"command": "stats"}))["reads"]

            first = await reads()
            await asyncio.sleep(0.4)
            assert await reads() >= first + 3, "the logic service polls in the background"

            host.reload({"components": [thermometer("temp-1", 21.5), thermometer("temp-2", 25.0)]})

            async def removed():
                status = await robot.get_machine_status()
                return all(s.name.name != "alerts" for s in status.resources)

            await eventually(removed, what="the logic service to be removed")
            settled = await reads()
            await asyncio.sleep(0.5)
            assert await reads() == settled, "no polling after removal"
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_errors_reach_the_sdk_with_the_resource_named(start_armature):
    host = start_armature(demo())

    async def scenario():
        robot = await connect(host.address)
        try:
            service = Generic.from_robot(robot, "alerts")
            try:
                await service.do_command({"command": "explode"})
            except Exception as e:  # the SDK raises grpclib's GRPCError
                assert "alerts" in str(e) and "unknown command" in str(e), e
            else:
                raise AssertionError("an unknown command must fail")
        finally:
            await robot.close()

    asyncio.run(scenario())
