"""The API interfaces of the WIT world, each method mapped onto the Python
method of Viam's SDK with the same meaning (`get_readings(extra=...)`,
`set_power(power, extra=...)`, `move(angle)` for servo move-to, ...).

The host calls only the interfaces of the API a resource's model belongs to;
a method the model class does not override raises `Unimplemented` from the
API base class."""

from datetime import timedelta
from typing import Any, List, Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import board as wb, camera as wc, encoder as we, motor as wm, movement_sensor as wms
from wit_world.imports import types

from . import _values
from ._calls import method, run


def _extra(extra: List[Any]) -> dict:
    return _values.to_python(extra) or {}


def _call(res: Any, name: str, *args: Any, extra: Optional[List[Any]] = None) -> Any:
    fn = method(res, name)
    if extra is None:
        return run(name, lambda: fn(*args))
    return run(name, lambda: fn(*args, extra=_extra(extra)))


def _readings(res: Any, extra: List[Any]) -> List[Any]:
    fn = method(res, "get_readings")

    async def go():
        return _values.to_nodes(dict(await fn(extra=_extra(extra)) or {}))

    return run("get_readings", go)


def _vector(v: Any) -> types.Vector3:
    return types.Vector3(float(v.x), float(v.y), float(v.z))


class Sensor(exports.Sensor):
    def get_readings(self, res, extra):
        return _readings(res, extra)


class MovementSensor(exports.MovementSensor):
    def get_position(self, res, extra):
        point, altitude = _call(res, "get_position", extra=extra)
        return wms.GeoPosition(float(point.latitude), float(point.longitude), float(altitude))

    def get_linear_velocity(self, res, extra):
        return _vector(_call(res, "get_linear_velocity", extra=extra))

    def get_angular_velocity(self, res, extra):
        return _vector(_call(res, "get_angular_velocity", extra=extra))

    def get_linear_acceleration(self, res, extra):
        return _vector(_call(res, "get_linear_acceleration", extra=extra))

    def get_compass_heading(self, res, extra):
        return float(_call(res, "get_compass_heading", extra=extra))

    def get_orientation(self, res, extra):
        o = _call(res, "get_orientation", extra=extra)
        return types.Orientation(float(o.o_x), float(o.o_y), float(o.o_z), float(o.theta))

    def get_properties(self, res, extra):
        p = _call(res, "get_properties", extra=extra)
        return wms.Properties(
            bool(p.linear_velocity_supported),
            bool(p.angular_velocity_supported),
            bool(p.orientation_supported),
            bool(p.position_supported),
            bool(p.compass_heading_supported),
            bool(p.linear_acceleration_supported),
        )

    def get_accuracy(self, res, extra):
        a = _call(res, "get_accuracy", extra=extra)
        return wms.Accuracy(
            [(str(k), float(v)) for k, v in (a.accuracy or {}).items()],
            a.position_hdop,
            a.position_vdop,
            a.position_nmea_gga_fix,
            a.compass_degrees_error,
        )

    def get_readings(self, res, extra):
        return _readings(res, extra)


class Camera(exports.Camera):
    def get_images(self, res, filter_source_names, extra):
        fn = method(res, "get_images")
        found = run("get_images", lambda: fn(filter_source_names=list(filter_source_names), extra=_extra(extra)))
        images = found[0] if isinstance(found, tuple) else found
        return [wc.Image(str(i.name), str(i.mime_type), bytes(i.data)) for i in images or []]

    def get_point_cloud(self, res, mime_type, extra):
        data, mime = _call(res, "get_point_cloud", extra=extra)
        return wc.PointCloud(str(mime or mime_type), bytes(data))

    def get_properties(self, res):
        p = _call(res, "get_properties")
        rate = getattr(p, "frame_rate", None)
        return wc.Properties(bool(p.supports_pcd), None, None, list(getattr(p, "mime_types", []) or []), rate)


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
        return float(_call(res, "get_position", extra=extra))

    def get_properties(self, res, extra):
        return wm.Properties(bool(_call(res, "get_properties", extra=extra).position_reporting))

    def stop(self, res, extra):
        _call(res, "stop", extra=extra)

    def is_powered(self, res, extra):
        on, power = _call(res, "is_powered", extra=extra)
        return wm.PowerState(bool(on), float(power))

    def is_moving(self, res):
        return bool(_call(res, "is_moving"))


class Servo(exports.Servo):
    def move_to(self, res, angle_deg, extra):
        _call(res, "move", angle_deg, extra=extra)

    def get_position(self, res, extra):
        return int(_call(res, "get_position", extra=extra))

    def stop(self, res, extra):
        _call(res, "stop", extra=extra)

    def is_moving(self, res):
        return bool(_call(res, "is_moving"))


class Encoder(exports.Encoder):
    def get_position(self, res, position_type, extra):
        fn = method(res, "get_position")
        found = run("get_position", lambda: fn(position_type=position_type.value, extra=_extra(extra)))
        value, kind = found if isinstance(found, tuple) else (found, position_type.value)
        return we.Position(float(value), we.PositionType(int(kind)))

    def reset_position(self, res, extra):
        _call(res, "reset_position", extra=extra)

    def get_properties(self, res, extra):
        p = _call(res, "get_properties", extra=extra)
        return we.Properties(bool(p.ticks_count_supported), bool(p.angle_degrees_supported))


def _on(res: Any, getter: str, name: str, action: str, *args: Any, extra: Optional[List[Any]] = None) -> Any:
    """Board calls reach an object the board hands out by name, as in Viam."""
    by_name = method(res, getter)

    async def go():
        thing = await by_name(name)
        return await getattr(thing, action)(*args, extra=_extra(extra or []))

    return run(f"{getter}({name!r}).{action}", go)


class Board(exports.Board):
    def set_gpio(self, res, pin, high, extra):
        _on(res, "gpio_pin_by_name", pin, "set", high, extra=extra)

    def get_gpio(self, res, pin, extra):
        return bool(_on(res, "gpio_pin_by_name", pin, "get", extra=extra))

    def get_pwm(self, res, pin, extra):
        return float(_on(res, "gpio_pin_by_name", pin, "get_pwm", extra=extra))

    def set_pwm(self, res, pin, duty_cycle_pct, extra):
        _on(res, "gpio_pin_by_name", pin, "set_pwm", duty_cycle_pct, extra=extra)

    def get_pwm_frequency(self, res, pin, extra):
        return int(_on(res, "gpio_pin_by_name", pin, "get_pwm_frequency", extra=extra))

    def set_pwm_frequency(self, res, pin, frequency_hz, extra):
        _on(res, "gpio_pin_by_name", pin, "set_pwm_frequency", frequency_hz, extra=extra)

    def read_analog(self, res, reader, extra):
        v = _on(res, "analog_by_name", reader, "read", extra=extra)
        if isinstance(v, int):
            return wb.AnalogReading(v, 0.0, 0.0, 0.0)
        return wb.AnalogReading(int(v.value), float(v.min_range), float(v.max_range), float(v.step_size))

    def write_analog(self, res, pin, value, extra):
        _on(res, "analog_by_name", pin, "write", value, extra=extra)

    def get_digital_interrupt_value(self, res, interrupt, extra):
        return int(_on(res, "digital_interrupt_by_name", interrupt, "value", extra=extra))

    def read_ticks(self, res, interrupts, since_ns):
        raise Err(types.Error(types.ErrorCode.UNIMPLEMENTED, "tick streams are not available to Python boards yet"))

    def set_power_mode(self, res, mode, duration_ns, extra):
        duration = None if duration_ns is None else timedelta(microseconds=duration_ns / 1000)
        _call(res, "set_power_mode", mode.value, duration, extra=extra)
