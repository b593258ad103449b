"""Connecting the official Viam Python SDK to a plain (no TLS, no WebRTC) server."""

import asyncio
import time

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

# Client classes must be imported before connecting: the SDK makes clients
# only for the APIs registered when ResourceNames is first answered.
from viam.components.sensor import Sensor  # noqa: F401
from viam.robot.client import RobotClient
from viam.rpc.dial import DialOptions
from viam.services.generic import Generic  # noqa: F401


async def connect(address: str) -> RobotClient:
    options = RobotClient.Options(
        dial_options=DialOptions(insecure=True, disable_webrtc=True),
        # No background reconnects: a test's server goes away on purpose.
        check_connection_interval=0,
        attempt_reconnect_interval=0,
    )
    return await RobotClient.at_address(address, options)


async def eventually(check, timeout=5.0, what="the condition"):
    """Awaits `check()` every 50 ms until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def run(address: str, scenario) -> None:
    """Runs `scenario(robot)` with a robot client of `address`, closed after."""

    async def main():
        robot = await connect(address)
        try:
            await scenario(robot)
        finally:
            await robot.close()

    asyncio.run(main())


async def refused(call, code: Status, *words: str) -> str:
    """Awaits `call`, which must fail with `code` and a message naming `words`."""
    with pytest.raises(GRPCError) as e:
        await call
    assert e.value.status == code, e.value
    for w in words:
        assert w in e.value.message, (w, e.value.message)
    return e.value.message
