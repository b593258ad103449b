"""The API interfaces of the WIT world, each method mapped onto the Python
method of Viam's SDK with the same meaning (`get_readings(extra=...)`,
`set_power(power, extra=...)`, `move(angle)` for servo move-to, ...).

The host calls only the interfaces of the API a resource's model belongs to;
a method the model class does not override raises `Unimplemented` from the
API base class. Results are converted inside the call, so a wrong return
value is an error that names the method, not a trap."""

from datetime import timedelta
from typing import Any, Callable, List, Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import board as wb, camera as wc, encoder as we, motor as wm, movement_sensor as wms
from wit_world.imports import api_types, types

from . import _values
from ._calls import method, run
from .media.video import from_record
from .proto.common import Pose, Vector3
from .proto.component.arm import JointPositions, MoveOptions


def _extra(extra: List[Any]) -> dict:
    return _values.to_python(extra) or {} if extra else {}


def _call(res: Any, name: str, *args: Any, extra: Optional[List[Any]] = None, convert: Optional[Callable] = None) -> Any:
    fn = method(res, name)
    if extra is None:
        return run(name, lambda: fn(*args), convert=convert)
    return run(name, lambda: fn(*args, extra=_extra(extra)), convert=convert)


def _int(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise TypeError(f"expected a whole number, got {value!r}")
        if not low <= int(value) <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
        return int(value)

    return check


_u32 = _int(0, 2**32 - 1)
_s32 = _int(-(2**31), 2**31 - 1)
_u64 = _int(0, 2**64 - 1)
_s64 = _int(-(2**63), 2**63 - 1)


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _opt(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _vector(v: Any) -> types.Vector3:
    return types.Vector3(_float(v.x), _float(v.y), _float(v.z))


class Sensor(exports.Sensor):
    def get_readings(self, res, extra):
        fn = method(res, "get_readings")
        kwargs = {"extra": _extra(extra)}
        return run("get_readings", lambda: fn(**kwargs), convert=_values.map_to_nodes)


def _geo(found: Any) -> wms.GeoPosition:
    point, altitude = found
    return wms.GeoPosition(_float(point.latitude), _float(point.longitude), _float(altitude))


def _orientation(o: Any) -> types.Orientation:
    return types.Orientation(_float(o.o_x), _float(o.o_y), _float(o.o_z), _float(o.theta))


def _ms_properties(p: Any) -> wms.Properties:
    return wms.Properties(
        bool(p.linear_velocity_supported),
        bool(p.angular_velocity_supported),
        bool(p.orientation_supported),
        bool(p.position_supported),
        bool(p.compass_heading_supported),
        bool(p.linear_acceleration_supported),
    )


def _accuracy(a: Any) -> wms.Accuracy:
    return wms.Accuracy(
        [(str(k), _float(v)) for k, v in (a.accuracy or {}).items()],
        _opt(_float)(a.position_hdop),
        _opt(_float)(a.position_vdop),
        _opt(_s32)(a.position_nmea_gga_fix),
        _opt(_float)(a.compass_degrees_error),
    )


class MovementSensor(exports.MovementSensor):
    def get_position(self, res, extra):
        return _call(res, "get_position", extra=extra, convert=_geo)

    def get_linear_velocity(self, res, extra):
        return _call(res, "get_linear_velocity", extra=extra, convert=_vector)

    def get_angular_velocity(self, res, extra):
        return _call(res, "get_angular_velocity", extra=extra, convert=_vector)

    def get_linear_acceleration(self, res, extra):
        return _call(res, "get_linear_acceleration", extra=extra, convert=_vector)

    def get_compass_heading(self, res, extra):
        return _call(res, "get_compass_heading", extra=extra, convert=_float)

    def get_orientation(self, res, extra):
        return _call(res, "get_orientation", extra=extra, convert=_orientation)

    def get_properties(self, res, extra):
        return _call(res, "get_properties", extra=extra, convert=_ms_properties)

    def get_accuracy(self, res, extra):
        return _call(res, "get_accuracy", extra=extra, convert=_accuracy)

    def get_readings(self, res, extra):
        return _call(res, "get_readings", extra=extra, convert=_values.map_to_nodes)


def _images(found: Any) -> List[wc.Image]:
    images = found[0] if isinstance(found, tuple) else found
    return [wc.Image(str(i.name), str(i.mime_type), bytes(i.data)) for i in images or []]


def _camera_properties(p: Any) -> wc.Properties:
    i = getattr(p, "intrinsic_parameters", None)
    d = getattr(p, "distortion_parameters", None)
    rate = getattr(p, "frame_rate", None)
    return wc.Properties(
        bool(p.supports_pcd),
        None if i is None else wc.Intrinsics(
            _u32(i.width_px), _u32(i.height_px), _float(i.focal_x_px), _float(i.focal_y_px),
            _float(i.center_x_px), _float(i.center_y_px),
        ),
        None if d is None else wc.Distortion(str(d.model), [_float(x) for x in d.parameters]),
        [str(m) for m in getattr(p, "mime_types", None) or []],
        _opt(_float)(rate),
    )


class Camera(exports.Camera):
    def get_images(self, res, filter_source_names, extra):
        fn = method(res, "get_images")
        return run(
            "get_images",
            lambda: fn(filter_source_names=list(filter_source_names), extra=_extra(extra)),
            convert=_images,
        )

    def get_point_cloud(self, res, mime_type, extra):
        def cloud(found):
            data, mime = found
            return wc.PointCloud(str(mime or mime_type), bytes(data))

        return _call(res, "get_point_cloud", extra=extra, convert=cloud)

    def get_properties(self, res):
        return _call(res, "get_properties", convert=_camera_properties)


def _power_state(found: Any) -> wm.PowerState:
    on, power = found
    return wm.PowerState(bool(on), _float(power))


class Motor(exports.Motor):
    def set_power(self, res, power_pct, extra):
        _call(res, "set_power", power_pct, extra=extra)

    def go_for(self, res, rpm, revolutions, extra):
        _call(res, "go_for", rpm, revolutions, extra=extra)

    def go_to(self, res, rpm, position_revolutions, extra):
        _call(res, "go_to", rpm, position_revolutions, extra=extra)

    def set_rpm(self, res, rpm, extra):
        _call(res, "set_rpm", rpm, extra=extra)

    def reset_zero_position(self, res, offset, extra):
        _call(res, "reset_zero_position", offset, extra=extra)

    def get_position(self, res, extra):
        return _call(res, "get_position", extra=extra, convert=_float)

    def get_properties(self, res, extra):
        return _call(res, "get_properties", extra=extra, convert=lambda p: wm.Properties(bool(p.position_reporting)))

    def stop(self, res, extra):
        _call(res, "stop", extra=extra)

    def is_powered(self, res, extra):
        return _call(res, "is_powered", extra=extra, convert=_power_state)

    def is_moving(self, res):
        return _call(res, "is_moving", convert=bool)


class Servo(exports.Servo):
    def move_to(self, res, angle_deg, extra):
        _call(res, "move", angle_deg, extra=extra)

    def get_position(self, res, extra):
        return _call(res, "get_position", extra=extra, convert=_u32)

    def stop(self, res, extra):
        _call(res, "stop", extra=extra)

    def is_moving(self, res):
        return _call(res, "is_moving", convert=bool)


def _encoder_position(requested: int) -> Callable[[Any], we.Position]:
    def convert(found: Any) -> we.Position:
        value, kind = found if isinstance(found, tuple) else (found, requested)
        kind = _int(0, 2)(kind)
        return we.Position(_float(value), we.PositionType(kind))

    return convert


class Encoder(exports.Encoder):
    def get_position(self, res, position_type, extra):
        fn = method(res, "get_position")
        return run(
            "get_position",
            lambda: fn(position_type=position_type.value, extra=_extra(extra)),
            convert=_encoder_position(position_type.value),
        )

    def reset_position(self, res, extra):
        _call(res, "reset_position", extra=extra)

    def get_properties(self, res, extra):
        return _call(
            res,
            "get_properties",
            extra=extra,
            convert=lambda p: we.Properties(bool(p.ticks_count_supported), bool(p.angle_degrees_supported)),
        )


def _on(res: Any, getter: str, name: str, action: str, *args: Any, extra: List[Any], convert=None) -> Any:
    """Board calls reach an object the board hands out by name, as in Viam."""
    by_name = method(res, getter)

    async def go():
        thing = by_name(name)
        if hasattr(thing, "__await__"):
            thing = await thing
        result = getattr(thing, action)(*args, extra=_extra(extra))
        return await result if hasattr(result, "__await__") else result

    return run(f"{getter}({name!r}).{action}", go, convert=convert)


def _analog(v: Any) -> wb.AnalogReading:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return wb.AnalogReading(_s32(v), 0.0, 0.0, 0.0)
    return wb.AnalogReading(_s32(v.value), _float(v.min_range), _float(v.max_range), _float(v.step_size))


class Board(exports.Board):
    def set_gpio(self, res, pin, high, extra):
        _on(res, "gpio_pin_by_name", pin, "set", high, extra=extra)

    def get_gpio(self, res, pin, extra):
        return _on(res, "gpio_pin_by_name", pin, "get", extra=extra, convert=bool)

    def get_pwm(self, res, pin, extra):
        return _on(res, "gpio_pin_by_name", pin, "get_pwm", extra=extra, convert=_float)

    def set_pwm(self, res, pin, duty_cycle_pct, extra):
        _on(res, "gpio_pin_by_name", pin, "set_pwm", duty_cycle_pct, extra=extra)

    def get_pwm_frequency(self, res, pin, extra):
        return _on(res, "gpio_pin_by_name", pin, "get_pwm_frequency", extra=extra, convert=_u64)

    def set_pwm_frequency(self, res, pin, frequency_hz, extra):
        _on(res, "gpio_pin_by_name", pin, "set_pwm_frequency", frequency_hz, extra=extra)

    def read_analog(self, res, reader, extra):
        return _on(res, "analog_by_name", reader, "read", extra=extra, convert=_analog)

    def write_analog(self, res, pin, value, extra):
        _on(res, "analog_by_name", pin, "write", value, extra=extra)

    def get_digital_interrupt_value(self, res, interrupt, extra):
        return _on(res, "digital_interrupt_by_name", interrupt, "value", extra=extra, convert=_s64)

    def read_ticks(self, res, interrupts, since_ns):
        raise Err(types.Error(types.ErrorCode.UNIMPLEMENTED, "tick streams are not available to Python boards yet"))

    def set_power_mode(self, res, mode, duration_ns, extra):
        duration = None if duration_ns is None else timedelta(microseconds=duration_ns / 1000)
        # Viam's PowerMode counts from UNSPECIFIED = 0; the WIT enum from NORMAL = 0.
        _call(res, "set_power_mode", mode.value + 1, duration, extra=extra)


# The APIs of contract 0.2.0.


def _field(value: Any, name: str, what: str) -> Any:
    """`value.name`; a TypeError saying what was expected when it has none."""
    try:
        return getattr(value, name)
    except AttributeError:
        raise TypeError(f"expected {what}, got {type(value).__name__} (it has no .{name})") from None


def _floats(value: Any) -> List[float]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"expected a list of numbers, got {type(value).__name__} {value!r}")
    return [_float(v) for v in value]


def _pose(p: Any) -> types.Pose:
    what = "a Pose (x, y, z, o_x, o_y, o_z, theta)"
    return types.Pose(*(_float(_field(p, name, what)) for name in ("x", "y", "z", "o_x", "o_y", "o_z", "theta")))


def _joint_positions(found: Any) -> List[float]:
    """Viam's `JointPositions` (its `.values`), or a plain list of numbers."""
    if isinstance(found, (list, tuple)):
        return _floats(found)
    values = getattr(found, "values", None)
    if values is None or callable(values):  # a dict's .values is a method
        raise TypeError(f"expected JointPositions (with .values) or a list of numbers, got {type(found).__name__}")
    return _floats(values)


def _move_options(o: api_types.MoveOptions) -> MoveOptions:
    return MoveOptions(
        max_vel_degs_per_sec=o.max_vel_degs_per_sec,
        max_acc_degs_per_sec2=o.max_acc_degs_per_sec2,
        max_vel_degs_per_sec_joints=list(o.max_vel_degs_per_sec_joints),
        max_acc_degs_per_sec2_joints=list(o.max_acc_degs_per_sec2_joints),
        max_tcp_speed=o.max_tcp_speed,
    )


def _kinematics(found: Any) -> api_types.Kinematics:
    """Viam's `(format, data)`, or `(format, data, meshes[, model])`: the
    format (a `KinematicsFileFormat` value: 0 unspecified, 1 SVA, 2 URDF) and
    the file's bytes go on; meshes and models have no room in the WIT yet."""
    if not isinstance(found, (tuple, list)) or not 2 <= len(found) <= 4:
        raise TypeError(f"expected (format, data) as Viam's get_kinematics returns, got {type(found).__name__}")
    kind, data = found[0], found[1]
    if isinstance(kind, bool) or not isinstance(kind, int) or kind not in (0, 1, 2):
        raise ValueError(f"kinematics format {kind!r} is not a KinematicsFileFormat: 0 (unspecified), 1 (SVA) or 2 (URDF)")
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected the kinematics file as bytes, got {type(data).__name__}")
    return api_types.Kinematics(api_types.KinematicsFormat(int(kind)), bytes(data))


class Arm(exports.Arm):
    def get_end_position(self, res, extra):
        return _call(res, "get_end_position", extra=extra, convert=_pose)

    def move_to_position(self, res, to, extra):
        pose = Pose(to.x, to.y, to.z, to.o_x, to.o_y, to.o_z, to.theta)
        _call(res, "move_to_position", pose, extra=extra)

    def get_joint_positions(self, res, extra):
        return _call(res, "get_joint_positions", extra=extra, convert=_joint_positions)

    def move_to_joint_positions(self, res, positions, extra):
        _call(res, "move_to_joint_positions", JointPositions(list(positions)), extra=extra)

    def move_through_joint_positions(self, res, positions, options, extra):
        points = [JointPositions(list(p)) for p in positions]
        _call(res, "move_through_joint_positions", points, None if options is None else _move_options(options), extra=extra)

    def stop(self, res, extra):
        _call(res, "stop", extra=extra)

    def is_moving(self, res):
        return _call(res, "is_moving", convert=bool)

    def get_kinematics(self, res, extra):
        return _call(res, "get_kinematics", extra=extra, convert=_kinematics)


def _base_properties(p: Any) -> api_types.BaseProperties:
    what = "Base.Properties (width_meters, turning_radius_meters, wheel_circumference_meters)"
    return api_types.BaseProperties(
        _float(_field(p, "width_meters", what)),
        _float(_field(p, "turning_radius_meters", what)),
        _float(_field(p, "wheel_circumference_meters", what)),
    )


def _vector3(v: types.Vector3) -> Vector3:
    return Vector3(v.x, v.y, v.z)


class Base(exports.Base):
    def move_straight(self, res, distance_mm, mm_per_sec, extra):
        _call(res, "move_straight", distance_mm, mm_per_sec, extra=extra)

    def spin(self, res, angle_deg, degs_per_sec, extra):
        _call(res, "spin", angle_deg, degs_per_sec, extra=extra)

    def set_power(self, res, linear, angular, extra):
        _call(res, "set_power", _vector3(linear), _vector3(angular), extra=extra)

    def set_velocity(self, res, linear, angular, extra):
        _call(res, "set_velocity", _vector3(linear), _vector3(angular), extra=extra)

    def stop(self, res, extra):
        _call(res, "stop", extra=extra)

    def is_moving(self, res):
        return _call(res, "is_moving", convert=bool)

    def get_properties(self, res, extra):
        return _call(res, "get_properties", extra=extra, convert=_base_properties)


def _holding(found: Any) -> api_types.HoldingStatus:
    """`Gripper.HoldingStatus(is_holding_something, meta)`, or a plain bool."""
    if isinstance(found, bool):
        return api_types.HoldingStatus(found, [])
    what = "Gripper.HoldingStatus (is_holding_something, meta)"
    held = _field(found, "is_holding_something", what)
    if not isinstance(held, bool):
        raise TypeError(f"expected is_holding_something to be a bool, got {held!r}")
    meta = getattr(found, "meta", None)
    return api_types.HoldingStatus(held, [] if meta is None else _values.map_to_nodes(meta))


class Gripper(exports.Gripper):
    def open(self, res, extra):
        _call(res, "open", extra=extra)

    def grab(self, res, extra):
        # Viam's grab returns whether it holds something; the host asks
        # is_holding_something once the motion has ended instead.
        _call(res, "grab", extra=extra)

    def stop(self, res, extra):
        _call(res, "stop", extra=extra)

    def is_moving(self, res):
        return _call(res, "is_moving", convert=bool)

    def is_holding_something(self, res, extra):
        return _call(res, "is_holding_something", extra=extra, convert=_holding)

    def get_kinematics(self, res, extra):
        return _call(res, "get_kinematics", extra=extra, convert=_kinematics)


class Gantry(exports.Gantry):
    def get_position(self, res, extra):
        return _call(res, "get_position", extra=extra, convert=_floats)

    def move_to_position(self, res, positions_mm, speeds_mm_per_sec, extra):
        _call(res, "move_to_position", list(positions_mm), list(speeds_mm_per_sec), extra=extra)

    def home(self, res, extra):
        # Viam's home returns whether it homed; a failure is an exception.
        _call(res, "home", extra=extra)

    def get_lengths(self, res, extra):
        return _call(res, "get_lengths", extra=extra, convert=_floats)

    def stop(self, res, extra):
        _call(res, "stop", extra=extra)

    def is_moving(self, res):
        return _call(res, "is_moving", convert=bool)

    def get_kinematics(self, res, extra):
        return _call(res, "get_kinematics", extra=extra, convert=_kinematics)


def _electrical(found: Any) -> api_types.Electrical:
    """Viam's `(value, is_ac)`, or a plain number (direct current)."""
    if isinstance(found, (tuple, list)):
        if len(found) != 2:
            raise TypeError(f"expected (value, is_ac), got {found!r}")
        value, is_ac = found
        if not isinstance(is_ac, bool):
            raise TypeError(f"expected is_ac to be a bool, got {is_ac!r}")
        return api_types.Electrical(_float(value), is_ac)
    return api_types.Electrical(_float(found), False)


class PowerSensor(exports.PowerSensor):
    def get_voltage(self, res, extra):
        return _call(res, "get_voltage", extra=extra, convert=_electrical)

    def get_current(self, res, extra):
        return _call(res, "get_current", extra=extra, convert=_electrical)

    def get_power(self, res, extra):
        return _call(res, "get_power", extra=extra, convert=_float)

    def get_readings(self, res, extra):
        return _call(res, "get_readings", extra=extra, convert=_values.map_to_nodes)


def _switch_positions(found: Any) -> api_types.SwitchPositions:
    """Viam's `(count, labels)`, or a plain count."""
    if isinstance(found, (tuple, list)):
        if len(found) != 2:
            raise TypeError(f"expected (number_of_positions, labels), got {found!r}")
        count, labels = found
    else:
        count, labels = found, None
    count = _u32(count)
    labels = list(labels or [])
    for label in labels:
        if not isinstance(label, str):
            raise TypeError(f"expected the labels to be strings, got {label!r}")
    if labels and len(labels) != count:
        raise ValueError(f"expected one label per position ({count}) or none, got {len(labels)}")
    return api_types.SwitchPositions(count, labels)


class Switch(exports.Switch):
    def set_position(self, res, position, extra):
        _call(res, "set_position", position, extra=extra)

    def get_position(self, res, extra):
        return _call(res, "get_position", extra=extra, convert=_u32)

    def get_number_of_positions(self, res, extra):
        return _call(res, "get_number_of_positions", extra=extra, convert=_switch_positions)


class Button(exports.Button):
    def push(self, res, extra):
        _call(res, "push", extra=extra)


def _opt_int(value: Any) -> Optional[int]:
    return None if value is None else _s64(value)


def _opt_float(value: Any) -> Optional[float]:
    return None if value is None else _float(value)


def _wit_detection(d: Any) -> api_types.Detection:
    what = "a Detection (x_min, y_min, x_max, y_max, confidence, class_name, ...)"
    class_name = _field(d, "class_name", what)
    if not isinstance(class_name, str):
        raise TypeError(f"expected class_name to be a string, got {class_name!r}")
    corners = [_opt_int(getattr(d, k, None)) for k in ("x_min", "y_min", "x_max", "y_max")]
    shares = [_opt_float(getattr(d, f"{k}_normalized", None)) for k in ("x_min", "y_min", "x_max", "y_max")]
    return api_types.Detection(*corners, *shares, _float(_field(d, "confidence", what)), class_name)


def _wit_classification(c: Any) -> api_types.Classification:
    what = "a Classification (class_name, confidence)"
    class_name = _field(c, "class_name", what)
    if not isinstance(class_name, str):
        raise TypeError(f"expected class_name to be a string, got {class_name!r}")
    return api_types.Classification(class_name, _float(_field(c, "confidence", what)))


def _list_of(convert: Callable[[Any], Any]) -> Callable[[Any], List[Any]]:
    def each(found: Any) -> List[Any]:
        if isinstance(found, (str, bytes)) or not hasattr(found, "__iter__"):
            raise TypeError(f"expected a list, got {type(found).__name__}")
        return [convert(x) for x in found]

    return each


def _wit_geometry(g: Any) -> types.Geometry:
    """A `Geometry` message as the WIT's: a sphere, a box, a capsule, or
    (none of them set) a point."""
    center = getattr(g, "center", None) or Pose()
    if getattr(g, "sphere", None) is not None:
        shape = types.Shape_Sphere(_float(g.sphere.radius_mm))
    elif getattr(g, "box", None) is not None:
        d = g.box.dims_mm or Vector3()
        shape = types.Shape_Box(types.Vector3(_float(d.x), _float(d.y), _float(d.z)))
    elif getattr(g, "capsule", None) is not None:
        shape = types.Shape_Capsule((_float(g.capsule.radius_mm), _float(g.capsule.length_mm)))
    else:
        shape = types.Shape_Point()
    return types.Geometry(_pose(center), shape, str(getattr(g, "label", "") or ""))


def _wit_point_cloud_object(o: Any) -> api_types.PointCloudObject:
    data = _field(o, "point_cloud", "a PointCloudObject (point_cloud, geometries)")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected point_cloud to be bytes, got {type(data).__name__}")
    frame = getattr(o, "geometries", None)
    geometries = [_wit_geometry(g) for g in (getattr(frame, "geometries", None) or [])]
    return api_types.PointCloudObject("pointcloud/pcd", bytes(data), str(getattr(frame, "reference_frame", "") or ""), geometries)


def _vision_properties(p: Any) -> api_types.VisionProperties:
    what = "Vision.Properties (classifications_supported, detections_supported, object_point_clouds_supported)"
    flags = [_field(p, k, what) for k in ("classifications_supported", "detections_supported", "object_point_clouds_supported")]
    for f in flags:
        if not isinstance(f, bool):
            raise TypeError(f"expected the properties' flags to be bools, got {f!r}")
    camera = getattr(p, "default_camera", None)
    if camera is not None and not isinstance(camera, str):
        raise TypeError(f"expected default_camera to be a string, got {camera!r}")
    return api_types.VisionProperties(*flags, camera or None)


def _capture_all(found: Any) -> api_types.CaptureAll:
    image = getattr(found, "image", None)
    if image is not None:
        mime = getattr(image.mime_type, "value", image.mime_type)
        image = api_types.Image("", str(mime), bytes(image.data))
    return api_types.CaptureAll(
        image,
        _list_of(_wit_detection)(getattr(found, "detections", None) or []),
        _list_of(_wit_classification)(getattr(found, "classifications", None) or []),
        _list_of(_wit_point_cloud_object)(getattr(found, "objects", None) or []),
        _values.map_to_nodes(getattr(found, "extra", None) or {}),
    )


class Vision(exports.Vision):
    def get_detections_from_camera(self, res, camera_name, extra):
        return _call(res, "get_detections_from_camera", camera_name, extra=extra, convert=_list_of(_wit_detection))

    def get_detections(self, res, image, extra):
        return _call(res, "get_detections", from_record(image), extra=extra, convert=_list_of(_wit_detection))

    def get_classifications_from_camera(self, res, camera_name, n, extra):
        return _call(res, "get_classifications_from_camera", camera_name, n, extra=extra,
                     convert=_list_of(_wit_classification))

    def get_classifications(self, res, image, n, extra):
        return _call(res, "get_classifications", from_record(image), n, extra=extra, convert=_list_of(_wit_classification))

    def get_object_point_clouds(self, res, camera_name, mime_type, extra):
        # Viam's clients ask for PCD and its servers answer nothing else.
        return _call(res, "get_object_point_clouds", camera_name, extra=extra, convert=_list_of(_wit_point_cloud_object))

    def get_properties(self, res, extra):
        return _call(res, "get_properties", extra=extra, convert=_vision_properties)

    def capture_all_from_camera(self, res, camera_name, parts, extra):
        P = api_types.CaptureParts
        return _call(res, "capture_all_from_camera", camera_name, P.IMAGE in parts, P.CLASSIFICATIONS in parts,
                     P.DETECTIONS in parts, P.OBJECT_POINT_CLOUDS in parts, extra=extra, convert=_capture_all)
