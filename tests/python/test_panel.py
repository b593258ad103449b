"""The control panel (panel/, served by the host at `/`) in a real browser:
headless Chromium driven by Playwright, checked against what the official
Python SDK reads and does on the same machine."""

import asyncio
import contextlib
import io
import json
import pathlib
import tempfile
import urllib.request

import pytest
from PIL import Image
from playwright.async_api import async_playwright, expect
from viam.components.arm import Arm
from viam.components.base import Base
from viam.components.board import Board
from viam.components.button import Button
from viam.components.camera import Camera
from viam.components.gantry import Gantry
from viam.components.gripper import Gripper
from viam.components.motor import Motor
from viam.components.power_sensor import PowerSensor
from viam.components.sensor import Sensor
from viam.components.switch import Switch

from conftest import ROOT
from test_capture import command
from test_apis import demo_config
from viam_client import connect, eventually

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SCREENSHOT = ROOT / "target" / "panel" / "panel.png"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"!!! {CHROMIUM} is missing: the browser test of the panel did NOT run (apt-get install chromium) !!!",
)


def card(page, name: str):
    return page.locator(f"section.card[data-resource='{name}']")


def panel_url(address: str) -> str:
    # The Viam TypeScript SDK dials directly only hosts containing "local".
    return f"http://localhost:{address.rsplit(':', 1)[1]}/"


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


async def browser_page(playwright, user_data: str):
    context = await playwright.chromium.launch_persistent_context(
        user_data, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
        viewport={"width": 1400, "height": 900},
    )
    page = context.pages[0] if context.pages else await context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


@contextlib.asynccontextmanager
async def open_panel(host):
    """The panel of `host` in Chromium, connected, with a Python SDK robot
    on the same host: (robot, page, page errors)."""
    robot = await connect(host.address)
    try:
        async with async_playwright() as playwright:
            with tempfile.TemporaryDirectory() as user_data:
                context, page, errors = await browser_page(playwright, user_data)
                try:
                    await page.goto(panel_url(host.address))
                    await expect(page.locator("#connection")).to_have_text("connected", timeout=15_000)
                    yield robot, page, errors
                finally:
                    await context.close()
    finally:
        await robot.close()


def test_panel_shows_and_drives_the_demo_machine(start_armature):
    host = start_armature(demo_config())
    url = panel_url(host.address)

    async def scenario():
        async with open_panel(host) as (robot, page, errors):
            # Every resource the Python SDK lists has its card, ready.
            for name in robot.resource_names:
                c = page.locator(f"section.card[data-resource='{name.name}'][data-api='{name.subtype}']")
                await expect(c).to_have_count(1)
                await expect(c.locator("[data-testid=state]")).to_have_text("ready")
                await expect(c.locator("[data-testid=error]")).to_have_text("")

            # A sensor's readings, live, equal what the Python SDK reads.
            readings = card(page, "temp-1").locator("[data-testid=readings]")
            await expect(readings).not_to_have_attribute("data-updated", "0")
            first = int(await readings.get_attribute("data-updated"))
            assert json.loads(await readings.text_content()) == \
                await Sensor.from_robot(robot, "temp-1").get_readings()
            await expect(readings).not_to_have_attribute("data-updated", str(first), timeout=5_000)

            # A pin set in the panel reads back through the Python SDK.
            board = card(page, "board-1")
            pin = await Board.from_robot(robot, "board-1").gpio_pin_by_name("12")
            await board.locator("[data-testid=pin]").fill("12")
            await board.locator("[data-testid=pin-high]").click()
            await expect(board.locator("[data-testid=pin-value]")).to_have_text("high")
            assert await pin.get() is True
            await board.locator("[data-testid=pin-low]").click()
            await expect(board.locator("[data-testid=pin-value]")).to_have_text("low")
            assert await pin.get() is False

            # A motor started through the Python SDK stops with the panel's Stop-all.
            motor = Motor.from_robot(robot, "motor-1")
            await motor.set_power(0.5)
            assert await motor.is_moving()
            await expect(card(page, "motor-1").locator("[data-testid=moving]")).to_have_text("moving")
            await page.locator("#stop-all").click()

            async def stopped():
                return not await motor.is_moving()

            await eventually(stopped, what="motor-1 stopped by the panel's Stop-all")
            await expect(card(page, "motor-1").locator("[data-testid=moving]")).to_have_text("stopped")

            # A camera frame renders at the size the Python SDK decodes.
            images, _ = await Camera.from_robot(robot, "cam-1").get_images()
            size = Image.open(io.BytesIO(images[0].data)).size
            camera = card(page, "cam-1")
            await expect(camera.locator("[data-testid=frame-size]")).to_have_text(f"{size[0]}x{size[1]}")
            # The panel keeps loading new frames: wait for one to be decoded.
            natural = await camera.locator("img[data-testid=frame]").evaluate(
                """img => img.complete && img.naturalWidth
                    ? [img.naturalWidth, img.naturalHeight]
                    : new Promise(done => img.addEventListener(
                        "load", () => done([img.naturalWidth, img.naturalHeight]), {once: true}))""")
            assert tuple(natural) == size
            await expect(camera.locator("[data-testid=fps]")).not_to_have_text("")

            # DoCommand: invalid JSON is refused in the card, nothing is sent;
            # valid JSON gets the resource's reply.
            sent = []
            # (The Captured data section polls the data manager's DoCommand: not this.)
            page.on("request", lambda r: sent.append(r.url)
                    if r.url.endswith("/DoCommand") and "DataManagerService" not in r.url else None)
            counter = card(page, "counter-1")
            await counter.locator("[data-testid=docommand-in]").fill('{"command": "increment",')
            await counter.locator("[data-testid=docommand-send]").click()
            await expect(counter.locator("[data-testid=docommand-error]")).to_contain_text("invalid JSON")
            await expect(counter.locator("[data-testid=docommand-out]")).to_have_text("")
            await page.wait_for_timeout(300)
            assert sent == []
            await counter.locator("[data-testid=docommand-in]").fill('{"command": "increment", "by": 3}')
            await counter.locator("[data-testid=docommand-send]").click()
            await expect(counter.locator("[data-testid=docommand-error]")).to_have_text("")
            await expect(counter.locator("[data-testid=docommand-out]")).not_to_have_text("")
            assert json.loads(await counter.locator("[data-testid=docommand-out]").text_content()) == \
                {"count": 3}
            assert len(sent) == 1

            # The modules table, as the host's JSON endpoint describes them.
            listed = get_json(url + "armature/modules")["modules"]
            assert listed
            for module in listed:
                row = page.locator(f"#modules tr[data-module='{module['name']}']")
                await expect(row).to_have_count(1)
                await expect(row).to_contain_text(module["version"])
                for model in module["models"]:
                    await expect(row).to_contain_text(model["model"])

            # The log, filtered to one resource: the alerts service logs its warning.
            await page.locator("#log-filter").select_option("alerts")
            await expect(page.locator("#logs .log-line[data-resource='alerts']").first).to_be_visible(
                timeout=10_000)
            assert await page.locator("#logs .log-line:not([data-resource='alerts'])").count() == 0

            await page.locator("#log-filter").select_option("")
            await page.evaluate("window.scrollTo(0, 0)")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)
            assert errors == [], errors

    asyncio.run(scenario())


def test_panel_drives_arm_base_gripper_gantry_power_switch_button(start_armature):
    """The cards of the contract-0.2.0 APIs, each driven once in the panel
    and checked through the Python SDK (the demo's simulated devices, see
    examples/sim-devices)."""
    host = start_armature(demo_config())

    async def number(locator) -> float:
        text = await locator.text_content()
        try:
            return float(text)
        except ValueError:
            raise AssertionError(f"not a number: {text!r}") from None

    async def scenario():
        async with open_panel(host) as (robot, page, errors):
            # Arm: jog the first joint + by the step (10°, the default).
            arm = Arm.from_robot(robot, "arm-1")
            c = card(page, "arm-1")
            for i in range(3):
                await expect(c.locator(f"[data-testid=joint-{i}]")).to_have_text("0")
            await expect(c.locator("[data-testid=jog-step]")).to_have_value("10")
            await c.locator("[data-testid=jog-0-plus]").click()
            await expect(c.locator("[data-testid=joint-0]")).to_have_text("10", timeout=5_000)
            await expect(c.locator("[data-testid=moving]")).to_have_text("stopped")
            await expect(c.locator("[data-testid=action-error]")).to_have_text("")
            joints = (await arm.get_joint_positions()).values
            assert all(abs(a - b) < 1e-6 for a, b in zip(joints, [10, 0, 0])) and len(joints) == 3, joints
            # The end pose readout follows (the waist turned: y is no longer 0).
            end = await arm.get_end_position()
            assert end.y > 90, end

            async def pose_shown():
                shown = [await number(c.locator(f"[data-testid=pose-{axis}]")) for axis in "xyz"]
                return all(abs(s - e) < 0.1 for s, e in zip(shown, (end.x, end.y, end.z)))

            await eventually(pose_shown, what="arm-1's end pose in the panel")

            # Base: Left spins 90° (the default angle); facing +y at the
            # start, positive spin turns left.
            base = Base.from_robot(robot, "base-1")
            c = card(page, "base-1")
            await expect(c.locator("[data-testid=width]")).to_have_text("400")
            await expect(c.locator("[data-testid=turning-radius]")).to_have_text("0")
            await c.locator("[data-testid=left]").click()

            async def turned_left():
                pose = await base.do_command({"get_pose": True})
                return abs(pose["heading_deg"] - 90) < 1e-6 and not await base.is_moving()

            await eventually(turned_left, what="base-1 turned left 90° by the panel")
            pose = await base.do_command({"get_pose": True})
            assert abs(pose["x_mm"]) < 1e-6 and abs(pose["y_mm"]) < 1e-6, pose
            await expect(c.locator("[data-testid=moving]")).to_have_text("stopped")
            await expect(c.locator("[data-testid=action-error]")).to_have_text("")

            # Gripper: the demo's has an object between its jaws; Grab holds it.
            gripper = Gripper.from_robot(robot, "gripper-1")
            c = card(page, "gripper-1")
            await expect(c.locator("[data-testid=holding]")).to_have_text("no")
            await c.locator("[data-testid=grab]").click()
            await expect(c.locator("[data-testid=holding]")).to_have_text("yes", timeout=5_000)
            await expect(c.locator("[data-testid=holding-meta]")).to_contain_text("closed")
            await expect(c.locator("[data-testid=action-error]")).to_have_text("")
            assert (await gripper.is_holding_something()).is_holding_something

            # Gantry: every axis to its target.
            gantry = Gantry.from_robot(robot, "gantry-1")
            c = card(page, "gantry-1")
            targets = [100, 200, 50]
            for i, length in enumerate([500, 500, 200]):
                await expect(c.locator(f"[data-testid=length-{i}]")).to_have_text(str(length))
                await expect(c.locator(f"[data-testid=position-{i}]")).to_have_text("0")
                await c.locator(f"[data-testid=target-{i}]").fill(str(targets[i]))
            await c.locator("[data-testid=speed]").fill("1000")
            await c.locator("[data-testid=move]").click()
            for i, target in enumerate(targets):
                await expect(c.locator(f"[data-testid=position-{i}]")).to_have_text(str(target), timeout=5_000)
            await expect(c.locator("[data-testid=action-error]")).to_have_text("")
            positions = await gantry.get_position()
            assert all(abs(a - b) < 1e-6 for a, b in zip(positions, targets)) and len(positions) == 3, positions

            # Power sensor: the demo's supply is 12 V DC, 1.5 A ± 20 %.
            power = PowerSensor.from_robot(robot, "power-1")
            c = card(page, "power-1")
            await expect(c.locator("[data-testid=voltage]")).to_have_text("12")
            await expect(c.locator("[data-testid=voltage-type]")).to_have_text("DC")
            await expect(c.locator("[data-testid=current-type]")).to_have_text("DC")
            await expect(c.locator("[data-testid=power]")).not_to_have_text("")
            amperes = await number(c.locator("[data-testid=current]"))
            watts = await number(c.locator("[data-testid=power]"))
            assert 1.2 <= amperes <= 1.8, amperes
            assert 12 * 1.2 <= watts <= 12 * 1.8, watts
            assert (await power.get_voltage())[0] == 12

            # Switch: a button per labelled position; "high" sets position 2.
            switch = Switch.from_robot(robot, "switch-1")
            c = card(page, "switch-1")
            for i, label in enumerate(["off", "low", "high"]):
                await expect(c.locator(f"[data-testid=position-{i}]")).to_have_text(label)
            await expect(c.locator("[data-testid=position]")).to_have_text("0")
            await expect(c.locator("[data-testid=position-0]")).to_have_attribute("aria-pressed", "true")
            await c.locator("[data-testid=position-2]").click()
            await expect(c.locator("[data-testid=position]")).to_have_text("2")
            await expect(c.locator("[data-testid=position-2]")).to_have_attribute("aria-pressed", "true")
            await expect(c.locator("[data-testid=position-0]")).to_have_attribute("aria-pressed", "false")
            await expect(c.locator("[data-testid=action-error]")).to_have_text("")
            assert await switch.get_position() == 2

            # Button: two pushes in the panel, two more on the device.
            button = Button.from_robot(robot, "button-1")
            c = card(page, "button-1")
            before = (await button.do_command({"get_pushes": True}))["pushes"]
            await c.locator("[data-testid=push]").click()
            await expect(c.locator("[data-testid=pushed]")).to_have_attribute("data-pushes", "1")
            await c.locator("[data-testid=push]").click()
            await expect(c.locator("[data-testid=pushed]")).to_have_attribute("data-pushes", "2")
            await expect(c.locator("[data-testid=action-error]")).to_have_text("")
            assert (await button.do_command({"get_pushes": True}))["pushes"] == before + 2

            await page.evaluate("window.scrollTo(0, 0)")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT.with_name("moving-parts.png")), full_page=True)
            assert errors == [], errors

    asyncio.run(scenario())


def test_a_removed_resource_says_so_and_comes_back(start_armature):
    config = demo_config()
    host = start_armature(config)

    async def scenario():
        async with async_playwright() as playwright:
            with tempfile.TemporaryDirectory() as user_data:
                context, page, _ = await browser_page(playwright, user_data)
                try:
                    await page.goto(panel_url(host.address))
                    temp2 = card(page, "temp-2")
                    await expect(temp2.locator("[data-testid=state]")).to_have_text("ready", timeout=15_000)

                    without = json.loads(json.dumps(config))
                    without["components"] = [c for c in without["components"] if c["name"] != "temp-2"]
                    for service in without["services"]:
                        if service["name"] == "alerts":
                            service["attributes"]["sensors"] = ["temp-1"]
                    host.reload(without)
                    await expect(temp2.locator("[data-testid=state]")).to_have_text("removed", timeout=15_000)
                    await expect(temp2.locator("[data-testid=call-error]")).not_to_have_text("")

                    host.reload(config)
                    await expect(temp2.locator("[data-testid=state]")).to_have_text("ready", timeout=15_000)
                    readings = temp2.locator("[data-testid=readings]")
                    before = await readings.get_attribute("data-updated")
                    await expect(readings).not_to_have_attribute("data-updated", before, timeout=5_000)
                    await expect(temp2.locator("[data-testid=call-error]")).to_have_text("")
                    assert json.loads(await readings.text_content())["temperature"] == 35.0
                finally:
                    await context.close()

    asyncio.run(scenario())


def test_panel_charts_what_the_data_manager_captures(start_armature):
    """The Captured data section: a line chart per tabular method that grows
    as samples are captured and draws what the sensor returned, a strip of
    the camera's captured images, and a window reaching back in time."""
    host = start_armature(demo_config())

    async def scenario():
        async with open_panel(host) as (robot, page, errors):
            chart = page.locator("#capture-section figure[data-chart='temp-1/Readings']")
            await expect(chart).to_have_count(1, timeout=10_000)
            await expect(chart.locator("canvas").first).to_be_visible()
            await expect(chart).not_to_have_attribute("data-points", "0", timeout=10_000)
            first = int(await chart.get_attribute("data-points"))
            # Captured at 1 Hz: the chart grows while the page is open.
            await expect(chart).not_to_have_attribute("data-points", str(first), timeout=5_000)
            assert int(await chart.get_attribute("data-points")) > first

            # It draws what the sensor returns: a new temperature shows up.
            sensor = Sensor.from_robot(robot, "temp-1")
            await sensor.do_command({"command": "set", "celsius": 42.5})
            readings = await sensor.get_readings()

            async def latest():
                return json.loads(await chart.get_attribute("data-latest") or "{}")

            for _ in range(100):
                if (await latest()).get("temperature") == 42.5:
                    break
                await page.wait_for_timeout(100)
            drawn = await latest()
            assert {k: v for k, v in drawn.items() if k in readings} == readings, (drawn, readings)

            # Every captured method has its chart or strip.
            status = await command(robot, "data", {"command": "status"})
            for c in status["collectors"]:
                kind = "data-strip" if c["data"] == "binary" else "data-chart"
                await expect(page.locator(
                    f"#capture-section figure[{kind}='{c['resource']}/{c['method']}']")).to_have_count(1)

            # The camera's captured images, decoded by the browser.
            strip = page.locator("#capture-section figure[data-strip='cam0/GetImages']")
            await expect(strip).not_to_have_attribute("data-images", "0", timeout=15_000)
            image = strip.locator("img[data-testid=captured-image]").first
            width = await image.evaluate(
                """img => img.complete ? img.naturalWidth : new Promise(done => {
                    img.addEventListener("load", () => done(img.naturalWidth));
                    img.addEventListener("error", () => done(0));
                    setTimeout(() => done(img.naturalWidth), 5000);
                })""")
            assert width > 0, "the captured image did not decode"

            # A longer window reloads the history from the host.
            shown = int(await chart.get_attribute("data-points"))
            await page.locator("[data-testid=capture-range]").select_option("600")
            await expect(chart).not_to_have_attribute("data-points", "0", timeout=5_000)
            for _ in range(50):
                if int(await chart.get_attribute("data-points")) >= shown:
                    break
                await page.wait_for_timeout(100)
            assert int(await chart.get_attribute("data-points")) >= shown

            await page.locator("#capture-section").screenshot(path=str(SCREENSHOT.with_name("capture.png")))
            assert errors == [], errors

    asyncio.run(scenario())


def test_panel_draws_detections_over_the_frame(start_armature):
    """The vision service's card: the color detector's detections, drawn as
    boxes over the frame they were found in, follow a blob placed on the
    demo's test-pattern camera; its camera list holds the machine's cameras.
    follow-color's card, asked to watch it, shows its status live."""
    host = start_armature(demo_config())

    async def scenario():
        async with open_panel(host) as (robot, page, errors):
            camera = Camera.from_robot(robot, "cam-1")
            await camera.do_command({"command": "place_blob", "x": 80, "y": 120, "size": 40})
            c = card(page, "vision-1")
            await expect(c.locator("[data-testid=supports]")).to_have_text(
                "detections yes · classifications no · point clouds no", timeout=10_000)
            box = c.locator("[data-testid=box]")
            await expect(box).to_have_count(1, timeout=10_000)
            await expect(box).to_contain_text("orange")
            await expect(c.locator("[data-testid=detections]")).to_contain_text("1 detection: orange")

            async def left_pct():
                style = await box.get_attribute("style") or ""
                found = [part for part in style.split(";") if part.strip().startswith("left:")]
                return float(found[0].split(":")[1].strip().rstrip("%")) if found else None

            # 60 px of 320 from the left edge, JPEG's blur within a pixel or two.
            assert abs(await left_pct() - 60 / 320 * 100) < 1.5, await box.get_attribute("style")

            # follow-color's card shows its status live: it sees the blob and
            # steers the base toward it.
            follow = card(page, "follow-1")
            await expect(follow.locator("[data-testid=status]")).to_be_hidden()
            await follow.locator("[data-testid=watch-status]").check()
            await expect(follow.locator("[data-testid=status-state]")).to_have_text("following", timeout=10_000)
            await expect(follow.locator("[data-testid=status-seen]")).to_contain_text('"label":"orange"')

            # Moved to the right half, the box follows.
            await camera.do_command({"command": "place_blob", "x": 250, "y": 120, "size": 40})

            async def moved():
                left = await left_pct()
                return left if left and abs(left - 230 / 320 * 100) < 1.5 else None

            await eventually(moved, timeout=10, what="the box to follow the blob")
            await camera.do_command({"command": "remove_blob"})
            await expect(box).to_have_count(0, timeout=10_000)
            await expect(c.locator("[data-testid=detections]")).to_have_text("nothing detected")
            await expect(follow.locator("[data-testid=status-state]")).to_have_text("idle", timeout=10_000)
            # Not watched, a generic service is sent no status command.
            await expect(card(page, "alerts").locator("[data-testid=status]")).to_be_hidden()

            options = await c.locator("[data-testid=camera] option").all_text_contents()
            assert "cam-1" in options and "cam0" in options, options
            assert errors == [], errors

    asyncio.run(scenario())
