"""`/metrics` and the HTTP side of the gRPC port, scraped while the official
Python SDK makes calls: counters move by exactly the calls made."""

import asyncio
import re
import time
import urllib.error
import urllib.request

from viam.components.sensor import Sensor

from conftest import ROOT, thermometer
from viam_client import connect


def http(address: str, path: str, headers: dict | None = None, method: str = "GET") -> tuple[int, dict, str]:
    request = urllib.request.Request(f"http://{address}{path}", headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def sample(text: str, name: str, **labels) -> float:
    """The value of one series, 0 if it is not there yet."""
    for line in text.splitlines():
        m = re.match(r"^(\w+)\{(.*)\} (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if all(got.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return 0.0


def metrics(address: str) -> str:
    status, headers, body = http(address, "/metrics")
    assert status == 200, body
    assert headers["content-type"].startswith("application/openmetrics-text"), headers
    return body


def test_counters_move_with_the_calls_made(start_armature):
    a = start_armature({"components": [thermometer("t1", 20.0)]})
    before = metrics(a.address)
    series = dict(api="rdk:component:sensor", resource="t1", method="GetReadings")
    calls0 = sample(before, "armature_calls_total", **series)
    latency0 = sample(before, "armature_call_duration_seconds_count", **series)
    errors0 = sample(before, "armature_call_errors_total", resource="t1", method="DoCommand")

    async def scenario():
        robot = await connect(a.address)
        try:
            sensor = Sensor.from_robot(robot, "t1")
            for _ in range(7):
                await sensor.get_readings()
            try:
                await sensor.do_command({"unknown-command": True})
            except Exception:
                pass
            else:
                raise AssertionError("the thermometer accepted an unknown command")
        finally:
            await robot.close()

    asyncio.run(scenario())
    after = metrics(a.address)
    assert sample(after, "armature_calls_total", **series) == calls0 + 7
    assert sample(after, "armature_call_duration_seconds_count", **series) == latency0 + 7
    assert sample(after, "armature_call_errors_total", resource="t1", method="DoCommand") == errors0 + 1
    assert sample(after, "armature_guest_memory_bytes", resource="t1") > 0
    assert "armature_compile_cache_total" in after
    assert re.search(r"^armature_sessions \d+$", after, re.M), after


def test_restarts_are_counted(start_armature):
    # A guest that panics on read: the host rebuilds it and counts the restart.
    a = start_armature({"modules_dir": str(ROOT / "target" / "test-modules"), "components": [
        {"name": "t1", "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
         "attributes": {"on_read": "panic"}}]})

    async def scenario():
        robot = await connect(a.address)
        try:
            try:
                await Sensor.from_robot(robot, "t1").get_readings()
            except Exception:
                pass
            else:
                raise AssertionError("the hostile sensor did not fail")
        finally:
            await robot.close()

    asyncio.run(scenario())
    for _ in range(100):
        if sample(metrics(a.address), "armature_restarts_total", resource="t1") >= 1:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no restart counted:\n{metrics(a.address)}")


def test_panel_switch_and_cors(start_armature):
    on = start_armature({"components": [thermometer("t1", 20.0)]})
    status, headers, body = http(on.address, "/")
    assert status == 200 and "<html" in body.lower(), body[:200]
    status, _, body = http(on.address, "/armature/modules")
    assert status == 200 and '"thermometer"' in body, body

    off = start_armature({"panel": False, "components": [thermometer("t1", 20.0)]})
    status, _, body = http(off.address, "/")
    assert status == 200 and "panel is off" in body, body
    # Not a route then: unknown paths reach the gRPC fallback, which gRPC-Web
    # answers 400 over HTTP/1.1.
    status, _, _ = http(off.address, "/armature/modules")
    assert status == 400

    # A page from a loopback origin may call; one from elsewhere may not.
    def preflight(origin):
        _, headers, _ = http(on.address, "/viam.robot.v1.RobotService/ResourceNames", {
            "Origin": origin, "Access-Control-Request-Method": "POST"}, method="OPTIONS")
        return headers.get("access-control-allow-origin")

    assert preflight("http://localhost:5173") == "http://localhost:5173"
    assert preflight("http://evil.example") is None


def test_only_loopback_names_on_an_open_machine(start_armature):
    # A page that rebinds its own name to 127.0.0.1 is same-origin with the
    # machine; the name it used is still in the request, and is refused.
    a = start_armature({"components": [thermometer("t1", 20.0)]})
    status, _, _ = http(a.address, "/armature/modules")
    assert status == 200
    status, _, body = http(a.address, "/armature/modules", {"Host": "evil.example:8080"})
    assert status == 403, body
    status, _, _ = http(a.address, "/viam.robot.v1.RobotService/ResourceNames",
                        {"Host": "evil.example", "Content-Type": "application/grpc-web+proto"}, method="POST")
    assert status == 403


def test_http_needs_a_key_when_auth_is_on(start_armature):
    import base64
    a = start_armature({"auth": {"handlers": [{"type": "api-key", "config": {"key-1": "s3cret"}}]},
                        "components": [thermometer("t1", 20.0)]})
    basic = {"Authorization": "Basic " + base64.b64encode(b"key-1:s3cret").decode()}
    wrong = {"Authorization": "Basic " + base64.b64encode(b"key-1:nope").decode()}
    status, headers, _ = http(a.address, "/metrics")
    assert status == 401 and headers.get("www-authenticate", "").startswith("Basic"), headers
    assert http(a.address, "/metrics", wrong)[0] == 401
    status, _, body = http(a.address, "/metrics", basic)
    assert status == 200 and "armature_sessions" in body
    # The panel's JSON: refused without the browser's login dialog (the panel has its own form).
    status, headers, _ = http(a.address, "/armature/logs")
    assert status == 401 and "www-authenticate" not in {k.lower() for k in headers}, headers
    assert http(a.address, "/armature/logs", basic)[0] == 200
    # With keys on, any origin may ask (every call needs a token anyway).
    _, headers, _ = http(a.address, "/viam.robot.v1.RobotService/ResourceNames", {
        "Origin": "http://robot-dashboard.example", "Access-Control-Request-Method": "POST"}, method="OPTIONS")
    assert headers.get("access-control-allow-origin") == "http://robot-dashboard.example", headers
