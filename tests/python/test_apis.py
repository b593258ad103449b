"""Every standard resource API, on the demo machine, through the official
Viam Python SDK: each method the SDK exposes is called and its result checked."""

import asyncio
import io
import json
import tempfile
import time

import pytest
from PIL import Image
from viam.components.board import Board
from viam.components.camera import Camera
from viam.components.encoder import Encoder
from viam.components.generic import Generic as GenericComponent
from viam.components.motor import Motor
from viam.components.movement_sensor import MovementSensor
from viam.components.sensor import Sensor
from viam.components.servo import Servo
from viam.errors import ViamError
from grpclib.exceptions import GRPCError
from grpclib.const import Status

from conftest import MODULES, ROOT
from viam_client import eventually, run


def demo_config() -> dict:
    config = json.loads((ROOT / "examples" / "machines" / "demo.json").read_text())
    config["modules_dir"] = str(MODULES)
    config.pop("network", None)
    # The demo captures into the checkout's target/; a test, into its own folder.
    for s in config["services"]:
        if s["api"] == "rdk:service:data_manager":
            s["attributes"]["capture_dir"] = tempfile.mkdtemp(prefix="armature-capture-")
    return config


@pytest.fixture
def demo(start_armature):
    return start_armature(demo_config())


def test_every_api_is_listed(demo):
    async def scenario(robot):
        subtypes = {(n.type, n.subtype) for n in robot.resource_names}
        assert subtypes == {
            ("component", s)
            for s in ("sensor", "motor", "servo", "encoder", "board", "movement_sensor", "camera", "generic",
                      "arm", "base", "gripper", "gantry", "power_sensor", "switch", "button")
        } | {("service", "generic"), ("service", "data_manager"), ("service", "vision")}

    run(demo.address, scenario)


def test_motor(demo):
    async def scenario(robot):
        motor = Motor.from_robot(robot, "motor-1")
        assert (await motor.get_properties()).position_reporting
        assert not await motor.is_moving()

        await motor.set_power(0.5)
        powered, pct = await motor.is_powered()
        assert powered and pct == 0.5
        assert await motor.is_moving()
        await motor.stop()
        assert not await motor.is_moving()

        await motor.reset_zero_position(0.0)
        assert abs(await motor.get_position()) < 1e-6

        # GoFor 1 revolution at 120 rpm takes about 0.5 s; the position
        # advances during the motion and stops at the target.
        task = asyncio.create_task(motor.go_for(120, 1))
        await asyncio.sleep(0.2)
        during = await motor.get_position()
        assert 0.05 < during < 1.0, during
        assert await motor.is_moving()
        await asyncio.wait_for(task, 3)
        assert abs(await motor.get_position() - 1.0) < 1e-6
        assert not await motor.is_moving()

        await motor.go_to(120, 0.5)
        assert abs(await motor.get_position() - 0.5) < 1e-6

        await motor.set_rpm(60)
        assert await motor.is_moving()
        await motor.stop()

        # Stop during GoFor: the GoFor call returns within a control period.
        task = asyncio.create_task(motor.go_for(60, 10))
        await asyncio.sleep(0.3)
        stopped_at = time.monotonic()
        await motor.stop()
        await asyncio.wait_for(task, 1)
        assert time.monotonic() - stopped_at < 0.5
        assert not await motor.is_moving()

        assert await motor.get_geometries() == []

        with pytest.raises(GRPCError) as e:
            await motor.set_power(1.5)
        assert e.value.status == Status.INVALID_ARGUMENT and "motor-1" in e.value.message
        with pytest.raises(GRPCError) as e:
            await motor.go_for(0, 1)
        assert e.value.status == Status.INVALID_ARGUMENT and "rpm" in e.value.message
        with pytest.raises(GRPCError) as e:
            await motor.do_command({"command": "x"})
        assert e.value.status == Status.UNIMPLEMENTED

    run(demo.address, scenario)


def test_servo(demo):
    async def scenario(robot):
        servo = Servo.from_robot(robot, "servo-1")
        assert await servo.get_position() == 0
        # 90 degrees at 90 deg/s: about a second, and Move waits for it.
        task = asyncio.create_task(servo.move(90))
        await asyncio.sleep(0.3)
        assert await servo.is_moving()
        assert 0 < await servo.get_position() < 90
        await asyncio.wait_for(task, 3)
        assert await servo.get_position() == 90
        assert not await servo.is_moving()

        task = asyncio.create_task(servo.move(0))
        await asyncio.sleep(0.2)
        await servo.stop()
        await asyncio.wait_for(task, 1)
        assert not await servo.is_moving()
        assert 0 < await servo.get_position() < 90

        with pytest.raises(GRPCError) as e:
            await servo.move(270)
        assert e.value.status == Status.OUT_OF_RANGE

    run(demo.address, scenario)


def test_board(demo):
    async def scenario(robot):
        board = Board.from_robot(robot, "board-1")
        pin = await board.gpio_pin_by_name("11")
        await pin.set(True)
        assert await pin.get() is True
        await pin.set(False)
        assert await pin.get() is False

        await pin.set_pwm(0.25)
        assert await pin.get_pwm() == 0.25
        await pin.set_pwm_frequency(500)
        assert await pin.get_pwm_frequency() == 500

        analog = await board.analog_by_name("a1")
        reading = await analog.read()
        assert 0 <= reading.value <= 1023
        await analog.write(42)

        interrupt = await board.digital_interrupt_by_name("di37")
        before = await interrupt.value()
        ticks = await board.stream_ticks([interrupt])
        trigger = await board.gpio_pin_by_name("37")

        async def toggle():
            await asyncio.sleep(0.2)
            for level in (True, False, True, False):
                await trigger.set(level)

        toggler = asyncio.create_task(toggle())
        seen = []
        async for tick in ticks:
            seen.append((tick.pin_name, tick.high))
            if len(seen) == 4:
                break
        await toggler
        assert seen == [("di37", True), ("di37", False), ("di37", True), ("di37", False)]
        assert await interrupt.value() == before + 4

        from viam.proto.component.board import PowerMode
        await board.set_power_mode(PowerMode.POWER_MODE_OFFLINE_DEEP)
        status = await board.do_command({"command": "status"})
        assert status["power_mode"] == "offline_deep" and status["written"] == {"a1": 42}

        bad = await board.gpio_pin_by_name("99")
        with pytest.raises(GRPCError) as e:
            await bad.get()
        assert e.value.status == Status.NOT_FOUND and "99" in e.value.message
        with pytest.raises(GRPCError) as e:
            await pin.set_pwm(1.5)
        assert e.value.status == Status.INVALID_ARGUMENT

    run(demo.address, scenario)


def test_encoder(demo):
    async def scenario(robot):
        encoder = Encoder.from_robot(robot, "encoder-1")
        props = await encoder.get_properties()
        assert props.ticks_count_supported and props.angle_degrees_supported
        await encoder.reset_position()
        first, kind = await encoder.get_position()
        await asyncio.sleep(0.3)
        later, _ = await encoder.get_position()
        assert later > first, (first, later)
        from viam.proto.component.encoder import PositionType
        angle, kind = await encoder.get_position(PositionType.POSITION_TYPE_ANGLE_DEGREES)
        assert kind == PositionType.POSITION_TYPE_ANGLE_DEGREES and 0 <= angle < 360

    run(demo.address, scenario)


def test_movement_sensor(demo):
    async def scenario(robot):
        gps = MovementSensor.from_robot(robot, "gps-1")
        props = await gps.get_properties()
        assert props.position_supported and props.compass_heading_supported and not props.orientation_supported
        point, altitude = await gps.get_position()
        assert abs(point.latitude - 40.7829) < 0.001 and abs(point.longitude + 73.9654) < 0.001
        assert altitude == 10.0
        assert (await gps.get_linear_velocity()).y == 2.0
        assert (await gps.get_angular_velocity()).z > 0
        heading = await gps.get_compass_heading()
        assert 0 <= heading < 360
        accuracy = await gps.get_accuracy()
        assert accuracy.position_hdop == pytest.approx(0.9)
        readings = await gps.get_readings()
        assert {"position", "linear_velocity", "compass"} <= set(readings)
        with pytest.raises(GRPCError) as e:
            await gps.get_orientation()
        assert e.value.status == Status.UNIMPLEMENTED

    run(demo.address, scenario)


def test_camera(demo):
    async def scenario(robot):
        camera = Camera.from_robot(robot, "cam-1")
        images, metadata = await camera.get_images()
        assert len(images) == 1
        assert images[0].name == "pattern" and images[0].mime_type == "image/jpeg"
        picture = Image.open(io.BytesIO(images[0].data))
        assert picture.format == "JPEG" and picture.size == (320, 240)

        png, _ = await camera.get_images(extra={"mime_type": "image/png"})
        assert Image.open(io.BytesIO(png[0].data)).size == (320, 240)

        props = await camera.get_properties()
        assert props.intrinsic_parameters.width_px == 320 and props.frame_rate == 10
        assert "image/png" in props.mime_types

        with pytest.raises(GRPCError) as e:
            await camera.get_point_cloud()
        assert e.value.status == Status.UNIMPLEMENTED

    run(demo.address, scenario)


def test_generic_component(demo):
    async def scenario(robot):
        counter = GenericComponent.from_robot(robot, "counter-1")
        assert await counter.do_command({"command": "increment", "by": 2}) == {"count": 2}
        assert await counter.do_command({"command": "get"}) == {"count": 2}

    run(demo.address, scenario)


def test_stop_all_stops_actuators_only(demo):
    async def scenario(robot):
        motor = Motor.from_robot(robot, "motor-1")
        servo = Servo.from_robot(robot, "servo-1")
        await motor.set_rpm(60)
        move = asyncio.create_task(servo.move(180))
        await asyncio.sleep(0.2)
        await robot.stop_all()
        await asyncio.wait_for(move, 1)
        assert not await motor.is_moving()
        assert not await servo.is_moving()
        # Sensors keep working and the logic service keeps polling.
        from viam.services.generic import Generic
        alerts = Generic.from_robot(robot, "alerts")
        assert "alerts" in await alerts.do_command({"command": "get_alerts"})

    run(demo.address, scenario)


def test_demo_drivers_run_on_simulated_hardware(demo):
    """The demo's drivers on the host's simulated devices: a GPS and a
    line sensor on simulated serial ports, a GPIO motor whose PWM pin is
    wired to an interrupt pin, and a camera built on a built-in camera."""

    async def scenario(robot):
        async def fix():
            try:
                return await MovementSensor.from_robot(robot, "gps-serial").get_position()
            except Exception:
                return None

        point, _ = await eventually(fix, what="a fix from the simulated GPS")
        assert abs(point.latitude - 40.7829) < 0.001 and abs(point.longitude + 73.9654) < 0.001, point

        async def env():
            try:
                return await Sensor.from_robot(robot, "env").get_readings()
            except Exception:
                return None

        readings = await eventually(env, what="readings from the simulated line sensor")
        assert set(readings) == {"temperature", "humidity"}, readings

        local = Board.from_robot(robot, "local")
        ticks = await local.digital_interrupt_by_name("wheel-ticks")
        before = await ticks.value()
        await Motor.from_robot(robot, "wheel").set_power(0.5)
        await asyncio.sleep(0.2)
        await Motor.from_robot(robot, "wheel").stop()
        # 1 kHz PWM on pin 11, wired to pin 13: two edges per period.
        assert await ticks.value() - before > 100

        images, _ = await Camera.from_robot(robot, "cam0-crosshair").get_images()
        image = Image.open(io.BytesIO(images[0].data))
        assert image.size == (320, 240)

    run(demo.address, scenario)


def test_demo_runs_a_python_module_beside_the_rust_ones(demo):
    async def scenario(robot):
        readings = await Sensor.from_robot(robot, "py-temp").get_readings()
        assert readings == {"temperature": 27.5, "humidity": 35.0}, readings
        machine = await robot.get_machine_status()
        ready = {r.name.name for r in machine.resources if not r.error}
        assert {"py-temp", "temp-1", "alerts"} <= ready, ready

    run(demo.address, scenario)
