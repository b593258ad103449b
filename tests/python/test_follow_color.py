"""The seed's robot on the demo machine: a camera sees an orange blob, a
vision service finds it, and a logic service turns a base toward it. Four
sandboxes — the test-pattern camera `cam-1`, the color detector `vision-1`,
`follow-1` (examples/follow-color) and the sim base `base-1` — talking
through typed dependency calls (`calls` and contract 0.2.1's
`vision-calls`); checked through the official Viam Python SDK."""

import asyncio

import pytest
from viam.components.base import Base
from viam.components.camera import Camera
from viam.services.generic import Generic
from viam.services.vision import VisionClient

from test_apis import demo_config
from viam_client import eventually, run


@pytest.fixture
def demo(start_armature):
    return start_armature(demo_config())


def parts(robot):
    """The demo's camera, base and follow-color, as the SDK's clients."""
    return Camera.from_robot(robot, "cam-1"), Base.from_robot(robot, "base-1"), Generic.from_robot(robot, "follow-1")


async def heading(base) -> float:
    return (await base.do_command({"get_pose": True}))["heading_deg"]


async def state_is(follow, *states):
    async def check():
        status = await follow.do_command({"command": "status"})
        return status if status["state"] in states else None

    return await eventually(check, what=f"follow-1 to be {' or '.join(states)}")


def test_the_base_turns_toward_the_blob_and_stops_when_it_is_gone(demo):
    async def scenario(robot):
        camera, base, follow = parts(robot)

        # Nothing orange in view: the base stays where it is.
        await state_is(follow, "idle")
        assert not await base.is_moving()

        # Left of centre: it turns left (counter-clockwise, the heading grows)
        # and drives toward it, the blob being small.
        await camera.do_command({"command": "place_blob", "x": 40, "y": 120, "size": 30})
        status = await state_is(follow, "following")
        assert status["seen"]["label"] == "orange" and status["seen"]["x"] < 0.3, status
        assert status["angular_degs_per_sec"] > 0 and status["linear_mm_per_sec"] > 0, status
        start = await heading(base)

        async def turned_left():
            return await heading(base) > start + 5

        await eventually(turned_left, what="the base to turn left")

        # Right of centre: it turns the other way.
        await camera.do_command({"command": "place_blob", "x": 290, "y": 120, "size": 30})

        async def turns_right():
            status = await follow.do_command({"command": "status"})
            return status["angular_degs_per_sec"] < 0

        await eventually(turns_right, what="follow-1 to turn right")
        right_from = await heading(base)

        async def turned_right():
            return await heading(base) < right_from - 5

        await eventually(turned_right, what="the base to turn right")

        # Gone: the base stops.
        await camera.do_command({"command": "remove_blob"})
        await state_is(follow, "idle")
        assert not await base.is_moving()
        still = await heading(base)
        await asyncio.sleep(0.3)
        assert await heading(base) == still

    run(demo.address, scenario)


def test_a_big_centred_blob_is_arrived_at(demo):
    async def scenario(robot):
        camera, base, follow = parts(robot)
        # 100 x 100 of 320 x 240 is 13 % of the image, above stop_area_pct.
        await camera.do_command({"command": "place_blob", "x": 160, "y": 120, "size": 100})
        status = await state_is(follow, "arrived")
        assert status["linear_mm_per_sec"] == 0 and status["angular_degs_per_sec"] == 0, status
        assert not await base.is_moving()

    run(demo.address, scenario)


def test_stop_all_stops_the_base_and_follow_color_waits(demo):
    async def scenario(robot):
        camera, base, follow = parts(robot)
        await camera.do_command({"command": "place_blob", "x": 40, "y": 120, "size": 30})
        await state_is(follow, "following")
        assert await base.is_moving()

        await robot.stop_all()
        assert not await base.is_moving()
        await state_is(follow, "paused")
        # It keeps seeing the blob, and does not drive again.
        await asyncio.sleep(0.5)
        assert not await base.is_moving()

        await follow.do_command({"command": "resume"})
        await state_is(follow, "following")
        assert await base.is_moving()

    run(demo.address, scenario)


@pytest.mark.parametrize(
    "fault, said",
    [
        ({"message": "lens cap on"}, "lens cap on"),
        # A camera that answers, but with no image: the detector says which.
        ({"no_image": True}, 'camera "cam-1" answered no image'),
    ],
    ids=["camera-error", "no-image"],
)
def test_a_failing_camera_stops_the_base(demo, fault, said):
    async def scenario(robot):
        camera, base, follow = parts(robot)
        await camera.do_command({"command": "place_blob", "x": 40, "y": 120, "size": 30})
        await state_is(follow, "following")

        await camera.do_command({"command": "fail", **fault})
        status = await state_is(follow, "failed")
        assert said in status["last_error"], status
        assert not await base.is_moving()
        assert "following failed, the base is stopped" in demo.logs()
        with pytest.raises(Exception, match=said):
            await VisionClient.from_robot(robot, "vision-1").get_detections_from_camera("cam-1")

        await camera.do_command({"command": "recover"})
        await state_is(follow, "following")

    run(demo.address, scenario)
