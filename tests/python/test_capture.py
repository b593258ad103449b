"""Data capture (issue #19), checked from outside: a real host captures from
real resources, and the files are read with the Viam Python SDK's own
protos (`viam.proto.app.datasync`), as a reader written against Viam's
format would read them."""

import asyncio
import base64
import datetime
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest
from google.protobuf.json_format import MessageToDict
from viam.components.camera import Camera
from viam.components.sensor import Sensor
from viam.proto.app.datasync import DataCaptureMetadata, DataType, SensorData
from viam.proto.service.datamanager import DataManagerServiceStub, SyncRequest
from viam.proto.common import DoCommandRequest
from viam.utils import dict_to_struct, struct_to_dict

from conftest import BIN, ROOT, Armature, thermometer
from viam_client import connect, eventually


def captured(name: str, celsius: float, hz: float, **extra) -> dict:
    t = thermometer(name, celsius)
    t["service_configs"] = [{"type": "data_manager", "attributes": {"capture_methods": [
        {"method": "Readings", "capture_frequency_hz": hz, **extra}]}}]
    return t


def machine(capture_dir: pathlib.Path, hz: float = 20, more: list = ()) -> dict:
    camera = {"name": "cam", "api": "rdk:component:camera", "model": "armature:builtin:test-pattern",
              "attributes": {"width": 160, "height": 120},
              "service_configs": [{"type": "data_manager", "attributes": {"capture_methods": [
                  {"method": "GetImages", "capture_frequency_hz": 2}]}}]}
    return {
        "components": [captured("temp-1", 21.5, hz), camera, *more],
        "services": [{"name": "data", "api": "rdk:service:data_manager", "model": "rdk:builtin:builtin",
                      "attributes": {"capture_dir": str(capture_dir), "tags": ["lab"]}}],
    }


def varint(buf: bytes, at: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[at]
        at += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, at
        shift += 7


def read_capture(path: pathlib.Path) -> tuple[DataCaptureMetadata, list[SensorData]]:
    """Viam's framing: a uvarint-delimited DataCaptureMetadata, then
    uvarint-delimited SensorData records."""
    buf = path.read_bytes()
    n, at = varint(buf, 0)
    meta = DataCaptureMetadata()
    meta.ParseFromString(buf[at:at + n])
    at += n
    records = []
    while at < len(buf):
        n, start = varint(buf, at)
        if start + n > len(buf):
            break  # a torn last record
        r = SensorData()
        r.ParseFromString(buf[start:start + n])
        records.append(r)
        at = start + n
    return meta, records


def files(folder: pathlib.Path, ext: str) -> list[pathlib.Path]:
    return sorted(folder.glob(f"*.{ext}")) if folder.is_dir() else []


async def command(robot, name: str, cmd: dict) -> dict:
    stub = DataManagerServiceStub(robot._channel)
    r = await stub.DoCommand(DoCommandRequest(name=name, command=dict_to_struct(cmd)))
    return struct_to_dict(r.result)


def test_captures_readings_and_images_in_viams_format(start_armature, tmp_path):
    capture_dir = tmp_path / "capture"
    host = start_armature(machine(capture_dir))

    async def scenario():
        robot = await connect(host.address)
        try:
            sensor = Sensor.from_robot(robot, "temp-1")
            seen = [await sensor.get_readings()]
            await asyncio.sleep(0.6)
            await sensor.do_command({"command": "set", "celsius": 30.25})
            seen.append(await sensor.get_readings())
            await asyncio.sleep(0.8)
            # Sync closes the files being written, as Viam's does before uploading.
            writing = files(capture_dir / "rdk_component_sensor" / "temp-1" / "Readings", "prog")
            assert writing, "a file is being written"
            await DataManagerServiceStub(robot._channel).Sync(SyncRequest(name="data"))
            closed = [p for p in writing if not p.exists() and p.with_suffix(".capture").exists()]
            assert closed == writing, f"Sync left {writing} open"
            status = await command(robot, "data", {"command": "status"})
            camera_image = (await Camera.from_robot(robot, "cam").get_images())[0][0]
            return seen, status, camera_image
        finally:
            await robot.close()

    seen, status, camera_image = asyncio.run(scenario())
    by_method = {c["method"]: c for c in status["collectors"]}
    assert by_method["Readings"]["errors"] == 0 and by_method["GetImages"]["errors"] == 0, status

    folder = capture_dir / "rdk_component_sensor" / "temp-1" / "Readings"
    done = files(folder, "capture")
    assert done
    rows = []
    for path in done:
        meta, records = read_capture(path)
        assert meta.component_type == "rdk:component:sensor"
        assert meta.component_name == "temp-1"
        assert meta.method_name == "Readings"
        assert meta.type == DataType.DATA_TYPE_TABULAR_SENSOR
        assert meta.file_extension == ".dat"
        assert list(meta.tags) == ["lab"]
        rows += records
    # 20 Hz for about 1.4 s; a loaded machine may skip some ticks.
    assert len(rows) >= 10, len(rows)
    values = [MessageToDict(r.struct)["readings"] for r in rows]
    assert values[0] == seen[0], (values[0], seen[0])
    assert values[-1] == seen[1], (values[-1], seen[1])
    canonical = lambda v: json.dumps(v, sort_keys=True)  # noqa: E731
    assert set(map(canonical, values)) == set(map(canonical, seen)), "only what the sensor returned"
    temps = [v["temperature"] for v in values]
    assert temps == sorted(temps), "in the order it returned them"
    for r in rows:
        requested = r.metadata.time_requested.ToNanoseconds()
        received = r.metadata.time_received.ToNanoseconds()
        assert 0 < requested <= received < requested + 2_000_000_000
    times = [r.metadata.time_requested.ToNanoseconds() for r in rows]
    assert times == sorted(times)

    images = files(capture_dir / "rdk_component_camera" / "cam" / "GetImages", "capture")
    assert images, "an image file per GetImages sample"
    meta, records = read_capture(images[0])
    assert meta.type == DataType.DATA_TYPE_BINARY_SENSOR
    assert meta.mime_type == "image/jpeg" and meta.file_extension == ".jpeg"
    assert len(records) == 1
    assert records[0].binary[:2] == b"\xff\xd8", "a JPEG"
    assert records[0].metadata.annotations.classifications[0].label == camera_image.name


def test_query_answers_the_captured_samples(start_armature, tmp_path):
    host = start_armature(machine(tmp_path / "capture"))

    async def scenario():
        robot = await connect(host.address)
        try:
            async def some():
                r = await command(robot, "data", {"command": "query", "resource": "temp-1", "method": "Readings"})
                return r if r["count"] >= 5 else None

            r = await eventually(some, what="five captured samples")
            assert r["samples"][0]["data"] == {"readings": {"temperature": 21.5, "humidity": 40.0}}
            last = r["samples"][-1]["time_requested"]
            limited = await command(robot, "data", {"command": "query", "resource": "temp-1",
                                                    "method": "Readings", "limit": 2, "until": last})
            assert limited["count"] == 2 and limited["truncated"] is True
            assert limited["samples"][-1]["time_requested"] == last
            none = await command(robot, "data", {"command": "query", "resource": "temp-1",
                                                 "method": "Readings", "since": "2999-01-01T00:00:00Z"})
            assert none["count"] == 0

            # Images: their size by default, their bytes when asked (the panel's strip).
            status = await command(robot, "data", {"command": "status"})
            assert {c["method"]: c["data"] for c in status["collectors"]} == \
                {"Readings": "tabular", "GetImages": "binary"}
            image = {"command": "query", "resource": "cam", "method": "GetImages", "limit": 1}

            async def an_image():
                r = await command(robot, "data", image)
                return r["samples"] if r["count"] else None

            sized = (await eventually(an_image, what="a captured image"))[0]
            assert sized["mime_type"] == "image/jpeg" and sized["binary_bytes"] > 0
            assert "binary_base64" not in sized
            full = (await command(robot, "data", {**image, "binary": True}))["samples"][0]
            jpeg = base64.b64decode(full["binary_base64"])
            assert jpeg[:2] == b"\xff\xd8"
            try:
                await command(robot, "data", {"command": "query", "method": "Readings"})
                raise AssertionError("a query without a resource was answered")
            except Exception as e:  # grpclib's GRPCError
                assert "`resource` is required" in str(e)
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_kill_9_loses_at_most_the_last_second(tmp_path):
    capture_dir = tmp_path / "capture"
    config = machine(capture_dir, hz=50)
    first = Armature(config)
    try:
        async def status():
            robot = await connect(first.address)
            try:
                await asyncio.sleep(2.5)
                return await command(robot, "data", {"command": "status"})
            finally:
                await robot.close()

        s = asyncio.run(status())
        captured = next(c for c in s["collectors"] if c["method"] == "Readings")["captured"]
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(5)
    finally:
        first.stop()
    folder = capture_dir / "rdk_component_sensor" / "temp-1" / "Readings"
    left = files(folder, "prog")
    assert left, "a killed host leaves its file as .prog"

    second = Armature(config)
    try:
        def recovered():
            return not any(p in files(folder, "prog") for p in left)

        deadline = time.time() + 10
        while not recovered() and time.time() < deadline:
            time.sleep(0.05)
        assert recovered(), second.logs()
        assert "recovered a capture file left by an earlier run" in second.logs()
    finally:
        second.stop()
    rows = sum(len(read_capture(p)[1]) for p in files(folder, "capture"))
    # Samples reach the kernel at least every second: at 50 Hz, what the
    # status counted before the kill is on disk, less at most a second's.
    assert rows >= captured - 55, (rows, captured)


def test_parquet_export_holds_what_jsonl_holds(start_armature, tmp_path):
    """`armature data export --format parquet`, read by pyarrow: one row per
    record, the same records, readings and images as the JSON lines export
    of the same folder."""
    import pyarrow.parquet as pq

    capture_dir = tmp_path / "capture"
    host = start_armature(machine(capture_dir))

    async def both_captured():
        robot = await connect(host.address)
        try:
            async def enough():
                s = await command(robot, "data", {"command": "status"})
                n = {c["method"]: c["captured"] for c in s["collectors"]}
                return n["Readings"] >= 5 and n["GetImages"] >= 2
            await eventually(enough, timeout=20, what="readings and images captured")
        finally:
            await robot.close()

    asyncio.run(both_captured())
    host.stop()
    exports = {}
    for fmt in ("jsonl", "parquet"):
        out = tmp_path / f"export.{fmt}"
        subprocess.run([str(BIN), "data", "export", "--dir", str(capture_dir), "--format", fmt, "--out", str(out)],
                       check=True, timeout=60)
        exports[fmt] = out
    lines = [json.loads(line) for line in exports["jsonl"].read_text().splitlines()]
    table = pq.read_table(exports["parquet"])
    assert table.num_rows == len(lines) > 0
    assert str(table.schema.field("time_requested").type) == "timestamp[us, tz=UTC]"
    rows = table.to_pylist()
    key = lambda r: (r["component_name"], r["method_name"], str(r["time_requested"]))  # noqa: E731
    by_key = {key(r): r for r in rows}
    methods = set()
    for line in lines:
        stamp = datetime.datetime.fromisoformat(line["time_requested"].replace("Z", "+00:00")[:26] + "+00:00")
        row = by_key[(line["component_name"], line["method_name"], str(stamp))]
        methods.add(row["method_name"])
        assert row["component_type"] == line["component_type"]
        assert json.loads(row["tags"]) == line["tags"] == ["lab"]
        if "data" in line:
            assert json.loads(row["data"]) == line["data"]
            assert row["binary"] is None
        else:
            assert row["data"] is None
            assert row["mime_type"] == line["mime_type"] == "image/jpeg"
            assert row["binary"] == base64.b64decode(line["binary_base64"])
            assert row["binary"][:2] == b"\xff\xd8"
    assert methods == {"Readings", "GetImages"}


def test_bad_capture_config_is_refused_and_a_good_change_applies_live(start_armature, tmp_path):
    capture_dir = tmp_path / "capture"
    host = start_armature(machine(capture_dir, hz=20))

    async def scenario():
        robot = await connect(host.address)
        try:
            async def hz(expected):
                s = await command(robot, "data", {"command": "status"})
                # While a change applies, the old collector may be gone and
                # the new one not yet started.
                c = next((c for c in s["collectors"] if c["method"] == "Readings"), None)
                return c if c and abs(c["frequency_hz"] - expected) < 1e-6 else None

            await eventually(lambda: hz(20), what="the 20 Hz collector")
            bad = machine(capture_dir, hz=20)
            bad["components"][0]["service_configs"][0]["attributes"]["capture_methods"][0]["method"] = "Position"
            bad["components"][1]["service_configs"][0]["attributes"]["capture_methods"][0]["capture_frequency_hz"] = 0
            host.reload(bad)

            async def refused():
                logs = host.logs()
                return logs if "config change refused" in logs else None

            logs = await eventually(refused, what="the refusal")
            assert 'components[0] "temp-1": field `service_configs[0].attributes.capture_methods[0].method`' in logs
            assert '"Position" is not a capture method of rdk:component:sensor' in logs
            assert 'components[1] "cam": field `service_configs[0].attributes.capture_methods[0].capture_frequency_hz`' in logs
            before = (await hz(20))["captured"]
            await asyncio.sleep(0.3)
            assert (await hz(20))["captured"] > before, "the old capture kept running"

            host.reload(machine(capture_dir, hz=5))
            await eventually(lambda: hz(5), what="the collector at its new frequency")
            assert "config changed" not in host.logs(), "the sensor itself was left running"
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_the_demo_captures_from_every_kind_of_resource(start_armature):
    """Every capture method the demo configures lands in its folder in
    Viam's format, holding what the resource answers."""
    from test_apis import demo_config

    config = demo_config()
    capture_dir = pathlib.Path(next(s for s in config["services"]
                                    if s["api"] == "rdk:service:data_manager")["attributes"]["capture_dir"])
    host = start_armature(config)

    async def scenario():
        robot = await connect(host.address)
        try:
            live = {
                "temp-1": await Sensor.from_robot(robot, "temp-1").get_readings(),
                "py-temp": await Sensor.from_robot(robot, "py-temp").get_readings(),
            }
            await asyncio.sleep(2.5)
            await DataManagerServiceStub(robot._channel).Sync(SyncRequest(name="data"))
            return live
        finally:
            await robot.close()

    live = asyncio.run(scenario())
    expected = {}
    for r in config["components"]:
        for sc in r.get("service_configs", []):
            for m in sc["attributes"]["capture_methods"]:
                expected[(r["api"].replace(":", "_"), r["name"], m["method"])] = r["api"]
    assert len(expected) >= 20
    found = {}
    for (api_dir, name, method), api in expected.items():
        paths = files(capture_dir / api_dir / name / method, "capture")
        assert paths, f"nothing captured for {name} {method}:\n{host.logs()[-3000:]}"
        meta, records = read_capture(paths[0])
        assert (meta.component_type, meta.component_name, meta.method_name) == (api, name, method)
        assert list(meta.tags) == ["demo"]
        assert records, f"{name} {method}: an empty file"
        found[(name, method)] = records[0]

    def tabular(name, method):
        return MessageToDict(found[(name, method)].struct)

    assert tabular("temp-1", "Readings") == {"readings": live["temp-1"]}
    assert tabular("py-temp", "Readings") == {"readings": live["py-temp"]}
    assert tabular("motor-1", "IsPowered") == {"is_on": False, "power_pct": 0.0}
    assert tabular("motor-1", "Position") == {"position": 0.0}
    assert set(tabular("servo-1", "Position")) == {"position_deg"}
    assert set(tabular("encoder-1", "TicksCount")) == {"value", "position_type"}
    analog = tabular("board-1", "Analogs")
    assert 0 <= analog["value"] <= 1023 and analog["max_range"] >= analog["min_range"]
    assert isinstance(tabular("board-1", "Gpios")["high"], bool)
    position = tabular("gps-1", "Position")
    assert abs(position["coordinate"]["latitude"] - 40.7829) < 0.01
    assert abs(position["coordinate"]["longitude"] + 73.9654) < 0.01
    assert 0 <= tabular("gps-1", "CompassHeading")["value"] < 360
    assert tabular("counter-1", "DoCommand") == {"docommand_output": {"count": 0.0}}
    assert found[("cam0", "GetImages")].binary[:2] == b"\xff\xd8"
    # The APIs of contract 0.2.0, at rest: the arm stretched out, the gantry
    # at its origin, a 12 V supply.
    assert tabular("arm-1", "EndPosition")["pose"]["x"] == 550
    assert tabular("arm-1", "JointPositions") == {"positions": {"values": [0.0, 0.0, 0.0]}}
    assert tabular("gantry-1", "Position") == {"positions_mm": [0.0, 0.0, 0.0]}
    assert tabular("gantry-1", "Lengths") == {"lengths_mm": [500.0, 500.0, 200.0]}
    assert tabular("power-1", "Voltage") == {"volts": 12.0, "is_ac": False}
    assert set(tabular("power-1", "Current")) == {"amperes", "is_ac"}
    assert 12 * 1.2 <= tabular("power-1", "Power")["watts"] <= 12 * 1.8
    assert set(tabular("power-1", "Readings")["readings"]) == {"voltage", "current", "is_ac", "power"}


def test_a_hung_resource_delays_no_other_collector_and_fails_quietly(start_armature, tmp_path):
    """A sensor that sleeps through every read (cut off at its 300 ms call
    deadline) beside a healthy one: the healthy collector keeps its pace,
    the hung one's failures are counted and logged once, not per sample."""
    def hostile(name, on_read, hz):
        return {"name": name, "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
                "attributes": {"on_read": on_read}, "limits": {"call_timeout_ms": 300},
                "service_configs": [{"type": "data_manager", "attributes": {"capture_methods": [
                    {"method": "Readings", "capture_frequency_hz": hz}]}}]}

    host = start_armature({
        "modules_dir": str(ROOT / "target" / "test-modules"),
        "components": [hostile("hung", "sleep", 10), hostile("fine", "ok", 20)],
        "services": [{"name": "data", "api": "rdk:service:data_manager", "model": "rdk:builtin:builtin",
                      "attributes": {"capture_dir": str(tmp_path / "capture")}}],
    })

    async def scenario():
        robot = await connect(host.address)
        try:
            before = {c["resource"]: c for c in (await command(robot, "data", {"command": "status"}))["collectors"]}
            await asyncio.sleep(2.0)
            after = {c["resource"]: c for c in (await command(robot, "data", {"command": "status"}))["collectors"]}
            return before, after
        finally:
            await robot.close()

    before, after = asyncio.run(scenario())
    # 20 Hz for 2 s is 40 samples; a loaded machine may skip a few ticks.
    assert after["fine"]["captured"] - before["fine"]["captured"] >= 25, (before, after)
    assert after["fine"]["errors"] == 0
    assert after["hung"]["errors"] >= 3 and after["hung"]["failing"] >= 3, after["hung"]
    assert after["hung"]["captured"] == 0
    logs = host.logs()
    assert logs.count("capture failing") == 1, "one line per streak, not one per failed sample"
    assert "hung" in logs[logs.index("capture failing") - 300:logs.index("capture failing") + 300]


def test_an_unwritable_capture_folder_is_reported_once_and_nothing_crashes(start_armature, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    host = start_armature(machine(blocker / "capture", hz=20))

    async def scenario():
        robot = await connect(host.address)
        try:
            await asyncio.sleep(1.0)
            status = await command(robot, "data", {"command": "status"})
            readings = await Sensor.from_robot(robot, "temp-1").get_readings()
            return status, readings
        finally:
            await robot.close()

    status, readings = asyncio.run(scenario())
    c = next(c for c in status["collectors"] if c["method"] == "Readings")
    assert c["captured"] == 0 and c["errors"] >= 5, c
    assert readings["temperature"] == 21.5, "the machine serves on"
    logs = host.logs()
    assert logs.count("capture failing") == 2, "one line per collector (readings, images)"
    assert "Not a directory" in logs


def test_a_full_disk_deletes_every_nth_file_and_capture_goes_on(start_armature, tmp_path):
    """Capture into a 1 MB tmpfs until it is full: a write that finds the
    disk full brings the disk-full policy at once (not 30 s later), it
    deletes every 5th closed file and logs each by name, capture goes on
    (images requested after the deletion reach the disk), and every file
    left reads whole. Needs root to mount the tmpfs (CI runs as root)."""
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"!!! cannot mount a tmpfs here ({mounted.stderr.strip()}): the full-disk test did NOT run !!!")
    try:
        capture_dir = mount / "capture"
        config = machine(capture_dir, hz=100)
        camera = config["components"][1]
        camera["attributes"] = {"width": 320, "height": 240}
        camera["service_configs"][0]["attributes"]["capture_methods"][0]["capture_frequency_hz"] = 20
        config["services"][0]["attributes"]["maximum_capture_file_size_bytes"] = 4096
        host = start_armature(config)
        before_at = 0

        async def scenario():
            robot = await connect(host.address)
            try:
                async def deleted():
                    s = await command(robot, "data", {"command": "status"})
                    return s if s["deleted_for_space"] > 0 else None

                before = await eventually(deleted, timeout=40, what="the disk-full policy to delete files")
                nonlocal before_at
                before_at = time.time_ns()
                await asyncio.sleep(2.0)
                after = await command(robot, "data", {"command": "status"})
                return before, after
            finally:
                await robot.close()

        before, after = asyncio.run(scenario())
        logs = host.logs()
        host.stop()
        named = [line for line in logs.splitlines() if "disk full: deleted a capture file" in line]
        assert len(named) >= after["deleted_for_space"] > 0, logs[-3000:]
        assert str(capture_dir) in named[0]
        # Capture went on: samples requested after the first deletion are
        # on disk, in files that read whole, and a second second's worth
        # was taken.
        counts = lambda s: {c["method"]: c["captured"] for c in s["collectors"]}  # noqa: E731
        for method, n in counts(after).items():
            assert n > counts(before)[method], f"{method} stopped capturing on a full disk: {before} {after}"
        left = list(capture_dir.rglob("*.capture"))
        assert left
        newest = {}
        for path in left:
            meta, records = read_capture(path)
            assert records, f"{path} holds no sample"
            latest = max(r.metadata.time_requested.ToNanoseconds() for r in records)
            newest[meta.method_name] = max(newest.get(meta.method_name, 0), latest)
        assert newest["GetImages"] > before_at, "no image reached the disk after the first deletion"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
