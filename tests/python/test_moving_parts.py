"""The APIs of contract 0.2.0 — arm, base, gripper, gantry, power sensor,
switch, button — on the demo machine, through the official Viam Python SDK:
every method the SDK exposes is called and its result checked against the
simulated devices of examples/sim-devices (and the Python base of
examples/python/sim-base)."""

import asyncio
import json
import math

import pytest
from grpclib.const import Status
from viam.components.arm import Arm
from viam.components.base import Base
from viam.components.button import Button
from viam.components.gantry import Gantry
from viam.components.gripper import Gripper
from viam.components.power_sensor import PowerSensor
from viam.components.switch import Switch
from viam.proto.common import Pose, Vector3
from viam.proto.component.arm import JointPositions, MoveOptions

from test_apis import demo_config
from viam_client import refused, run


@pytest.fixture
def demo(start_armature):
    return start_armature(demo_config())


def close(a, b, tol=1e-6):
    assert len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b)), (a, b)


def end_pose(joints, base=100.0, upper=300.0, fore=250.0):
    """The sim arm's forward kinematics (examples/sim-devices/src/arm.rs)."""
    waist, shoulder, elbow = (math.radians(j) for j in (joints[0], joints[1], joints[1] + joints[2]))
    reach = upper * math.cos(shoulder) + fore * math.cos(elbow)
    return (reach * math.cos(waist), reach * math.sin(waist), base + upper * math.sin(shoulder) + fore * math.sin(elbow))


def test_arm(demo):
    async def scenario(robot):
        arm = Arm.from_robot(robot, "arm-1")
        close((await arm.get_joint_positions()).values, [0, 0, 0])
        p = await arm.get_end_position()
        close((p.x, p.y, p.z), end_pose([0, 0, 0]))
        assert not await arm.is_moving()

        await arm.move_to_joint_positions(JointPositions(values=[30, 20, -40]))
        close((await arm.get_joint_positions()).values, [30, 20, -40])
        p = await arm.get_end_position()
        close((p.x, p.y, p.z), end_pose([30, 20, -40]), 1e-3)
        assert not await arm.is_moving()

        # Inverse kinematics: a pose the arm reached is reached again.
        x, y, z = end_pose([-20, 40, -30])
        await arm.move_to_position(Pose(x=x, y=y, z=z, o_z=1))
        close((await arm.get_joint_positions()).values, [-20, 40, -30], 1e-3)

        await arm.move_through_joint_positions(
            [JointPositions(values=[0, 0, 0]), JointPositions(values=[10, 10, 10])],
            MoveOptions(max_vel_degs_per_sec=90),
        )
        close((await arm.get_joint_positions()).values, [10, 10, 10])

        # Stop gets in while a move waits: the move returns, short of its goal.
        move = asyncio.create_task(arm.move_to_joint_positions(JointPositions(values=[150, 10, 10])))
        await asyncio.sleep(0.3)
        assert await arm.is_moving()
        await arm.stop()
        await asyncio.wait_for(move, 1)
        assert not await arm.is_moving()
        waist = (await arm.get_joint_positions()).values[0]
        assert 10 < waist < 150, waist

        await refused(
            arm.move_to_joint_positions(JointPositions(values=[1, 2])),
            Status.INVALID_ARGUMENT,
            'arm "arm-1"', "MoveToJointPositions", "positions", "2 values given", "3 joints",
        )
        await refused(
            arm.move_through_joint_positions([JointPositions(values=[1, 2, 3]), JointPositions(values=[1])]),
            Status.INVALID_ARGUMENT,
            "MoveThroughJointPositions", "positions[1]",
        )
        await refused(
            arm.move_to_position(Pose(x=5000, y=0, z=0)), Status.OUT_OF_RANGE, "out of the arm's reach"
        )

        kinematics = await arm.get_kinematics()
        assert kinematics[0] == 1  # KINEMATICS_FILE_FORMAT_SVA
        model = json.loads(kinematics[1])
        assert [j["id"] for j in model["joints"]] == ["waist", "shoulder", "elbow"]
        assert await arm.get_geometries() == []

    run(demo.address, scenario)


@pytest.mark.parametrize("name", ["base-1", "py-base"])
def test_base(demo, name):
    async def scenario(robot):
        base = Base.from_robot(robot, name)

        async def pose():
            return await base.do_command({"get_pose": True})

        props = await base.get_properties()
        assert props.width_meters == {"base-1": 0.4, "py-base": 0.35}[name], props
        assert props.turning_radius_meters == 0
        assert not await base.is_moving()

        await base.spin(90, 180)
        assert abs((await pose())["heading_deg"] - 90) < 1e-6
        assert not await base.is_moving()
        # Facing +y at the start, left a quarter turn: forward is -x.
        await base.move_straight(100, 500)
        p = await pose()
        assert abs(p["x_mm"] + 100) < 1e-6 and abs(p["y_mm"]) < 1e-6, p

        # Stop during MoveStraight: the move (100 s at this speed) returns
        # as soon as the stop is in.
        move = asyncio.create_task(base.move_straight(10_000, 100))
        await asyncio.sleep(0.3)
        assert await base.is_moving()
        await base.stop()
        await asyncio.wait_for(move, 1)
        assert not await base.is_moving()
        assert -300 < (await pose())["x_mm"] < -100

        await base.set_power(Vector3(y=0.5), Vector3(z=0))
        assert await base.is_moving()
        await base.stop()
        assert not await base.is_moving()
        await base.set_velocity(Vector3(y=100), Vector3(z=10))
        assert await base.is_moving()
        await base.stop()

        await refused(
            base.set_power(Vector3(y=2), Vector3()),
            Status.INVALID_ARGUMENT,
            f'base "{name}"', "SetPower", "linear.y", "[-1, 1]",
        )
        assert await base.get_geometries() == []

    run(demo.address, scenario)


def test_gripper(demo):
    async def scenario(robot):
        gripper = Gripper.from_robot(robot, "gripper-1")
        await gripper.open()
        assert not await gripper.is_moving()
        assert not (await gripper.is_holding_something()).is_holding_something
        # The demo's gripper has an object between its jaws.
        assert await gripper.grab() is True
        held = await gripper.is_holding_something()
        assert held.is_holding_something and held.meta == {"jaws": "closed"}, held

        await gripper.open()
        await gripper.do_command({"set_object": False})
        assert await gripper.grab() is False

        opening = asyncio.create_task(gripper.open())
        await asyncio.sleep(0.05)
        assert await gripper.is_moving()
        await gripper.stop()
        await asyncio.wait_for(opening, 1)
        assert not await gripper.is_moving()

        await refused(gripper.get_kinematics(), Status.UNIMPLEMENTED, "get_kinematics")

    run(demo.address, scenario)


def test_gantry(demo):
    async def scenario(robot):
        gantry = Gantry.from_robot(robot, "gantry-1")
        assert await gantry.get_lengths() == [500, 500, 200]
        close(await gantry.get_position(), [0, 0, 0])

        await gantry.move_to_position([100, 200, 50], [1000, 1000, 1000])
        close(await gantry.get_position(), [100, 200, 50])
        assert not await gantry.is_moving()
        assert await gantry.home() is True
        close(await gantry.get_position(), [0, 0, 0])

        move = asyncio.create_task(gantry.move_to_position([500, 500, 200], [50, 50, 50]))
        await asyncio.sleep(0.2)
        assert await gantry.is_moving()
        await gantry.stop()
        await asyncio.wait_for(move, 1)
        assert not await gantry.is_moving()

        await refused(
            gantry.move_to_position([600, 0, 0], [10, 10, 10]),
            Status.INVALID_ARGUMENT,
            'gantry "gantry-1"', "MoveToPosition", "positions_mm[0]", "500",
        )
        await refused(
            gantry.move_to_position([1, 2], [10, 10]),
            Status.INVALID_ARGUMENT,
            "positions_mm", "2 values given", "3 axes",
        )
        await refused(
            gantry.move_to_position([1, 2, 3], [10]),
            Status.INVALID_ARGUMENT,
            "speeds_mm_per_sec", "1 values given",
        )
        await refused(gantry.get_kinematics(), Status.UNIMPLEMENTED, "get_kinematics")
        assert await gantry.get_geometries() == []

    run(demo.address, scenario)


def test_power_sensor(demo):
    async def scenario(robot):
        power = PowerSensor.from_robot(robot, "power-1")
        volts, ac = await power.get_voltage()
        assert (volts, ac) == (12, False)
        amperes, ac = await power.get_current()
        assert 1.2 <= amperes <= 1.8 and not ac, amperes
        watts = await power.get_power()
        assert 12 * 1.2 <= watts <= 12 * 1.8, watts
        readings = await power.get_readings()
        assert set(readings) == {"voltage", "current", "is_ac", "power"}, readings
        assert readings["voltage"] == 12 and readings["is_ac"] is False

    run(demo.address, scenario)


def test_switch(demo):
    async def scenario(robot):
        switch = Switch.from_robot(robot, "switch-1")
        count, labels = await switch.get_number_of_positions()
        assert (count, list(labels)) == (3, ["off", "low", "high"])
        assert await switch.get_position() == 0
        await switch.set_position(2)
        assert await switch.get_position() == 2
        await refused(
            switch.set_position(3),
            Status.INVALID_ARGUMENT,
            'switch "switch-1"', "SetPosition", "position", "0 to 2",
        )
        assert await switch.get_position() == 2

    run(demo.address, scenario)


def test_button(demo):
    async def scenario(robot):
        button = Button.from_robot(robot, "button-1")
        before = (await button.do_command({"get_pushes": True}))["pushes"]
        await button.push()
        await button.push()
        assert (await button.do_command({"get_pushes": True}))["pushes"] == before + 2

    run(demo.address, scenario)


def test_stop_all_stops_the_new_actuators(demo):
    async def scenario(robot):
        base = Base.from_robot(robot, "base-1")
        arm = Arm.from_robot(robot, "arm-1")
        gantry = Gantry.from_robot(robot, "gantry-1")
        await base.set_velocity(Vector3(y=50), Vector3())
        moves = [
            asyncio.create_task(arm.move_to_joint_positions(JointPositions(values=[-150, 0, 0]))),
            asyncio.create_task(gantry.move_to_position([400, 400, 100], [20, 20, 20])),
        ]
        await asyncio.sleep(0.2)
        await robot.stop_all()
        await asyncio.wait_for(asyncio.gather(*moves), 1)
        for part in (base, arm, gantry):
            assert not await part.is_moving(), part.name

    run(demo.address, scenario)
