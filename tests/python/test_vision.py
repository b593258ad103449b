"""The vision service (rdk:service:vision) through the official Viam Python
SDK: the demo machine's `vision-1`, examples/color-detector in its own
sandbox, finds an orange blob placed on the test-pattern camera `cam-1`
(examples/test-pattern-camera) through its typed camera dependency."""


import pytest
from grpclib.const import Status
from viam.components.camera import Camera
from viam.proto.common import ResourceName
from viam.robot.client import RobotClient
from viam.proto.service.vision import CaptureAllFromCameraRequest, GetDetectionsRequest, VisionServiceStub
from viam.services.vision import VisionClient

from conftest import MODULES
from test_apis import demo_config
from viam_client import eventually, refused, run

ORANGE = "#FF8000"


@pytest.fixture
def demo(start_armature):
    return start_armature(demo_config())


def box(d):
    return (d.x_min, d.y_min, d.x_max, d.y_max)


def near(got, want, tol=3):
    assert all(abs(g - w) <= tol for g, w in zip(got, want)), (got, want)


async def place(camera, x, y, size=40, color=ORANGE):
    await camera.do_command({"command": "place_blob", "x": x, "y": y, "size": size, "color": color})


def test_detections_follow_the_blob(demo):
    async def scenario(robot: RobotClient):
        assert ResourceName(namespace="rdk", type="service", subtype="vision", name="vision-1") in robot.resource_names
        vision = VisionClient.from_robot(robot, "vision-1")
        camera = Camera.from_robot(robot, "cam-1")

        # The test pattern alone has no orange: its bars are white, yellow,
        # cyan, green, magenta, red, blue and black.
        assert await vision.get_detections_from_camera("cam-1") == []

        await place(camera, 80, 120)
        [d] = await vision.get_detections_from_camera("cam-1")
        assert d.class_name == "orange"
        # A 40 px square centred on (80, 120); JPEG blurs its edge a little.
        near(box(d), (60, 100, 100, 140))
        near((d.x_min_normalized, d.y_min_normalized, d.x_max_normalized, d.y_max_normalized),
             (60 / 320, 100 / 240, 100 / 320, 140 / 240), 0.01)
        assert 0.8 < d.confidence <= 1.0

        # No camera named: the service's own (`camera_name`).
        await place(camera, 250, 60, size=30)
        [d] = await vision.get_detections_from_camera("")
        near(box(d), (235, 45, 265, 75))

        # Two blobs can't be placed, but one too small is ignored
        # (segment_size_px is 100 pixels: 8 x 8 is 64).
        await place(camera, 160, 120, size=8)
        assert await vision.get_detections_from_camera("cam-1") == []

        await camera.do_command({"command": "remove_blob"})
        assert await vision.get_detections_from_camera("cam-1") == []

    run(demo.address, scenario)


@pytest.mark.parametrize("mime_type", ["image/jpeg", "image/png", "image/vnd.viam.rgba"])
def test_an_image_sent_is_read_as_the_camera_would_have_been(demo, mime_type):
    async def scenario(robot):
        vision = VisionClient.from_robot(robot, "vision-1")
        camera = Camera.from_robot(robot, "cam-1")
        await place(camera, 200, 100, size=50)
        # The SDK sends every image as "image/jpeg": the detector reads what
        # the bytes are.
        images, _ = await camera.get_images(extra={"mime_type": mime_type})
        assert images[0].mime_type == mime_type
        [d] = await vision.get_detections(images[0])
        near(box(d), (175, 75, 225, 125))
        status = await vision.do_command({"command": "status"})
        assert status["last_detections"] == 1 and status["frames"] >= 1, status

    run(demo.address, scenario)


def test_properties_and_what_a_color_detector_does_not_do(demo):
    async def scenario(robot):
        vision = VisionClient.from_robot(robot, "vision-1")
        p = await vision.get_properties()
        assert p.detections_supported
        assert not p.classifications_supported
        assert not p.object_point_clouds_supported
        assert p.default_camera == "cam-1"

        await refused(vision.get_classifications_from_camera("cam-1", 3), Status.UNIMPLEMENTED,
                      "get_classifications_from_camera")
        await refused(vision.get_object_point_clouds("cam-1"), Status.UNIMPLEMENTED, "get_object_point_clouds")
        # Only its own camera: another is named in the refusal.
        await refused(vision.get_detections_from_camera("cam0"), Status.INVALID_ARGUMENT, "cam0", "cam-1")
        await refused(vision.get_classifications_from_camera("cam-1", -1), Status.INVALID_ARGUMENT,
                      "vision-1", "GetClassificationsFromCamera", "n")

    run(demo.address, scenario)


def test_capture_all_from_camera_answers_the_parts_asked_for(demo):
    async def scenario(robot):
        vision = VisionClient.from_robot(robot, "vision-1")
        camera = Camera.from_robot(robot, "cam-1")
        await place(camera, 100, 60)
        all_ = await vision.capture_all_from_camera("cam-1", return_image=True, return_detections=True,
                                                    return_classifications=True)
        assert all_.image is not None and all_.image.mime_type == "image/jpeg"
        assert all_.image.data[:2] == b"\xff\xd8"
        assert (all_.image.width, all_.image.height) == (320, 240)
        [d] = all_.detections
        near(box(d), (80, 40, 120, 80))
        # Asked for, but this model has none: empty, not an error.
        assert all_.classifications == []

        # The detections are of the image that came with them.
        [again] = await vision.get_detections(all_.image)
        assert box(again) == box(d)

        # What the server sends, not what Viam's client keeps (it drops a
        # part not asked for whatever came): no image when none is asked.
        stub = VisionServiceStub(robot._channel)
        raw = await stub.CaptureAllFromCamera(
            CaptureAllFromCameraRequest(name="vision-1", camera_name="cam-1", return_detections=True))
        assert not raw.HasField("image") and len(raw.detections) == 1, raw

    run(demo.address, scenario)


def test_a_bad_detector_config_names_the_resource_and_field(start_armature):
    camera = {"name": "cam", "api": "rdk:component:camera", "model": "armature:examples:test-pattern"}

    def detector(**attributes):
        return {"name": "det", "api": "rdk:service:vision", "model": "armature:examples:color-detector",
                "attributes": {"hue_tolerance_pct": 0.05, "segment_size_px": 100, "camera_name": "cam",
                               **attributes}}

    host = start_armature({"modules_dir": str(MODULES), "components": [camera],
                           "services": [detector(detect_color="orange")]})

    async def scenario(robot):
        async def failed():
            status = await robot.get_machine_status()
            for s in status.resources:
                if s.name.name == "det" and s.error:
                    return s.error
            return None

        error = await eventually(failed, what="det to fail")
        for word in ('"det"', "detect_color", "#RRGGBB", "orange"):
            assert word in error, (word, error)

        # A grey has no hue. An edit to it is refused whole (the machine
        # keeps what it had), and the refusal names the cutoffs.
        host.reload({"components": [camera], "services": [detector(detect_color="#808080")]})

        async def grey_refused():
            revision = (await robot.get_machine_status()).config.revision
            return revision if "#808080" in revision else None

        revision = await eventually(grey_refused, what="the grey to be refused")
        for word in ('"det"', "detect_color", "saturation_cutoff_pct"):
            assert word in revision, (word, revision)

        # Fixed, it serves.
        host.reload({"components": [camera], "services": [detector(detect_color=ORANGE)]})

        async def serves():
            try:
                await robot.refresh()
                return await VisionClient.from_robot(robot, "det").get_properties()
            except Exception:
                return None

        assert (await eventually(serves, what="det to serve")).detections_supported

    run(host.address, scenario)


def test_capture_all_from_camera_is_captured_with_its_boxes(start_armature, tmp_path):
    from test_capture import files, read_capture
    from viam.proto.app.datasync import DataType

    capture_dir = tmp_path / "capture"

    def config(**params):
        return {
            "modules_dir": str(MODULES),
            "components": [{"name": "cam", "api": "rdk:component:camera", "model": "armature:examples:test-pattern"}],
            "services": [
                {"name": "vision-1", "api": "rdk:service:vision", "model": "armature:examples:color-detector",
                 "attributes": {"detect_color": ORANGE, "hue_tolerance_pct": 0.05, "segment_size_px": 100,
                                "camera_name": "cam", "label": "orange"},
                 "service_configs": [{"type": "data_manager", "attributes": {"capture_methods": [
                     {"method": "CaptureAllFromCamera", "capture_frequency_hz": 5, "additional_params": params}]}}]},
                {"name": "data", "api": "rdk:service:data_manager", "model": "rdk:builtin:builtin",
                 "attributes": {"capture_dir": str(capture_dir)}},
            ],
        }

    host = start_armature(config(camera_name="cam", min_confidence_score="0.5"))
    folder = capture_dir / "rdk_service_vision" / "vision-1" / "CaptureAllFromCamera"

    async def scenario(robot):
        await Camera.from_robot(robot, "cam").do_command({"command": "place_blob", "x": 80, "y": 60, "size": 40})

        def annotated():
            for path in files(folder, "capture"):
                meta, [record] = read_capture(path)
                if record.metadata.annotations.bboxes:
                    return meta, record
            return None

        async def found():
            return annotated()

        meta, record = await eventually(found, what="a captured image with a box")
        assert meta.component_type == "rdk:service:vision" and meta.method_name == "CaptureAllFromCamera"
        assert meta.type == DataType.DATA_TYPE_BINARY_SENSOR and meta.mime_type == "image/jpeg"
        assert record.binary[:2] == b"\xff\xd8"
        [bbox] = record.metadata.annotations.bboxes
        assert bbox.label == "orange" and bbox.confidence >= 0.5
        near((bbox.x_min_normalized, bbox.y_min_normalized, bbox.x_max_normalized, bbox.y_max_normalized),
             (60 / 320, 40 / 240, 100 / 320, 80 / 240), 0.01)

        # Params checked when the config is read: the machine keeps capturing.
        for params, field in (({"camera_name": "cam", "min_confidence_score": 2}, "min_confidence_score"),
                              ({}, "camera_name")):
            host.reload(config(**params))

            async def refused():
                revision = (await robot.get_machine_status()).config.revision
                return revision if f"additional_params.{field}" in revision else None

            await eventually(refused, what=f"{field} to be refused")

    run(host.address, scenario)


def test_bad_frames_and_a_missing_camera_are_named(start_armature):
    camera = {"name": "cam", "api": "rdk:component:camera", "model": "armature:examples:test-pattern"}

    def detector(name, camera_name):
        return {"name": name, "api": "rdk:service:vision", "model": "armature:examples:color-detector",
                "attributes": {"detect_color": ORANGE, "hue_tolerance_pct": 0.05, "segment_size_px": 100,
                               "camera_name": camera_name}}

    host = start_armature({"modules_dir": str(MODULES), "components": [camera],
                           "services": [detector("det", "cam"), detector("blind", "ghost")]})

    async def scenario(robot):
        stub = VisionServiceStub(robot._channel)
        # A frame in a format the detector does not read, and one that is
        # not what it says: INVALID_ARGUMENT, naming the image and its type.
        await refused(stub.GetDetections(GetDetectionsRequest(name="det", image=b"GIF89a", mime_type="image/gif")),
                      Status.INVALID_ARGUMENT, "image", "image/gif")
        await refused(stub.GetDetections(GetDetectionsRequest(name="det", image=b"not a jpeg", mime_type="image/jpeg")),
                      Status.INVALID_ARGUMENT, "image", "JPEG")

        # A camera dependency that is not on the machine: the service is not
        # built, and its status names the missing dependency.
        async def blind():
            for s in (await robot.get_machine_status()).resources:
                if s.name.name == "blind" and s.error:
                    return s.error
            return None

        error = await eventually(blind, what="blind's missing camera to be reported")
        assert "ghost" in error, error
        # The other detector serves on.
        assert (await VisionClient.from_robot(robot, "det").get_properties()).detections_supported

    run(host.address, scenario)
