"""Connecting the official Viam Python SDK to a plain (no TLS, no WebRTC) server."""

import asyncio
import time

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
