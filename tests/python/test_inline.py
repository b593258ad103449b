"""Inline modules in the panel, in Chromium: a sensor made from the template,
a resource added for it, its reading on its card; an edit deployed while the
official Python SDK reads it in a loop with no failure; a syntax error shown
at its line while the previous version keeps serving; a diff between two
versions; a rollback."""

import asyncio
import json

import pytest
from playwright.async_api import expect
from viam.components.sensor import Sensor

from conftest import ROOT, thermometer
from test_panel import CHROMIUM, card, get_json, open_panel, panel_url
from viam_client import eventually

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"!!! {CHROMIUM} is missing: the inline panel test did NOT run !!!")

MODULE = "panel-sensor"
SCREENSHOT = ROOT / "target" / "panel" / "inline.png"


async def set_source(page, source: str):
    """Replaces the editor's text as a user pasting it would."""
    await page.locator("#inline-code .cm-content").click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(source)


async def deploy(page, version: str):
    await page.locator("#inline-deploy").click()
    progress = page.locator("#inline-progress")
    await expect(progress).to_have_attribute("data-state", "serving", timeout=120_000)
    await expect(progress).to_have_attribute("data-version", version)
    return await progress.text_content()


def test_inline_sensor_written_deployed_broken_and_rolled_back_in_the_panel(start_armature):
    host = start_armature({"components": [thermometer("temp-1", 21.0)]})

    async def scenario():
        async with open_panel(host) as (robot, page, errors):
            # A new module from the sensor template, in the editor.
            await page.locator("#inline-new-name").fill(MODULE)
            await page.locator("#inline-new-template").select_option("sensor")
            await page.locator("#inline-new").click()
            editor = page.locator("#inline-editor")
            await expect(editor).to_be_visible()
            await expect(editor.locator(".cm-lineNumbers")).to_be_visible()
            await expect(editor.locator(".cm-content")).to_contain_text(f"inline:{MODULE}:sensor")
            # Python highlighting: keywords are styled spans. CodeMirror
            # parses in idle time, so they come a moment after the text.
            await expect(editor.locator(".cm-content span").nth(10)).to_be_attached()
            template = get_json(f"{panel_url(host.address)}armature/inline/templates/sensor?module={MODULE}")["source"]
            assert '"value": 1.0 + self.offset' in template

            text = await deploy(page, "0.0.1")
            assert "built" in text and "compiled" in text and "serving" in text, text

            # A resource for its model, added in the panel; its card reads 1.0.
            module = page.locator(f"[data-inline-module='{MODULE}']")
            await expect(module.locator("[data-testid=serving]")).to_have_text("serving 0.0.1")
            await page.locator("#inline-add-model").select_option(f"rdk:component:sensor|inline:{MODULE}:sensor")
            await page.locator("#inline-add-name").fill("inline-1")
            await page.locator("#inline-add-attributes").fill("{}")
            await page.locator("#inline-add-resource button[type=submit]").click()
            await expect(page.locator("#inline-add-result")).to_contain_text("added inline-1 (ready)")
            readings = card(page, "inline-1").locator("[data-testid=readings]")
            await expect(readings).to_contain_text('"value":1', timeout=15_000)

            # The SDK reads it in a loop while an edit is deployed.
            await robot.refresh()
            sensor = Sensor.from_robot(robot, "inline-1")
            calls, failures, values = 0, [], set()
            stop = asyncio.Event()

            async def read_loop():
                nonlocal calls
                while not stop.is_set():
                    try:
                        values.add((await sensor.get_readings())["value"])
                    except Exception as e:  # noqa: BLE001 - every failure counts
                        failures.append(str(e))
                    calls += 1
                    await asyncio.sleep(0.01)

            reader = asyncio.create_task(read_loop())
            await set_source(page, template.replace('"value": 1.0 + self.offset', '"value": 2.0 + self.offset'))
            await deploy(page, "0.0.2")
            await expect(readings).to_contain_text('"value":2', timeout=15_000)

            # A syntax error: shown at its line, 0.0.2 still serving.
            broken = template.replace("import math", "import math\ndef broken(:", 1)
            line = broken.splitlines().index("def broken(:") + 1
            await set_source(page, broken)
            await page.locator("#inline-deploy").click()
            await expect(page.locator("#inline-progress")).to_have_attribute("data-state", "failed", timeout=120_000)
            error = page.locator("#inline-error")
            await expect(error).to_be_visible()
            await expect(error).to_have_attribute("data-line", str(line))
            await expect(error).to_contain_text("SyntaxError")
            await expect(page.locator("#inline-code .cm-lint-marker-error")).to_have_count(1)
            await expect(page.locator("#inline-code .cm-lintRange-error")).to_have_count(1)
            assert (await sensor.get_readings())["value"] == 2.0

            # History: two versions; the diff between them shows the changed line.
            await expect(module.locator("tr[data-version]")).to_have_count(2)
            await module.locator("[data-testid=diff-from]").select_option("0.0.1")
            await module.locator("[data-testid=diff-to]").select_option("0.0.2")
            await module.locator("[data-testid=diff]").click()
            diff = page.locator("#inline-diff")
            await expect(diff).to_be_visible()
            await expect(diff.locator(".cm-changedLine")).to_contain_text("2.0")
            await expect(diff.locator(".cm-deletedChunk")).to_contain_text("1.0")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.locator("#modules-section").screenshot(path=str(SCREENSHOT))

            # Roll back to 0.0.1: a new version 0.0.3 serving 0.0.1's source.
            await module.locator("tr[data-version='0.0.1'] [data-testid=rollback]").click()
            await expect(page.locator("#inline-progress")).to_have_attribute("data-state", "serving", timeout=120_000)
            await expect(page.locator("#inline-progress")).to_have_attribute("data-version", "0.0.3")
            await expect(readings).to_contain_text('"value":1', timeout=15_000)
            await expect(module.locator("[data-testid=serving]")).to_have_text("serving 0.0.3")

            stop.set()
            await reader
            assert failures == [], f"{len(failures)} of {calls} calls failed: {failures[:3]}"
            assert {1.0, 2.0} <= values, values
            assert calls > 50, calls
            assert errors == [], errors

            # The machine config names the module and the resource, as an edit would.
            config = json.loads(host.config_path.read_text())
            assert {"type": "inline", "name": MODULE} in config["modules"], config
            assert any(c["name"] == "inline-1" for c in config["components"]), config

    asyncio.run(scenario())
