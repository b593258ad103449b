"""Typed calls on dependencies from Python guests: Viam's client classes,
every API, through the host's one `calls` import (contract 0.2.0)."""

import asyncio

from viam.components.arm import Arm
from viam.services.generic import Generic

from conftest import MODULES, ROOT, thermometer
from test_moving_parts import end_pose
from test_python_modules import modules_folder
from viam_client import eventually, run

TEST_MODULES = ROOT / "target" / "test-modules"


def sim(name: str, api: str, model: str, **attributes) -> dict:
    return {"name": name, "api": f"rdk:component:{api}", "model": f"armature:examples:{model}",
            "attributes": attributes}


def test_a_python_logic_module_turns_an_arm_to_a_movement_sensors_heading(start_armature):
    folder = modules_folder(MODULES / "sim-devices.wasm", MODULES / "py-heading-arm.wasm")
    config = {"modules_dir": folder, "components": [
        # Standing still at the start of its circle: heading 90° (east).
        sim("gps-1", "movement_sensor", "sim-gps", speed_mps=0),
        sim("arm-1", "arm", "sim-arm", degs_per_sec=1000),
    ], "services": [
        {"name": "follow", "api": "rdk:service:generic", "model": "armature:examples:py-heading-arm",
         "attributes": {"sensor": "gps-1", "arm": "arm-1", "poll_ms": 50}},
    ]}
    host = start_armature(dict(config))

    async def scenario(robot):
        follow = Generic.from_robot(robot, "follow")

        async def moved():
            status = await follow.do_command({"status": True})
            return status if (status.get("moves") or 0) >= 1 else None

        status = await eventually(moved, what="a move commanded")
        assert status["heading"] == 90 and status["commanded"] == [-90, 30, -30], status
        # Viam's struct_to_dict reads a null as 0.
        assert status["last_error"] in (None, 0), status
        arm = Arm.from_robot(robot, "arm-1")

        async def arrived():
            return (await arm.get_joint_positions()).values == [-90, 30, -30]

        await eventually(arrived, what="the arm at the heading")

    run(host.address, scenario)

    # Contract 0.2.0's explicit close: removing the service runs its close().
    host.reload({**config, "services": []})

    async def closed():
        return "closed after" in host.logs()

    asyncio.run(eventually(closed, what="the service's close() in the log"))


def test_viams_client_classes_reach_every_api(start_armature):
    folder = modules_folder(MODULES / "sim-devices.wasm", MODULES / "thermometer.wasm",
                            TEST_MODULES / "py-typed-calls.wasm")
    parts = {
        "temp-1": thermometer("temp-1", 21.5),
        "gps-1": sim("gps-1", "movement_sensor", "sim-gps", speed_mps=0),
        "motor-1": sim("motor-1", "motor", "sim-motor", max_rpm=120),
        "servo-1": sim("servo-1", "servo", "sim-servo", deg_per_sec=1000),
        "encoder-1": sim("encoder-1", "encoder", "sim-encoder", ticks_per_second=100, ticks_per_rotation=360),
        "arm-1": sim("arm-1", "arm", "sim-arm", degs_per_sec=1000),
        "base-1": sim("base-1", "base", "sim-base", width_mm=400),
        "gripper-1": sim("gripper-1", "gripper", "sim-gripper", object=True, travel_ms=10),
        "gantry-1": sim("gantry-1", "gantry", "sim-gantry", lengths_mm=[500, 500, 200]),
        "power-1": sim("power-1", "power_sensor", "sim-power-sensor", volts=12),
        "switch-1": sim("switch-1", "switch", "sim-switch", positions=3, labels=["off", "low", "high"]),
        "button-1": sim("button-1", "button", "sim-button"),
    }
    host = start_armature({"modules_dir": folder, "components": list(parts.values()), "services": [
        {"name": "typed", "api": "rdk:service:generic", "model": "armature-test:python:typed-calls",
         "attributes": {"targets": list(parts)}},
    ]})

    async def scenario(robot):
        typed = Generic.from_robot(robot, "typed")

        async def call(on, method, *args, **kwargs):
            answer = await typed.do_command({"on": on, "call": method, "args": list(args), "kwargs": kwargs})
            return answer["result"]

        async def settle(on):
            await eventually(lambda: _not(call(on, "is_moving")), what=f"{on} still")

        assert (await call("temp-1", "get_readings"))["temperature"] == 21.5
        assert await call("gps-1", "get_compass_heading") == 90
        point, _altitude = await call("gps-1", "get_position")
        assert abs(point["latitude"] - 40.7829) < 0.01, point
        assert (await call("gps-1", "get_properties"))["compass_heading_supported"] is True

        await call("motor-1", "go_for", 120, 0.1)
        await settle("motor-1")
        assert abs(await call("motor-1", "get_position") - 0.1) < 1e-6
        await call("motor-1", "set_power", 0.5)
        assert await call("motor-1", "is_powered") == [True, 0.5]
        await call("motor-1", "stop")
        assert await call("motor-1", "is_moving") is False

        await call("servo-1", "move", 45)
        await settle("servo-1")
        assert await call("servo-1", "get_position") == 45
        assert (await call("encoder-1", "get_properties"))["ticks_count_supported"] is True

        await call("arm-1", "move_to_joint_positions", {"joints": [10, 20, 30]})
        await settle("arm-1")
        assert await call("arm-1", "get_joint_positions") == [10, 20, 30]
        x, y, z = end_pose([10, 20, 30])
        pose = await call("arm-1", "get_end_position")
        assert abs(pose["x"] - x) < 1e-6 and abs(pose["y"] - y) < 1e-6 and abs(pose["z"] - z) < 1e-6, pose
        assert (await call("arm-1", "get_kinematics"))[0] == 1

        await call("base-1", "spin", 90, 180)
        await settle("base-1")
        assert abs((await typed_pose(robot))["heading_deg"] - 90) < 1e-6
        assert (await call("base-1", "get_properties"))["width_meters"] == 0.4

        await call("gripper-1", "grab")
        await settle("gripper-1")
        assert (await call("gripper-1", "is_holding_something"))["is_holding_something"] is True

        assert await call("gantry-1", "get_lengths") == [500, 500, 200]
        await call("gantry-1", "move_to_position", [10, 20, 30], [1000, 1000, 1000])
        await settle("gantry-1")
        assert await call("gantry-1", "get_position") == [10, 20, 30]

        assert await call("power-1", "get_voltage") == [12, False]
        await call("switch-1", "set_position", 2)
        assert await call("switch-1", "get_position") == 2
        assert await call("switch-1", "get_number_of_positions") == [3, ["off", "low", "high"]]
        await call("button-1", "push")

        # A model's own error reaches the caller with its code.
        answer = await _error(call("switch-1", "set_position", 7))
        assert "position 7" in answer, answer

    async def typed_pose(robot):
        from viam.components.base import Base
        return await Base.from_robot(robot, "base-1").do_command({"get_pose": True})

    run(host.address, scenario)


async def _not(awaitable):
    return not await awaitable


async def _error(awaitable) -> str:
    from grpclib.exceptions import GRPCError
    try:
        await awaitable
    except GRPCError as e:
        return e.message
    raise AssertionError("the call was expected to fail")
