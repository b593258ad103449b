"""TLS and API keys, as the official Python SDK uses them: it sends
credentials only over TLS, so this is how a real client authenticates."""

import asyncio
import pathlib
import subprocess
import tempfile

from viam.components.sensor import Sensor
from viam.robot.client import RobotClient
from viam.rpc.dial import Credentials, DialOptions

KEY_ID = "8f2c0f1e-0000-4000-8000-000000000002"
KEY = "open-sesame"


def self_signed(folder: pathlib.Path):
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


async def dial(address: str, key: str) -> RobotClient:
    options = RobotClient.Options(
        dial_options=DialOptions(
            disable_webrtc=True,
            credentials=Credentials(type="api-key", payload=key),
            auth_entity=KEY_ID,
        ),
        check_connection_interval=0,
        attempt_reconnect_interval=0,
    )
    return await RobotClient.at_address(address, options)


def test_the_sdk_authenticates_with_an_api_key_over_tls(start_armature):
    folder = pathlib.Path(tempfile.mkdtemp())
    cert, key = self_signed(folder)
    host = start_armature({
        "network": {"tls_cert_file": str(cert), "tls_key_file": str(key)},
        "auth": {"handlers": [{"type": "api-key", "config": {KEY_ID: KEY}}]},
        "components": [{"name": "t", "api": "rdk:component:sensor", "model": "armature:examples:thermometer",
                        "attributes": {"celsius": 17.5}}],
    })

    async def scenario():
        robot = await dial(host.address, KEY)
        try:
            readings = await Sensor.from_robot(robot, "t").get_readings()
            assert readings["temperature"] == 17.5
        finally:
            await robot.close()
        try:
            await dial(host.address, "wrong")
        except Exception as e:
            assert "nauthenticated" in str(e) or "UNAUTHENTICATED" in str(e), e
        else:
            raise AssertionError("a wrong key must be refused")

    asyncio.run(scenario())
