"""Read the demo machine with the official Viam Python SDK.

    target/venv/bin/python examples/clients/read_sensor.py 127.0.0.1:8080

(`cargo xtask test` creates target/venv with viam-sdk; or `pip install viam-sdk`.)
"""

import asyncio
import sys

from viam.components.sensor import Sensor
from viam.robot.client import RobotClient
from viam.rpc.dial import DialOptions
from viam.services.generic import Generic


async def main(address: str):
    options = RobotClient.Options(dial_options=DialOptions(insecure=True, disable_webrtc=True))
    robot = await RobotClient.at_address(address, options)
    try:
        print("resources:", sorted(f"{n.subtype}/{n.name}" for n in robot.resource_names))
        for name in ("temp-1", "temp-2"):
            print(name, await Sensor.from_robot(robot, name).get_readings())
        alerts = Generic.from_robot(robot, "alerts")
        print("alerts:", await alerts.do_command({"command": "get_alerts"}))
    finally:
        await robot.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8080"))
