"""Armature as a Viam module (issue 7). viam-server cannot be built here, so
the test plays it, with the official SDK's generated ModuleService stubs: it
serves a parent RobotService and a motor on its own socket, starts
`armature <socket>` as viam-server starts a module, and drives it.
"""

import asyncio
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Mapping, Optional

import pytest
from grpclib import GRPCError
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.server import Server as GrpcServer
from grpclib.server import Stream

from viam.components.board import Board
from viam.components.motor import Motor
from viam.components.movement_sensor import MovementSensor
from viam.components.motor.service import MotorRPCService
from viam.components.sensor import Sensor
from viam.proto.app.robot import ComponentConfig
from viam.proto.module import (
    AddResourceRequest,
    ModuleServiceStub,
    ReadyRequest,
    ReconfigureResourceRequest,
    RemoveResourceRequest,
    ValidateConfigRequest,
)
from viam.proto.robot import LogRequest, LogResponse
from viam.resource.manager import ResourceManager
from viam.robot.service import RobotService
from viam.services.generic import Generic
from viam.utils import dict_to_struct

from conftest import BIN, CACHE, MODULES, ROOT
from viam_client import connect, eventually

TEST_MODULES = ROOT / "target" / "test-modules"
THERMOMETER = "armature:examples:thermometer"
RELAY = "armature-test:relay:relay"
MOTOR = "rdk:component:motor/motor1"
SENSOR_API = "rdk:component:sensor"
GENERIC_SERVICE_API = "rdk:service:generic"


class FakeMotor(Motor):
    """The parent's own motor: the module's logic resource drives it."""

    def __init__(self, name: str):
        super().__init__(name)
        self.power = 0.0

    async def do_command(self, command: Mapping[str, Any], **kwargs) -> Mapping[str, Any]:
        if "set_power" in command:
            self.power = float(command["set_power"])
        return {"power": self.power}

    async def set_power(self, power: float, **kwargs):
        self.power = power

    async def go_for(self, rpm: float, revolutions: float, **kwargs):
        raise NotImplementedError

    async def go_to(self, rpm: float, position_revolutions: float, **kwargs):
        raise NotImplementedError

    async def set_rpm(self, rpm: float, **kwargs):
        raise NotImplementedError

    async def reset_zero_position(self, offset: float, **kwargs):
        raise NotImplementedError

    async def get_position(self, **kwargs) -> float:
        return 0.0

    async def get_properties(self, **kwargs) -> Motor.Properties:
        return Motor.Properties(position_reporting=False)

    async def stop(self, **kwargs):
        self.power = 0.0

    async def is_powered(self, **kwargs):
        return self.power != 0.0, self.power

    async def is_moving(self) -> bool:
        return self.power != 0.0


class ParentRobot(RobotService):
    """viam-server's side of the parent socket: ResourceNames (inherited) and Log."""

    def __init__(self, manager: ResourceManager):
        super().__init__(manager)
        self.logs: List = []

    async def Log(self, stream: Stream[LogRequest, LogResponse]) -> None:
        request = await stream.recv_message()
        assert request is not None
        # viam-server takes exactly one entry per request.
        if len(request.logs) != 1:
            raise GRPCError(Status.INVALID_ARGUMENT, "can only log one entry at a time")
        self.logs.extend(request.logs)
        await stream.send_message(LogResponse())


class Parent:
    """viam-server's parent socket: a path, or host:port in TCP mode."""

    def __init__(self, path):
        self.path = path
        self.motor = FakeMotor("motor1")
        manager = ResourceManager([self.motor])
        self.robot = ParentRobot(manager)
        self.server = GrpcServer([self.robot, MotorRPCService(manager)])

    async def start(self):
        if is_tcp(str(self.path)):
            host, port = str(self.path).rsplit(":", 1)
            await self.server.start(host, int(port))
        else:
            await self.server.start(path=str(self.path))

    async def stop(self):
        self.server.close()
        await self.server.wait_closed()


def is_tcp(address: str) -> bool:
    return "/" not in address


def free_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def answering(address: str) -> bool:
    if is_tcp(address):
        host, port = address.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=0.2).close()
            return True
        except OSError:
            return False
    return pathlib.Path(address).exists()


class Module:
    """`armature <socket> --log-level=debug`, started as viam-server starts a module."""

    def __init__(self, workdir: pathlib.Path, tcp: bool = False, examples=()):
        self.modules = workdir / "modules"
        self.modules.mkdir()
        shutil.copy(MODULES / "thermometer.wasm", self.modules)
        shutil.copy(TEST_MODULES / "relay.wasm", self.modules)
        for name in examples:
            shutil.copy(MODULES / f"{name}.wasm", self.modules)
        self.socket = free_address() if tcp else workdir / "armature-abcde.sock"
        self.log = open(workdir / "armature.log", "w")
        env = dict(
            os.environ,
            VIAM_MODULE_NAME="armature",
            VIAM_MODULE_DATA=str(workdir / "data"),
            ARMATURE_MODULES_DIR=str(self.modules),
            ARMATURE_CACHE_DIR=str(CACHE),
        )
        env.pop("ARMATURE_LOG", None)
        args = [str(BIN), str(self.socket), "--log-level=debug"] + (["--tcp-mode"] if tcp else [])
        self.proc = subprocess.Popen(args, cwd=workdir, env=env, stderr=self.log)
        # viam-server polls for the socket file every 100 ms.
        deadline = time.monotonic() + 60
        while not answering(str(self.socket)):
            assert self.proc.poll() is None, f"armature exited:\n{self.logs()}"
            assert time.monotonic() < deadline, f"no socket after 60 s:\n{self.logs()}"
            time.sleep(0.1)
        if tcp:
            host, port = self.socket.rsplit(":", 1)
            self.channel = Channel(host, int(port))
        else:
            self.channel = Channel(path=str(self.socket))
        self.stub = ModuleServiceStub(self.channel)

    def logs(self) -> str:
        self.log.flush()
        return pathlib.Path(self.log.name).read_text()

    def stop(self):
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if os.environ.get("ARMATURE_TEST_LOGS"):
            print(self.logs())
        self.log.close()


@pytest.fixture
def workdir():
    # Short: a unix socket path must fit in 108 bytes.
    d = tempfile.mkdtemp(prefix="am-", dir="/tmp")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def config(name: str, api: str, model: str, attributes: Dict[str, Any], depends_on: Optional[List[str]] = None):
    """A ComponentConfig filled as viam-server fills it (also for services)."""
    namespace, _, subtype = api.split(":")
    return ComponentConfig(
        name=name,
        namespace=namespace,
        type=subtype,
        api=api,
        model=model,
        attributes=dict_to_struct(attributes),
        depends_on=depends_on or [],
    )


def thermometer(celsius: float) -> ComponentConfig:
    return config("temp-1", SENSOR_API, THERMOMETER, {"celsius": celsius})


def relay(note: str, targets=("motor1", "temp-1")) -> ComponentConfig:
    return config("relay", GENERIC_SERVICE_API, RELAY, {"targets": list(targets), "note": note})


async def expect_error(call, status: Status, *words: str) -> str:
    with pytest.raises(GRPCError) as caught:
        await call
    assert caught.value.status == status, caught.value
    for w in words:
        assert w in caught.value.message, caught.value.message
    return caught.value.message


def test_serves_viam_server_as_a_module(workdir):
    async def scenario():
        parent = Parent(workdir / "parent.sock")
        module = Module(workdir)
        try:
            # A parent that is not there yet: UNAVAILABLE at once, which viam-server retries.
            started = time.monotonic()
            await expect_error(
                module.stub.Ready(ReadyRequest(parent_address=str(parent.path), raw_parent_address=str(parent.path))),
                Status.UNAVAILABLE,
                "not answering yet",
            )
            assert time.monotonic() - started < 3, "viam-server gives Ready 3 s"
            await parent.start()
            ready = await module.stub.Ready(
                ReadyRequest(parent_address=str(parent.path), raw_parent_address=str(parent.path))
            )
            assert ready.ready
            handlers = {
                (h.subtype.subtype.namespace, h.subtype.subtype.type, h.subtype.subtype.subtype, h.subtype.proto_service):
                list(h.models)
                for h in ready.handlermap.handlers
            }
            # The modules folder's models, and the host's built-in ones.
            assert handlers == {
                ("rdk", "component", "sensor", "viam.component.sensor.v1.SensorService"): [THERMOMETER],
                ("rdk", "service", "generic", "viam.service.generic.v1.GenericService"): [RELAY],
                ("rdk", "component", "board", "viam.component.board.v1.BoardService"):
                    ["armature:builtin:linux", "armature:builtin:sim"],
                ("rdk", "component", "camera", "viam.component.camera.v1.CameraService"):
                    ["armature:builtin:image-folder", "armature:builtin:test-pattern", "armature:builtin:v4l2"],
            }

            # ValidateConfig: the guest's validate names the dependencies.
            v = await module.stub.ValidateConfig(ValidateConfigRequest(config=relay("v1")))
            assert (list(v.dependencies), list(v.optional_dependencies)) == (["motor1", "temp-1"], [])
            bad = config("relay", GENERIC_SERVICE_API, RELAY, {"targets": "motor1"})
            await expect_error(module.stub.ValidateConfig(ValidateConfigRequest(config=bad)),
                               Status.INVALID_ARGUMENT, "targets")

            # Bad input: clear errors.
            unknown = config("x", SENSOR_API, "acme:nope:nothing", {})
            await expect_error(module.stub.AddResource(AddResourceRequest(config=unknown)),
                               Status.NOT_FOUND, "acme:nope:nothing", THERMOMETER)
            await module.stub.AddResource(AddResourceRequest(config=thermometer(21.5)))
            # A built-in model (no .wasm) serves viam-server too.
            sim_board = config("local", "rdk:component:board", "armature:builtin:sim", {})
            await module.stub.AddResource(AddResourceRequest(config=sim_board))
            await expect_error(
                module.stub.AddResource(AddResourceRequest(config=relay("v1"), dependencies=[f"{SENSOR_API}/temp-1"])),
                Status.FAILED_PRECONDITION,
                "motor1",
            )
            await expect_error(module.stub.AddResource(AddResourceRequest(config=bad)),
                               Status.INVALID_ARGUMENT, "targets")

            # The logic resource depends on the parent's motor and on the module's own sensor.
            deps = [MOTOR, f"{SENSOR_API}/temp-1"]
            refusing = config("relay", GENERIC_SERVICE_API, RELAY, {"targets": ["motor1"], "refuse": True})
            await expect_error(module.stub.AddResource(AddResourceRequest(config=refusing, dependencies=deps)),
                               Status.FAILED_PRECONDITION, "refused to start")
            await module.stub.AddResource(AddResourceRequest(config=relay("v1"), dependencies=deps))

            # Clients reach the resources through the module socket (viam-server forwards calls there).
            robot = await connect(str(module.socket))
            try:
                names = sorted((n.type, n.subtype, n.name) for n in robot.resource_names)
                assert names == [
                    ("component", "board", "local"),
                    ("component", "sensor", "temp-1"),
                    ("service", "generic", "relay"),
                ]
                pin = await Board.from_robot(robot, "local").gpio_pin_by_name("7")
                await pin.set(True)
                assert await pin.get() is True
                sensor = Sensor.from_robot(robot, "temp-1")
                assert (await sensor.get_readings())["temperature"] == 21.5
                logic = Generic.from_robot(robot, "relay")

                answer = await logic.do_command({"command": "relay", "to": "motor1", "forward": {"set_power": 0.5}})
                assert answer == {"power": 0.5}
                assert parent.motor.power == 0.5, "the call reached the parent's motor"
                readings = await logic.do_command({"command": "readings", "from": "temp-1"})
                assert readings["temperature"] == 21.5
                listed = await logic.do_command({"command": "deps"})
                assert sorted((d["api"], d["name"]) for d in listed["deps"]) == [
                    ("rdk:component:motor", "motor1"),
                    (SENSOR_API, "temp-1"),
                ]
                # A motor has no readings: the parent's UNIMPLEMENTED comes back
                # (which the SDK raises as NotImplementedError).
                with pytest.raises(NotImplementedError):
                    await logic.do_command({"command": "readings", "from": "motor1"})

                # Typed calls (contract 0.2.0's `calls`) on the parent's motor:
                # the same requests a client would send to viam-server.
                async def typed(method):
                    answer = await logic.do_command({"command": "typed", "on": "motor1", "method": method})
                    return answer["answer"]

                assert await typed("motor.get_position") == "Answer::Motor(MotorAnswer::Position(0.0))"
                assert await typed("is_moving") == "Answer::Boolean(true)", "power 0.5 was set above"
                assert await typed("stop") == "Answer::Unit"
                assert parent.motor.power == 0.0, "the typed stop reached the parent's motor"
                assert await typed("is_moving") == "Answer::Boolean(false)"
                # The parent's failure comes back naming the resource.
                with pytest.raises(GRPCError) as failed:
                    await typed("motor.go_for")
                assert "motor1 (served by viam-server)" in failed.value.message, failed.value

                # ReconfigureResource (older viam-server): in place.
                await module.stub.ReconfigureResource(
                    ReconfigureResourceRequest(config=relay("v2"), dependencies=deps)
                )
                state = await logic.do_command({"command": "config"})
                assert (state["attributes"]["note"], state["reconfigures"]) == ("v2", 1)
                await module.stub.ReconfigureResource(ReconfigureResourceRequest(config=thermometer(30.0)))
                assert (await sensor.get_readings())["temperature"] == 30.0

                # Current viam-server: RemoveResource, ValidateConfig, AddResource. Still in place.
                await module.stub.RemoveResource(RemoveResourceRequest(name=f"{GENERIC_SERVICE_API}/relay"))
                await module.stub.ValidateConfig(ValidateConfigRequest(config=relay("v3")))
                await module.stub.AddResource(AddResourceRequest(config=relay("v3"), dependencies=deps))
                state = await logic.do_command({"command": "config"})
                assert (state["attributes"]["note"], state["reconfigures"]) == ("v3", 2)

                # A change that fails validation changes nothing.
                await expect_error(
                    module.stub.ReconfigureResource(ReconfigureResourceRequest(config=bad, dependencies=deps)),
                    Status.INVALID_ARGUMENT,
                    "targets",
                )
                assert (await logic.do_command({"command": "config"}))["attributes"]["note"] == "v3"
                await expect_error(module.stub.RemoveResource(RemoveResourceRequest(name=f"{SENSOR_API}/nope")),
                                   Status.NOT_FOUND)

                # Removed for good: gone once viam-server has not added it back.
                await module.stub.RemoveResource(RemoveResourceRequest(name=f"{GENERIC_SERVICE_API}/relay"))

                async def relay_gone():
                    await robot.refresh()
                    return all(n.name != "relay" for n in robot.resource_names)

                await eventually(relay_gone, timeout=6, what="the removed resource to close")
            finally:
                await robot.close()

            # Logs reached the parent through RobotService/Log, the guest's too.
            async def guest_line():
                return [e for e in parent.robot.logs if "reconfigured in place" in e.message]

            lines = await eventually(guest_line, what="the guest's log line at the parent")
            assert lines[0].logger_name == f"armature.{GENERIC_SERVICE_API}/relay"
            assert lines[0].level == "info"
            assert any(e.level == "debug" and 'command "deps"' in e.message for e in parent.robot.logs), \
                "--log-level=debug is honoured"

            # SIGTERM: every resource closed, dependents first, and gone within a second.
            await module.stub.AddResource(AddResourceRequest(config=relay("v4"), dependencies=deps))
            module.channel.close()
            started = time.monotonic()
            module.proc.send_signal(signal.SIGTERM)
            code = await asyncio.get_running_loop().run_in_executor(None, lambda: module.proc.wait(5))
            took = time.monotonic() - started
            assert code == 0, module.logs()
            assert took < 1.0, f"took {took:.2f}s"
            assert not module.socket.exists()
            closed = [e.logger_name for e in parent.robot.logs if e.message == "closing"]
            # The relay before the sensor it depends on (the board depends on nothing).
            assert closed.index(f"armature.{GENERIC_SERVICE_API}/relay") < closed.index(f"armature.{SENSOR_API}/temp-1")
            assert sorted(closed) == sorted([f"armature.{GENERIC_SERVICE_API}/relay", f"armature.{SENSOR_API}/temp-1",
                                             "armature.rdk:component:board/local"])
        finally:
            module.stop()
            await parent.stop()

    asyncio.run(scenario())


def test_whole_numbers_from_viam_server_read_as_integers(workdir):
    """viam-server sends attributes as a Struct, where every number is a
    double: a baud rate of 115200 arrives as 115200.0, a memory limit of 48
    as 48.0, a DoCommand count of 3 as 3.0. Each must read as the integer
    it is; 115200.5 must be refused with the attribute named."""

    async def scenario():
        parent = Parent(workdir / "parent.sock")
        await parent.start()
        module = Module(workdir, examples=("line-sensor", "nmea-gps"))
        try:
            await module.stub.Ready(ReadyRequest(parent_address=str(parent.path), raw_parent_address=str(parent.path)))
            limits = {"armature": {"limits": {"memory_mb": 48, "call_timeout_ms": 1500}}}
            env = config("env", SENSOR_API, "armature:examples:line-sensor",
                         {"serial": {"path": "sim:line-sensor", "baud": 115200}, **limits})
            gps = config("gps", "rdk:component:movement_sensor", "armature:examples:nmea-gps",
                         {"serial": {"path": "sim:nmea-gps", "baud": 9600, "data_bits": 8, "stop_bits": 1}})
            for resource in (env, gps):
                await module.stub.ValidateConfig(ValidateConfigRequest(config=resource))
                await module.stub.AddResource(AddResourceRequest(config=resource))
            await module.stub.AddResource(AddResourceRequest(config=relay("numbers", targets=())))

            half = config("half", SENSOR_API, "armature:examples:line-sensor",
                          {"serial": {"path": "sim:line-sensor", "baud": 115200.5}})
            await expect_error(module.stub.ValidateConfig(ValidateConfigRequest(config=half)),
                               Status.INVALID_ARGUMENT, "serial", "115200.5")
            half_limit = config("half", SENSOR_API, THERMOMETER,
                                {"celsius": 20, "armature": {"limits": {"memory_mb": 47.5}}})
            await expect_error(module.stub.AddResource(AddResourceRequest(config=half_limit)),
                               Status.INVALID_ARGUMENT, "limits.memory_mb")

            robot = await connect(str(module.socket))
            try:
                async def env_reading():
                    try:
                        return (await Sensor.from_robot(robot, "env").get_readings()).get("temperature")
                    except GRPCError as e:  # UNAVAILABLE until the first line arrives
                        assert e.status == Status.UNAVAILABLE, e
                        return None

                assert isinstance(await eventually(env_reading, timeout=10, what="a line from the sensor"), float)

                async def fix():
                    try:
                        point, _ = await MovementSensor.from_robot(robot, "gps").get_position()
                    except GRPCError as e:  # UNAVAILABLE until the first fix
                        assert e.status == Status.UNAVAILABLE, e
                        return False
                    return point.latitude != 0

                await eventually(fix, timeout=10, what="an NMEA fix")
                logic = Generic.from_robot(robot, "relay")
                answer = await logic.do_command({"command": "repeat", "word": "hi", "times": 3})
                assert answer == {"said": "hi hi hi", "times": 3}
                with pytest.raises(GRPCError) as caught:
                    await logic.do_command({"command": "repeat", "word": "hi", "times": 2.5})
                assert caught.value.status == Status.INVALID_ARGUMENT
                assert "times" in caught.value.message and "2.5" in caught.value.message
            finally:
                await robot.close()
        finally:
            module.stop()
            await parent.stop()

    asyncio.run(scenario())


def test_exits_when_viam_server_is_gone_in_tcp_mode(workdir):
    # A parent in its own process, killed as a crashing viam-server would be;
    # over TCP (a module's `tcp_mode`), which the other test does not use.
    path = free_address()
    parent = subprocess.Popen([sys.executable, __file__, "serve-parent", path])

    async def scenario():
        deadline = time.monotonic() + 30
        while not answering(path):
            assert parent.poll() is None and time.monotonic() < deadline, "the parent did not start"
            await asyncio.sleep(0.05)
        module = Module(workdir, tcp=True)
        try:
            await module.stub.Ready(ReadyRequest(parent_address=str(path), raw_parent_address=str(path)))
            parent.kill()
            started = time.monotonic()
            code = await asyncio.get_running_loop().run_in_executor(None, lambda: module.proc.wait(10))
            assert code == 0, module.logs()
            assert "viam-server is gone" in module.logs()
            assert time.monotonic() - started < 5
        finally:
            module.stop()

    try:
        asyncio.run(scenario())
    finally:
        parent.kill()
        parent.wait()


async def serve_parent(path: str):
    parent = Parent(path)
    await parent.start()
    await parent.server.wait_closed()


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve-parent"]:
        asyncio.run(serve_parent(sys.argv[2]))
