"""The official Viam TypeScript SDK (@viamrobotics/sdk, from Node over h2c)
against the demo machine: `tests/node/ts-sdk.mjs` makes one call per API and
prints what it got; the official Python SDK reads the same machine and the
two must agree."""

import asyncio
import io
import json
import os
import shutil
import subprocess

import pytest
from PIL import Image
from viam.components.arm import Arm
from viam.components.base import Base
from viam.components.board import Board
from viam.components.button import Button
from viam.components.camera import Camera
from viam.components.encoder import Encoder
from viam.components.gantry import Gantry
from viam.components.generic import Generic as GenericComponent
from viam.components.motor import Motor
from viam.components.movement_sensor import MovementSensor
from viam.components.power_sensor import PowerSensor
from viam.components.sensor import Sensor
from viam.components.servo import Servo
from viam.components.switch import Switch
from viam.services.generic import Generic as GenericService

from conftest import ROOT
from test_apis import demo_config
from viam_client import connect

NODE_DIR = ROOT / "tests" / "node"


def node_env() -> dict:
    env = dict(os.environ)
    env["npm_config_cache"] = str(ROOT / "target" / "npm-cache")
    return env


# Both tests on one pytest-xdist worker (`--dist loadgroup`): the fixture's
# `npm ci` empties node_modules first, so two workers must not run it at once.
pytestmark = pytest.mark.xdist_group("node")


@pytest.fixture(scope="module")
def node():
    node = shutil.which("node")
    npm = shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are needed for the TypeScript SDK test (Node 20 or newer)")
    if not (NODE_DIR / "node_modules" / "@viamrobotics" / "sdk").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, env=node_env(), check=True)
    return node


def run_ts_sdk(node: str, address: str) -> dict:
    # The SDK refuses a direct dial to a host without "local" in it.
    port = address.rsplit(":", 1)[1]
    done = subprocess.run(
        [node, str(NODE_DIR / "ts-sdk.mjs"), f"http://localhost:{port}"],
        capture_output=True, text=True, timeout=60, env=node_env(),
    )
    assert done.returncode == 0, f"ts-sdk.mjs failed ({done.returncode}):\n{done.stderr}\n{done.stdout}"
    return json.loads(done.stdout)


def test_typescript_sdk_reads_what_the_python_sdk_reads(start_armature, node):
    host = start_armature(demo_config())
    ts = run_ts_sdk(node, host.address)

    async def scenario():
        robot = await connect(host.address)
        try:
            names = {f"{n.namespace}:{n.type}:{n.subtype}/{n.name}" for n in robot.resource_names}
            assert set(ts["resources"]) == names
            assert len(ts["resources"]) == len(names)

            # DataManagerClient.sync() and doCommand, against the demo's data manager.
            collectors = sum(len(c["service_configs"][0]["attributes"]["capture_methods"])
                             for c in demo_config()["components"] if "service_configs" in c)
            assert ts["data_manager"] == {"name": "data", "collectors": collectors}

            assert ts["sensor"]["name"] == "temp-1"
            assert ts["sensor"]["readings"] == await Sensor.from_robot(robot, "temp-1").get_readings()

            images, _ = await Camera.from_robot(robot, "cam-1").get_images()
            picture = Image.open(io.BytesIO(images[0].data))
            camera = ts["camera"]
            assert camera["name"] == "cam-1" and camera["count"] == len(images)
            assert camera["source"] == images[0].name and camera["mime"] == images[0].mime_type
            assert (camera["width"], camera["height"]) == picture.size
            assert camera["bytes"] > 0

            motor = Motor.from_robot(robot, "motor-1")
            assert ts["motor"] == {"name": "motor-1", "isMoving": await motor.is_moving(),
                                   "position": await motor.get_position()}

            assert ts["servo"] == {"name": "servo-1", "position": await Servo.from_robot(robot, "servo-1").get_position()}

            pin = await Board.from_robot(robot, "board-1").gpio_pin_by_name("11")
            assert ts["board"] == {"name": "board-1", "pin": "11", "high": await pin.get()}

            # The simulated encoder counts up with time: what TypeScript read
            # first is at most what Python reads after.
            position, kind = await Encoder.from_robot(robot, "encoder-1").get_position()
            assert ts["encoder"]["name"] == "encoder-1"
            assert ts["encoder"]["positionType"] == kind
            assert 0 <= ts["encoder"]["position"] <= position

            # The simulated GPS drives a 20 m circle: positions agree to ~100 m.
            gps = MovementSensor.from_robot(robot, "gps-1")
            point, altitude = await gps.get_position()
            moved = ts["movement_sensor"]
            assert moved["name"] == "gps-1"
            assert abs(moved["latitude"] - point.latitude) < 0.001
            assert abs(moved["longitude"] - point.longitude) < 0.001
            assert moved["altitude"] == altitude
            assert 0 <= moved["compassHeading"] < 360

            # The APIs of contract 0.2.0, one method each.
            joints = await Arm.from_robot(robot, "arm-1").get_joint_positions()
            assert ts["arm"] == {"name": "arm-1", "joints": list(joints.values)}
            props = await Base.from_robot(robot, "base-1").get_properties()
            assert ts["base"] == {"name": "base-1", "widthMeters": props.width_meters}
            assert ts["gripper"] == {"name": "gripper-1", "isMoving": False}
            assert ts["gantry"] == {"name": "gantry-1",
                                    "lengths": await Gantry.from_robot(robot, "gantry-1").get_lengths()}
            volts, is_ac = await PowerSensor.from_robot(robot, "power-1").get_voltage()
            assert ts["power_sensor"] == {"name": "power-1", "volts": volts, "isAc": is_ac}
            count, labels = await Switch.from_robot(robot, "switch-1").get_number_of_positions()
            assert ts["switch"] == {"name": "switch-1", "count": count, "labels": list(labels)}
            # The push TypeScript made is the one Python counts.
            pushes = await Button.from_robot(robot, "button-1").do_command({"get_pushes": True})
            assert ts["button"] == {"name": "button-1", "pushes": 1} and pushes["pushes"] == 1

            counter = GenericComponent.from_robot(robot, "counter-1")
            assert ts["generic"] == {"name": "counter-1", "reply": await counter.do_command({"command": "get"})}

            alerts = GenericService.from_robot(robot, "alerts")
            assert ts["generic_service"] == {
                "name": "alerts", "reply": await alerts.do_command({"command": "get_alerts"})}
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_typescript_sdk_sees_a_changed_reading(start_armature, node):
    """Not a cached answer: a reading changed through the Python SDK is what
    the TypeScript SDK reads next."""
    host = start_armature(demo_config())

    async def change():
        robot = await connect(host.address)
        try:
            await Sensor.from_robot(robot, "temp-1").do_command({"command": "set", "celsius": 12.25})
            return await Sensor.from_robot(robot, "temp-1").get_readings()
        finally:
            await robot.close()

    readings = asyncio.run(change())
    assert readings["temperature"] == 12.25
    assert run_ts_sdk(node, host.address)["sensor"]["readings"] == readings
