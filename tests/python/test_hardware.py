"""Drivers on host hardware, through the official Viam Python SDK: serial
drivers reading real bytes from pseudo-terminals, a GPIO motor driving pins
of the simulated board, and a guest refused what it was not granted."""

import asyncio
import os
import time

from viam.components.board import Board
from viam.components.generic import Generic
from viam.components.motor import Motor
from viam.components.movement_sensor import MovementSensor
from viam.components.sensor import Sensor
from viam.proto.robot import ResourceStatus

from viam_client import connect, eventually

HOSTILE = str(__import__("conftest").ROOT / "target" / "test-modules")


def nmea(body: str) -> bytes:
    checksum = 0
    for b in body.encode():
        checksum ^= b
    return f"${body}*{checksum:02X}\r\n".encode()


def pty():
    """A pseudo-terminal pair: the test writes into the master, the host opens the slave path."""
    master, slave = os.openpty()
    return master, slave, os.ttyname(slave)


def board(name="local", **attributes):
    return {"name": name, "api": "rdk:component:board", "model": "armature:builtin:sim", "attributes": attributes}


def test_serial_drivers_read_what_the_device_wrote(start_armature):
    gps_master, gps_slave, gps_path = pty()
    env_master, env_slave, env_path = pty()
    host = start_armature({"components": [
        {"name": "gps", "api": "rdk:component:movement_sensor", "model": "armature:examples:nmea-gps",
         "attributes": {"serial": {"path": gps_path, "baud": 9600}}},
        {"name": "env", "api": "rdk:component:sensor", "model": "armature:examples:line-sensor",
         "attributes": {"serial": {"path": env_path, "baud": 115200}}},
        {"name": "temp", "api": "rdk:component:sensor", "model": "armature:examples:thermometer",
         "attributes": {"celsius": 20}},
    ]})

    async def scenario():
        robot = await connect(host.address)
        try:
            gps = MovementSensor.from_robot(robot, "gps")
            env = Sensor.from_robot(robot, "env")

            async def opened(resource):
                r = await resource.do_command({})
                return r["port_open"]

            await eventually(lambda: opened(gps), what="the GPS port to open")
            await eventually(lambda: opened(env), what="the sensor port to open")

            # Garbage, a sentence with a bad checksum, then a good fix split
            # across two writes, as a slow UART delivers it.
            good = nmea("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")
            os.write(gps_master, b"\x00\xff\xfenot nmea at all\r\n")
            os.write(gps_master, b"$GPGGA,123519,1111.111,N,02222.222,E,1,08,0.9,1.0,M,46.9,M,,*00\r\n")
            os.write(gps_master, good[:20])
            time.sleep(0.3)
            os.write(gps_master, good[20:])
            os.write(gps_master, nmea("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"))

            async def fix():
                try:
                    return await gps.get_position()
                except Exception:
                    return None

            point, altitude = await eventually(fix, what="a GPS fix")
            assert abs(point.latitude - (48 + 7.038 / 60)) < 1e-6, point
            assert abs(point.longitude - (11 + 31.0 / 60)) < 1e-6, point
            assert abs(altitude - 545.4) < 1e-3
            assert abs(await gps.get_compass_heading() - 84.4) < 1e-6
            velocity = await gps.get_linear_velocity()
            assert abs(velocity.y - 22.4 * 0.514444) < 1e-3
            status = await gps.do_command({})
            assert status["rejected"] >= 2, status

            os.write(env_master, b"temperature=2")
            time.sleep(0.3)
            os.write(env_master, b"3.5,humidity=41\r\n\x07\x08 garbage line\n")

            async def readings():
                try:
                    return await env.get_readings()
                except Exception:
                    return None

            values = await eventually(readings, what="line-sensor readings")
            assert values == {"temperature": 23.5, "humidity": 41}, values
            assert (await env.do_command({}))["rejected"] >= 1

            # Unplug the sensor: its port fails, the driver reports why, and
            # the rest of the machine keeps serving.
            os.close(env_master)
            os.close(env_slave)

            async def unplugged():
                r = await env.do_command({})
                return r if not r["port_open"] and r["port_error"] else None

            r = await eventually(unplugged, what="the unplugged port to be noticed")
            assert env_path in r["port_error"], r
            assert (await Sensor.from_robot(robot, "temp").get_readings())["temperature"] == 20
            assert (await gps.get_position())[0].latitude == point.latitude
        finally:
            await robot.close()
            os.close(gps_master)
            os.close(gps_slave)

    asyncio.run(scenario())


def test_gpio_motor_drives_its_pins_on_the_simulated_board(start_armature):
    host = start_armature({"components": [
        board(),
        {"name": "wheel", "api": "rdk:component:motor", "model": "armature:examples:gpio-motor",
         "attributes": {"board": "local", "pins": {"pwm": "11", "dir": "12"}, "max_rpm": 120,
                        "pwm_freq_hz": 2000}},
    ]})

    async def scenario():
        robot = await connect(host.address)
        try:
            motor = Motor.from_robot(robot, "wheel")
            local = Board.from_robot(robot, "local")
            pwm = await local.gpio_pin_by_name("11")
            direction = await local.gpio_pin_by_name("12")
            assert await pwm.get_pwm_frequency() == 2000

            await motor.set_power(0.5)
            assert await pwm.get_pwm() == 0.5
            assert await direction.get() is False
            await motor.set_power(-0.25)
            assert await pwm.get_pwm() == 0.25
            assert await direction.get() is True
            await motor.stop()
            assert await pwm.get_pwm() == 0.0

            # 120 rpm for half a turn: a quarter of a second, then the pins go idle.
            await motor.reset_zero_position(0)
            await motor.go_for(120, 0.5)
            assert await pwm.get_pwm() == 0.0
            assert abs(await motor.get_position() - 0.5) < 1e-9
            assert not await motor.is_moving()
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_a_guest_is_refused_what_its_config_does_not_grant(start_armature):
    host = start_armature({"modules_dir": HOSTILE, "components": [
        board(),
        {"name": "cam0", "api": "rdk:component:camera", "model": "armature:builtin:test-pattern",
         "attributes": {"width": 64, "height": 48}},
        {"name": "grabby", "api": "rdk:component:generic", "model": "armature-test:hostile:grabby",
         "attributes": {"board": "local", "pins": ["5"], "camera": "cam0"}},
        {"name": "greedy", "api": "rdk:component:generic", "model": "armature-test:hostile:grabby",
         "attributes": {"board": "local", "pins": ["5"]}},
    ]})

    async def scenario():
        robot = await connect(host.address)
        try:
            grabby = Generic.from_robot(robot, "grabby")
            assert await grabby.do_command({"pin": "5"}) == {"pin": "5", "high": True}
            assert await grabby.do_command({"camera": True}) == {"width": 64, "height": 48}
            for command, what in (({"pin": "6"}, 'pin "6"'), ({"serial": "/dev/ttyS0"}, "/dev/ttyS0")):
                try:
                    await grabby.do_command(command)
                except Exception as e:
                    assert "PERMISSION_DENIED" in str(e) and "grabby" in str(e) and what in str(e), e
                else:
                    raise AssertionError(f"{command} must be refused")
            # Only "grabby" drove pin 5; the board saw it.
            assert await (await Board.from_robot(robot, "local").gpio_pin_by_name("5")).get() is True

            # The second resource asking for pin 5 is refused at validation.
            status = await robot.get_machine_status()
            by_name = {s.name.name: s for s in status.resources}
            assert by_name["grabby"].state == ResourceStatus.STATE_READY
            assert by_name["greedy"].state != ResourceStatus.STATE_READY
            assert 'pin "5" of board "local" is already held by "grabby"' in by_name["greedy"].error, by_name["greedy"]
        finally:
            await robot.close()
        assert "permission denied" in host.logs()

    asyncio.run(scenario())
