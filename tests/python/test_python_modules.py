"""Python guests (built by `armature build` from examples/python and
tests/fixtures/python), driven through the official Viam Python SDK."""

import asyncio
import os
import pathlib
import pty
import shutil
import subprocess
import tempfile
import time

import pytest
from grpclib import Status
from grpclib.exceptions import GRPCError
from viam.components.sensor import Sensor
from viam.services.generic import Generic

from conftest import BIN, MODULES, ROOT, thermometer
from viam_client import connect, eventually

TEST_MODULES = ROOT / "target" / "test-modules"
COMPONENTIZE_PY = ROOT / "target" / "venv" / "bin" / "componentize-py"


def modules_folder(*wasm: pathlib.Path) -> str:
    folder = tempfile.mkdtemp(prefix="armature-py-modules-")
    for path in wasm:
        shutil.copy(path, folder)
    return folder


def py_sensor(name: str, model: str, **attributes) -> dict:
    return {"name": name, "api": "rdk:component:sensor", "model": model, "attributes": attributes}


def py_alerts(name: str, sensors: list, **attributes) -> dict:
    return {"name": name, "api": "rdk:service:generic", "model": "armature:examples:py-threshold-alerts",
            "attributes": {"sensors": sensors, **attributes}}


async def code_of(call) -> tuple:
    try:
        await call
    except GRPCError as e:
        return e.status, e.message
    raise AssertionError("the call was expected to fail")


def test_python_thermometer_and_alerts_beside_rust_modules(start_armature):
    folder = modules_folder(MODULES / "thermometer.wasm", MODULES / "py-thermometer.wasm",
                            MODULES / "py-threshold-alerts.wasm")
    host = start_armature({"modules_dir": folder, "components": [
        thermometer("temp-1", 45.0),
        py_sensor("py-temp", "armature:examples:py-thermometer", celsius=30, humidity=50),
        py_sensor("py-bad", "armature:examples:py-thermometer", humidity=300),
    ], "services": [
        py_alerts("py-alerts", ["temp-1", "py-temp"], thresholds={"warning": 28, "critical": 40}, poll_ms=50),
    ]})

    async def scenario():
        robot = await connect(host.address)
        try:
            py_temp = Sensor.from_robot(robot, "py-temp")
            assert await py_temp.get_readings() == {"temperature": 30.0, "humidity": 50.0}
            assert await py_temp.do_command({"command": "set", "celsius": 42.5}) == {"celsius": 42.5}
            assert (await py_temp.get_readings())["temperature"] == 42.5
            assert (await py_temp.do_command({"command": "stats"}))["reads"] >= 2  # the alerts poll it too
            status, message = await code_of(py_temp.do_command({"command": "explode"}))
            assert status == Status.INVALID_ARGUMENT and "unknown command 'explode'" in message, message

            # validate_config's error names the attribute; the rest keeps serving.
            machine = await robot.get_machine_status()
            bad = next(r for r in machine.resources if r.name.name == "py-bad")
            assert "attribute 'humidity' must be within 0..100" in bad.error, bad.error

            alerts = Generic.from_robot(robot, "py-alerts")

            async def both_alerting():
                found = (await alerts.do_command({"command": "get_alerts"}))["alerts"]
                return {a["sensor"]: a["severity"] for a in found} == {"temp-1": "critical", "py-temp": "critical"}

            await eventually(both_alerting, what="alerts from a Rust and a Python sensor")
            critical = await alerts.do_command({"command": "get_alerts", "severity": "critical"})
            assert [a["sensor"] for a in critical["alerts"]] == ["py-temp", "temp-1"]
            status, _ = await code_of(alerts.do_command({"command": "get_alerts", "severity": "dire"}))
            assert status == Status.INVALID_ARGUMENT

            # The background task polls every 50 ms; removing the service stops it.
            temp_1 = Sensor.from_robot(robot, "temp-1")

            async def reads():
                return (await temp_1.do_command({"command": "stats"}))["reads"]

            first = await reads()
            await asyncio.sleep(0.5)
            assert await reads() >= first + 4, "the Python task polls in the background"
            host.reload({"modules_dir": folder, "components": [
                thermometer("temp-1", 45.0), py_sensor("py-temp", "armature:examples:py-thermometer")]})

            async def removed():
                machine = await robot.get_machine_status()
                return all(r.name.name != "py-alerts" for r in machine.resources)

            await eventually(removed, timeout=20, what="the Python service to be removed")
            settled = await reads()
            await asyncio.sleep(0.5)
            assert await reads() == settled, "no polling after removal"
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_python_line_sensor_reads_its_granted_serial_port(start_armature):
    master, slave = os.openpty()
    path = os.ttyname(slave)
    folder = modules_folder(MODULES / "py-line-sensor.wasm")
    host = start_armature({"modules_dir": folder, "components": [
        py_sensor("py-line", "armature:examples:py-line-sensor", serial={"path": path, "baud": 115200}),
        py_sensor("py-unplugged", "armature:examples:py-line-sensor", serial={"path": "/dev/armature-none", "baud": 9600}),
    ]})

    async def scenario():
        robot = await connect(host.address)
        try:
            line = Sensor.from_robot(robot, "py-line")
            os.write(master, b"garbage\ntemperature=21.5,humidity=40\npartial=")

            async def reading():
                try:
                    return await line.get_readings()
                except GRPCError:
                    return None

            assert await eventually(reading, what="a reading") == {"temperature": 21.5, "humidity": 40.0}
            os.write(master, b"1,label=ok\n")
            assert await eventually(lambda: _changed(line), what="the next line") == {"partial": 1.0, "label": "ok"}
            assert await line.do_command({}) == {"good_lines": 2, "bad_lines": 1}
            status, message = await code_of(Sensor.from_robot(robot, "py-unplugged").get_readings())
            assert status == Status.UNAVAILABLE and "/dev/armature-none" in message, message
        finally:
            await robot.close()
            os.close(master)
            os.close(slave)

    asyncio.run(scenario())


async def _changed(line):
    readings = await line.get_readings()
    return readings if "partial" in readings else None


def test_a_module_written_for_viam_easy_resource_runs_with_changed_imports(start_armature):
    folder = modules_folder(TEST_MODULES / "py-viam-port.wasm")
    host = start_armature({"modules_dir": folder, "components": [
        py_sensor("wave", "acme:demo:wave-sensor", amplitude=2.0, period_s=4),
        py_sensor("wave-bad", "acme:demo:wave-sensor", amplitude="loud"),
    ]})

    async def scenario():
        robot = await connect(host.address)
        try:
            wave = Sensor.from_robot(robot, "wave")
            readings = await wave.get_readings()
            assert readings["amplitude"] == 2.0 and -2.0 <= readings["wave"] <= 2.0, readings
            assert await wave.do_command({"amplitude": 3}) == {"amplitude": 3.0}
            machine = await robot.get_machine_status()
            bad = next(r for r in machine.resources if r.name.name == "wave-bad")
            assert "amplitude must be a number" in bad.error, bad.error
        finally:
            await robot.close()

    asyncio.run(scenario())
    assert "wave: amplitude 2.0, period 4.0 s" in host.logs()


def test_viams_module_template_runs_with_changed_imports_and_no_requirements(start_armature):
    # The sensor model `viam module generate` writes, filled in as Viam's docs
    # do, with only its `viam.` imports changed: it imports typing_extensions,
    # which the SDK brings as viam-sdk does, and it has no requirements.txt.
    assert not (ROOT / "tests" / "fixtures" / "python" / "viam-template" / "requirements.txt").exists()
    folder = modules_folder(TEST_MODULES / "py-viam-template.wasm")

    def machine(multiplier) -> dict:
        return {"modules_dir": folder, "components": [
            py_sensor("hello", "acme:hello-world:hello-sensor", multiplier=multiplier),
            py_sensor("hello-bad", "acme:hello-world:hello-sensor", multiplier="twice"),
        ]}

    host = start_armature(machine(2))

    async def scenario():
        robot = await connect(host.address)
        try:
            hello = Sensor.from_robot(robot, "hello")
            assert await hello.get_readings() == {"hello": "world", "number": 43.0}
            status = await robot.get_machine_status()
            bad = next(r for r in status.resources if r.name.name == "hello-bad")
            assert "Multiplier must be a float." in bad.error, bad.error
            # The template has no `reconfigure`: a changed config rebuilds it, as viam-sdk does.
            host.reload(machine(3))

            async def rebuilt():
                try:
                    readings = await hello.get_readings()
                except GRPCError:  # between the old resource and the new one
                    return None
                return readings if readings["number"] == 64.5 else None

            await eventually(rebuilt, timeout=20, what="the new multiplier")
        finally:
            await robot.close()

    asyncio.run(scenario())


def hostile(name: str, **attributes) -> dict:
    return py_sensor(name, "armature:test:py-hostile", **attributes)


def test_hostile_python_guests_are_stopped_and_rebuilt(start_armature):
    folder = modules_folder(TEST_MODULES / "py-hostile.wasm", MODULES / "thermometer.wasm")
    limits = {"armature": {"limits": {"call_timeout_ms": 1000, "memory_mb": 64}}}
    host = start_armature({"modules_dir": folder, "components": [
        hostile("h", **limits),
        hostile("fails-validate", fail_in="validate"),
        hostile("fails-new", fail_in="new"),
        thermometer("bystander", 20.0),
    ]})

    async def scenario():
        robot = await connect(host.address)
        try:
            h = Sensor.from_robot(robot, "h")
            bystander = Sensor.from_robot(robot, "bystander")
            assert await h.get_readings() == {"calls": 1.0}
            assert await h.get_readings() == {"calls": 2.0}

            # An exception is the caller's error, with its message; the resource keeps its state.
            status, message = await code_of(h.do_command({"mode": "raise"}))
            assert status == Status.INTERNAL and "ValueError: the guest raised on purpose" in message, message
            status, message = await code_of(h.do_command({"mode": "not_found"}))
            assert status == Status.NOT_FOUND and "no such widget" in message, message
            status, message = await code_of(h.do_command({"mode": "await_sleep"}))
            assert "does not finish by itself" in message, message
            assert await h.get_readings() == {"calls": 3.0}, "exceptions do not rebuild the resource"
            # asyncio inside a method, as Viam modules use it, when what it awaits finishes at once.
            assert await h.do_command({"mode": "gather"}) == {"values": [2.0, 4.0]}
            assert await h.do_command({"mode": "wait_for"}) == {"value": 42.0}

            # Loop, memory blow-up, runaway recursion: stopped, rebuilt, the rest unharmed.
            for mode in ["loop", "memory", "recursion"]:
                status, message = await code_of(h.do_command({"mode": mode}))
                assert status != Status.OK, (mode, message)
                assert await bystander.get_readings() == {"temperature": 20.0, "humidity": 40.0}

                async def rebuilt():
                    try:
                        return await h.get_readings() == {"calls": 1.0}
                    except GRPCError:
                        return False

                await eventually(rebuilt, timeout=30, what=f"h rebuilt after {mode}")

            machine = await robot.get_machine_status()
            errors = {r.name.name: r.error for r in machine.resources}
            assert "told to fail in validate" in errors["fails-validate"], errors
            assert "told to fail in new" in errors["fails-new"], errors

            # An exception in reconfigure: the host rebuilds the resource from the new config.
            host.reload({"modules_dir": folder, "components": [
                hostile("h", fail_in="reconfigure", **limits), thermometer("bystander", 20.0)]})

            async def removed():
                machine = await robot.get_machine_status()
                return all(r.name.name != "fails-new" for r in machine.resources)

            await eventually(removed, timeout=20, what="the failed resources removed")
            assert await bystander.get_readings() == {"temperature": 20.0, "humidity": 40.0}

            async def rebuilt_after_reconfigure():
                # The old instance counts on; the rebuilt one starts again at 1.
                return await h.get_readings() == {"calls": 1.0}

            await eventually(rebuilt_after_reconfigure, timeout=20, what="h rebuilt after reconfigure failed")
        finally:
            await robot.close()

    asyncio.run(scenario())
    logs = host.logs()
    assert "exceeded its deadline" in logs
    assert "ran out of memory" in logs or "MemoryError" in logs
    assert "RecursionError" in logs
    # The traceback of an exception names the module's own file and line.
    fixture = ROOT / "tests" / "fixtures" / "python" / "hostile" / "main.py"
    assert f'{fixture}", line' in logs and "ValueError: the guest raised on purpose" in logs, logs
    assert "told to fail in reconfigure" in logs


def build(folder: pathlib.Path, out: pathlib.Path, *args: str, env: dict = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), "build", str(folder), "-o", str(out), *args], capture_output=True, text=True,
                          env={**os.environ, "ARMATURE_COMPONENTIZE_PY": str(COMPONENTIZE_PY), **(env or {})})


def test_hot_swap_of_a_python_module_under_load_fails_no_call(start_armature, tmp_path):
    source = tmp_path / "thermo"
    shutil.copytree(ROOT / "examples" / "python" / "thermometer", source)
    folder = pathlib.Path(modules_folder(MODULES / "py-thermometer.wasm"))
    host = start_armature({"modules_dir": str(folder), "components": [
        py_sensor("py-temp", "armature:examples:py-thermometer", celsius=30)]})
    main = source / "main.py"
    main.write_text(main.read_text().replace('"humidity": self.humidity}', '"humidity": self.humidity, "edition": 2}'))
    built = build(source, tmp_path / "next.wasm", "--version", "0.2.0")
    assert built.returncode == 0, built.stderr

    async def scenario():
        robot = await connect(host.address)
        try:
            sensor = Sensor.from_robot(robot, "py-temp")
            calls, failures, seen_new = 0, [], False
            os.replace(tmp_path / "next.wasm", folder / "py-thermometer.wasm")
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not seen_new:
                try:
                    readings = await sensor.get_readings()
                    seen_new = readings.get("edition") == 2
                    assert readings["temperature"] == 30.0
                except GRPCError as e:
                    failures.append(str(e))
                calls += 1
            assert seen_new, "the new version never served"
            assert failures == [], f"{len(failures)} of {calls} calls failed: {failures[:3]}"
        finally:
            await robot.close()

    asyncio.run(scenario())


def test_build_errors_name_the_file_and_line(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.py").write_text("from armature.components.sensor import Sensor\n\n\ndef oops(:\n    pass\n")
    result = build(broken, tmp_path / "broken.wasm")
    assert result.returncode != 0
    assert f'{broken}/main.py", line 4' in result.stderr and "SyntaxError" in result.stderr, result.stderr
    assert "Stack backtrace" not in result.stderr and "armature_app" not in result.stderr, result.stderr

    (broken / "main.py").write_text("import no_such_package\n")
    result = build(broken, tmp_path / "broken.wasm")
    assert "ModuleNotFoundError: No module named 'no_such_package'" in result.stderr, result.stderr
    assert f'{broken}/main.py", line 1' in result.stderr, result.stderr

    (broken / "main.py").write_text("x = 1\n")
    result = build(broken, tmp_path / "broken.wasm")
    assert "defines no model" in result.stderr, result.stderr
    assert not (tmp_path / "broken.wasm").exists()

    (tmp_path / "empty").mkdir()
    result = build(tmp_path / "empty", tmp_path / "x.wasm")
    assert "no main.py" in result.stderr, result.stderr

    result = build(broken, tmp_path / "x.wasm", env={"ARMATURE_COMPONENTIZE_PY": "", "PATH": "/usr/bin:/bin"})
    assert "componentize-py is not installed" in result.stderr and "pip install componentize-py" in result.stderr


def test_requirements_are_bundled_and_native_packages_refused(tmp_path):
    module = tmp_path / "with-deps"
    shutil.copytree(ROOT / "tests" / "fixtures" / "python" / "viam-port", module)
    # typing_extensions comes with the SDK, as it comes with viam-sdk.
    (module / "requirements.txt").write_text("")
    result = build(module, tmp_path / "with-deps.wasm")
    assert result.returncode == 0, result.stderr
    # Else only what requirements.txt names is bundled: not the build
    # machine's packages (pluggy is in this venv, with pytest).
    main = module / "main.py"
    main.write_text("import pluggy  # noqa: F401\n" + main.read_text())
    result = build(module, tmp_path / "with-deps.wasm")
    assert result.returncode != 0 and "No module named 'pluggy'" in result.stderr, result.stderr
    # The module's own typing_extensions is taken instead of the SDK's.
    (module / "requirements.txt").write_text("typing_extensions\npluggy\n")
    result = build(module, tmp_path / "with-deps.wasm")
    assert result.returncode == 0, result.stderr
    # numpy has wheels for platforms only: no pure-Python one to bundle.
    (module / "requirements.txt").write_text("typing_extensions\nnumpy\n")
    result = build(module, tmp_path / "with-deps.wasm")
    assert result.returncode != 0
    assert "requirements.txt: pip found no pure-Python wheel" in result.stderr and "numpy" in result.stderr, result.stderr


def test_built_version_is_embedded(tmp_path):
    out = tmp_path / "py-thermometer.wasm"
    result = build(ROOT / "examples" / "python" / "thermometer", out, "--version", "3.1.4")
    assert result.returncode == 0, result.stderr
    listed = subprocess.run([str(BIN), "models", str(tmp_path), "--json", "--cache-dir", str(ROOT / "target" / "test-cache")],
                            capture_output=True, text=True)
    assert "3.1.4" in listed.stdout, listed.stdout + listed.stderr
