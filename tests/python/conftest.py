"""Start a real `armature` process for the official Viam Python SDK to talk to.

The binary and modules come from `cargo xtask build`.
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = ROOT / "target" / "release" / "armature"
MODULES = ROOT / "target" / "modules"
CACHE = ROOT / "target" / "test-cache"


class Armature:
    def __init__(self, config: dict):
        assert BIN.exists(), f"{BIN} is missing: run `cargo xtask build` first"
        self.dir = tempfile.TemporaryDirectory()
        config.setdefault("modules_dir", str(MODULES))
        self.config_path = pathlib.Path(self.dir.name) / "machine.json"
        self.config_path.write_text(json.dumps(config, indent=2))
        self.log_path = pathlib.Path(self.dir.name) / "armature.log"
        self.log = open(self.log_path, "w")
        self.state_dir = pathlib.Path(self.dir.name) / "state"
        env = dict(os.environ)
        # Inline modules are built by the host itself, with the venv's componentize-py.
        tool = pathlib.Path(sys.prefix) / "bin" / "componentize-py"
        if tool.exists():
            env.setdefault("ARMATURE_COMPONENTIZE_PY", str(tool))
        self.proc = subprocess.Popen(
            [str(BIN), "run", "--config", str(self.config_path), "--listen", "127.0.0.1:0", "--cache-dir", str(CACHE),
             "--state-dir", str(self.state_dir)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        line = [None]
        reader = threading.Thread(target=lambda: line.__setitem__(0, self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        if not line[0] or not line[0].startswith("armature listening on "):
            self.stop()
            raise RuntimeError(f"armature did not start:\n{self.logs()}")
        self.address = line[0].strip().removeprefix("armature listening on ")

    def logs(self) -> str:
        return self.log_path.read_text()

    def reload(self, config: dict):
        config.setdefault("modules_dir", str(MODULES))
        self.config_path.write_text(json.dumps(config, indent=2))
        self.proc.send_signal(signal.SIGHUP)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


@pytest.fixture
def start_armature():
    started = []

    def start(config: dict) -> Armature:
        a = Armature(config)
        started.append(a)
        return a

    yield start
    for a in started:
        a.stop()
        if os.environ.get("ARMATURE_TEST_LOGS"):
            print(a.logs())


def thermometer(name: str, celsius: float) -> dict:
    return {"name": name, "api": "rdk:component:sensor", "model": "armature:examples:thermometer",
            "attributes": {"celsius": celsius}}


def alerts(name: str, sensors: list, critical: float) -> dict:
    return {"name": name, "api": "rdk:service:generic", "model": "armature:examples:threshold-alerts",
            "attributes": {"sensors": sensors, "threshold": critical, "poll_ms": 50}}
