"""Clients for the resources a model depends on, one per API, with the
method names, signatures and results of Viam's Python clients (`ArmClient`,
`MovementSensorClient`, ...). `dependencies[Arm.get_resource_name("arm-1")]`
is an `ArmClient`, an instance of the SDK's `Arm` as Viam's is of its `Arm`.

Every call goes through the host (the WIT `calls` import, `vision-calls`
for a vision service; readings and DoCommand through `deps`) to the
dependency, under its own limits; an
error it answers is raised as the matching `armature.errors` class.

Differences from a gRPC client:

- motions (a motor's `go_for`/`go_to`, a servo's `move`, an arm's moves, a
  base's `move_straight`/`spin`, a gripper's `open`/`grab`, a gantry's
  `move_to_position`/`home`) START the motion and return at once, as the
  drivers of this SDK do: ask `is_moving`, or `stop`;
- `timeout` is accepted and not applied: the calling method's own deadline
  covers every call it makes; `kwargs` (Viam's `metadata`) are ignored;
- what the contract does not carry raises `Unimplemented`: `get_status`,
  an arm's manual mode, properties, 3D models and streamed moves, a
  gripper's inputs, a board's tick streams.
"""

from datetime import timedelta
from typing import Any, AsyncIterator, Dict, List, Mapping, Optional, Sequence, Tuple

from componentize_py_types import Err
from wit_world.imports import api_types, calls as wit, types, vision_calls

from . import _values, errors
from .components import KinematicsReturn
from .components.arm import Arm
from .components.base import Base
from .components.board import Board, PowerMode
from .components.button import Button
from .components.camera import Camera, NamedImage
from .components.encoder import Encoder
from .components.gantry import Gantry
from .components.generic import Generic as GenericComponent
from .components.gripper import Gripper
from .components.motor import Motor
from .components.movement_sensor import MovementSensor
from .components.power_sensor import PowerSensor
from .components.sensor import Sensor
from .components.servo import Servo
from .components.switch import Switch
from .logging import getLogger
from .proto.common import (
    Capsule,
    GeoPoint,
    Geometry,
    Mesh,
    Orientation,
    Pose,
    RectangularPrism,
    ResponseMetadata,
    Sphere,
    Vector3,
)
from .proto.component.arm import JointPositions, MoveOptions
from .media.video import CameraMimeType, ViamImage, from_record
from .proto.service.vision import Classification, Detection, GeometriesInFrame, GetPropertiesResponse, PointCloudObject
from .services.generic import Generic as GenericService
from .services.vision import CaptureAllResult, Vision

Extra = Optional[Dict[str, Any]]


def _host(fn, *args):
    try:
        return fn(*args)
    except Err as e:
        raise errors.from_wit(e.value) from None


def _extra(extra: Optional[Mapping[str, Any]]) -> List[Any]:
    # No extra goes as the empty tree, as the Rust SDK sends it.
    return _values.to_nodes(dict(extra)) if extra else []


def _unpack(what: str, answer: Any, *shape: type) -> Any:
    """The payload of `answer`, unwrapped through `shape` (the variant of
    `answer` first, then the API's own); `Internal` if it has another shape."""
    found = answer
    for kind in shape:
        if not isinstance(found, kind):
            raise errors.Internal(f"{what}: the dependency answered {answer!r}, expected {kind.__name__}")
        found = getattr(found, "value", None)
    return found


def _done(what: str, answer: Any, *shape: type) -> None:
    """A method that answers nothing: `unit`, or the API's own unit."""
    if not isinstance(answer, wit.Answer_Unit):
        _unpack(what, answer, *shape)


# Arguments, checked here: a value the WIT cannot carry would trap the sandbox.


def _f64(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, got {value!r}")
    return float(value)


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise TypeError(f"{what} must be a whole number, got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{what} must be within {low}..{high}, got {value!r}")
    return int(value)


def _u32(value: Any, what: str) -> int:
    return _whole(value, what, 0, 2**32 - 1)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {value!r}")
    return value


def _f64s(values: Any, what: str) -> List[float]:
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{what} must be a list of numbers, got {values!r}")
    return [_f64(v, f"{what}[{i}]") for i, v in enumerate(values)]


def _joints(positions: Any, what: str) -> List[float]:
    """Viam's `JointPositions` (its `.values`), or a plain list of numbers."""
    if isinstance(positions, (list, tuple)):
        return _f64s(positions, what)
    values = getattr(positions, "values", None)
    if values is None or callable(values):  # a dict's .values is a method
        raise TypeError(f"{what} must be JointPositions (or a list of numbers), got {positions!r}")
    return _f64s(values, f"{what}.values")


def _field(value: Any, name: str, what: str) -> Any:
    try:
        return getattr(value, name)
    except AttributeError:
        raise TypeError(f"{what} must have .{name}, got {value!r}") from None


def _wit_vector(v: Any, what: str) -> types.Vector3:
    return types.Vector3(*(_f64(_field(v, axis, what), f"{what}.{axis}") for axis in ("x", "y", "z")))


def _wit_pose(p: Any, what: str) -> types.Pose:
    names = ("x", "y", "z", "o_x", "o_y", "o_z", "theta")
    return types.Pose(*(_f64(_field(p, n, what), f"{what}.{n}") for n in names))


def _optional_limit(options: Any, name: str) -> Optional[float]:
    """A scalar limit of MoveOptions: None when unset (`HasField`, as on
    Viam's protobuf message, or None on this SDK's dataclass)."""
    has = getattr(options, "HasField", None)
    if has is not None and not has(name):
        return None
    value = getattr(options, name, None)
    return None if value is None else _f64(value, f"options.{name}")


def _wit_move_options(options: Any) -> api_types.MoveOptions:
    return api_types.MoveOptions(
        _optional_limit(options, "max_vel_degs_per_sec"),
        _optional_limit(options, "max_acc_degs_per_sec2"),
        _f64s(getattr(options, "max_vel_degs_per_sec_joints", None) or [], "options.max_vel_degs_per_sec_joints"),
        _f64s(getattr(options, "max_acc_degs_per_sec2_joints", None) or [], "options.max_acc_degs_per_sec2_joints"),
        _optional_limit(options, "max_tcp_speed"),
    )


# Answers, as Viam's clients return them.


def _vector(v: types.Vector3) -> Vector3:
    return Vector3(v.x, v.y, v.z)


def _pose(p: types.Pose) -> Pose:
    return Pose(p.x, p.y, p.z, p.o_x, p.o_y, p.o_z, p.theta)


def _geometry(g: types.Geometry) -> Geometry:
    found = Geometry(center=_pose(g.center), label=g.label)
    shape = g.shape
    if isinstance(shape, types.Shape_Sphere):
        found.sphere = Sphere(radius_mm=shape.value)
    elif isinstance(shape, types.Shape_Box):
        found.box = RectangularPrism(dims_mm=_vector(shape.value))
    elif isinstance(shape, types.Shape_Capsule):
        radius, length = shape.value
        found.capsule = Capsule(radius_mm=radius, length_mm=length)
    return found


def _kinematics(k: api_types.Kinematics) -> KinematicsReturn:
    """(format, data, meshes by URDF path), as Viam's clients return it
    without a kinematic model; the contract carries no meshes."""
    meshes: Dict[str, Mesh] = {}
    return (k.format.value, bytes(k.data), meshes)


def _unsupported(client: "DependencyClient", method: str) -> errors.Unimplemented:
    return errors.Unimplemented(f"dependency {client.name!r} ({client.api}): {method} is not available to modules")


class DependencyClient:
    """What every dependency has: its name, its API and DoCommand. A
    dependency of an API without a client of its own (a service other than
    generic, a custom API) is one of these."""

    def __init__(self, handle: Any):
        self._handle = handle
        self.name: str = handle.name()
        self.api: str = handle.api()
        self.logger = getLogger(self.name)

    def _call(self, method: Any) -> Any:
        return _host(wit.call, self._handle, method)

    async def do_command(self, command: Mapping[str, Any], *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        return _values.to_python(_host(self._handle.do_command, _values.to_nodes(dict(command)))) or {}

    async def get_status(self, *, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        raise _unsupported(self, "get_status")

    async def close(self) -> None:
        """Nothing to close: the host owns the connection."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.api}/{self.name}>"


def _reading(value: Any) -> Any:
    """A reading in the form Viam's SDK sends (`_type`) as Viam's client
    gives it back: Vector3, GeoPoint or Orientation."""
    if not isinstance(value, dict):
        return value
    kind = value.get("_type")
    try:
        if kind in ("vector3", "angular_velocity"):
            return Vector3(value["x"], value["y"], value["z"])
        if kind == "geopoint":
            return GeoPoint(value["lat"], value["lng"])
        if kind == "orientation_vector_degrees":
            return Orientation(value["ox"], value["oy"], value["oz"], value["theta"])
    except KeyError:
        pass
    return value


class _ComponentClient(DependencyClient):
    async def get_geometries(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Geometry]:
        found = _unpack("get_geometries", self._call(wit.Method_GetGeometries(_extra(extra))), wit.Answer_Geometries)
        return [_geometry(g) for g in found]

    async def _readings(self, extra: Extra) -> Mapping[str, Any]:
        # Through `deps`, the shortest way for the host.
        found = _values.to_python(_host(self._handle.get_readings, _extra(extra))) or {}
        return {key: _reading(value) for key, value in found.items()}


class _ActuatorClient(_ComponentClient):
    """Stop and IsMoving, shared by motor, servo, arm, base, gripper, gantry."""

    async def stop(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        _done("stop", self._call(wit.Method_Stop(_extra(extra))))

    async def is_moving(self, *, timeout: Optional[float] = None, **kwargs) -> bool:
        return bool(_unpack("is_moving", self._call(wit.Method_IsMoving()), wit.Answer_Boolean))


class SensorClient(_ComponentClient, Sensor):
    """rdk:component:sensor"""

    async def get_readings(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        return await self._readings(extra)


class MovementSensorClient(_ComponentClient, MovementSensor):
    """rdk:component:movement_sensor"""

    def _ask(self, what: str, method: type, extra: Extra, answer: type) -> Any:
        found = self._call(wit.Method_MovementSensor(method(_extra(extra))))
        return _unpack(what, found, wit.Answer_MovementSensor, answer)

    async def get_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[GeoPoint, float]:
        p = self._ask("get_position", wit.MovementSensorMethod_GetPosition, extra, wit.MovementSensorAnswer_Position)
        return GeoPoint(p.latitude, p.longitude), p.altitude_m

    async def get_linear_velocity(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Vector3:
        """m/s."""
        m = wit.MovementSensorMethod_GetLinearVelocity
        return _vector(self._ask("get_linear_velocity", m, extra, wit.MovementSensorAnswer_Vector))

    async def get_angular_velocity(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Vector3:
        """Degrees/s."""
        m = wit.MovementSensorMethod_GetAngularVelocity
        return _vector(self._ask("get_angular_velocity", m, extra, wit.MovementSensorAnswer_Vector))

    async def get_linear_acceleration(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Vector3:
        """m/s²."""
        m = wit.MovementSensorMethod_GetLinearAcceleration
        return _vector(self._ask("get_linear_acceleration", m, extra, wit.MovementSensorAnswer_Vector))

    async def get_compass_heading(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> float:
        """Degrees clockwise from north, [0, 360)."""
        m = wit.MovementSensorMethod_GetCompassHeading
        return float(self._ask("get_compass_heading", m, extra, wit.MovementSensorAnswer_CompassHeading))

    async def get_orientation(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Orientation:
        o = self._ask("get_orientation", wit.MovementSensorMethod_GetOrientation, extra, wit.MovementSensorAnswer_Orientation)
        return Orientation(o.o_x, o.o_y, o.o_z, o.theta)

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> MovementSensor.Properties:
        p = self._ask("get_properties", wit.MovementSensorMethod_GetProperties, extra, wit.MovementSensorAnswer_Properties)
        return MovementSensor.Properties(
            linear_velocity_supported=p.linear_velocity_supported,
            angular_velocity_supported=p.angular_velocity_supported,
            orientation_supported=p.orientation_supported,
            position_supported=p.position_supported,
            compass_heading_supported=p.compass_heading_supported,
            linear_acceleration_supported=p.linear_acceleration_supported,
        )

    async def get_accuracy(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> MovementSensor.Accuracy:
        a = self._ask("get_accuracy", wit.MovementSensorMethod_GetAccuracy, extra, wit.MovementSensorAnswer_Accuracy)
        return MovementSensor.Accuracy(
            accuracy=dict(a.accuracy),
            position_hdop=a.position_hdop,
            position_vdop=a.position_vdop,
            position_nmea_gga_fix=a.position_nmea_gga_fix,
            compass_degrees_error=a.compass_degrees_error,
        )

    async def get_readings(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        return await self._readings(extra)


class CameraClient(_ComponentClient, Camera):
    """rdk:component:camera"""

    def _ask(self, what: str, method: Any, answer: type) -> Any:
        return _unpack(what, self._call(wit.Method_Camera(method)), wit.Answer_Camera, answer)

    async def get_images(
        self,
        *,
        filter_source_names: Optional[Sequence[str]] = None,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> Tuple[List[NamedImage], ResponseMetadata]:
        """(images, metadata): one image per source (all sources when
        `filter_source_names` is empty); the metadata has no capture time."""
        names = [_text(n, "filter_source_names[]") for n in filter_source_names or []]
        images = self._ask("get_images", wit.CameraMethod_GetImages((names, _extra(extra))), wit.CameraAnswer_Images)
        return [NamedImage(i.source_name, bytes(i.data), i.mime_type) for i in images], ResponseMetadata()

    async def get_point_cloud(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[bytes, str]:
        """(data, MIME type), asked for as PCD, as Viam's client asks."""
        method = wit.CameraMethod_GetPointCloud(("pointcloud/pcd", _extra(extra)))
        cloud = self._ask("get_point_cloud", method, wit.CameraAnswer_PointCloud)
        return bytes(cloud.data), cloud.mime_type

    async def get_properties(self, *, timeout: Optional[float] = None, **kwargs) -> Camera.Properties:
        p = self._ask("get_properties", wit.CameraMethod_GetProperties(), wit.CameraAnswer_Properties)
        i, d = p.intrinsics, p.distortion
        return Camera.Properties(
            supports_pcd=p.supports_pcd,
            intrinsic_parameters=None if i is None else Camera.IntrinsicParameters(
                i.width_px, i.height_px, i.focal_x_px, i.focal_y_px, i.center_x_px, i.center_y_px
            ),
            distortion_parameters=None if d is None else Camera.DistortionParameters(d.model, list(d.parameters)),
            mime_types=list(p.mime_types),
            frame_rate=p.frame_rate,
        )


class MotorClient(_ActuatorClient, Motor):
    """rdk:component:motor. `go_for` and `go_to` start the motion and return."""

    def _ask(self, method: Any) -> Any:
        return self._call(wit.Method_Motor(method))

    def _unit(self, what: str, method: Any) -> None:
        _done(what, self._ask(method), wit.Answer_Motor, wit.MotorAnswer_Unit)

    async def set_power(self, power: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        self._unit("set_power", wit.MotorMethod_SetPower((_f64(power, "power"), _extra(extra))))

    async def go_for(self, rpm: float, revolutions: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        args = (_f64(rpm, "rpm"), _f64(revolutions, "revolutions"), _extra(extra))
        self._unit("go_for", wit.MotorMethod_GoFor(args))

    async def go_to(self, rpm: float, position_revolutions: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        args = (_f64(rpm, "rpm"), _f64(position_revolutions, "position_revolutions"), _extra(extra))
        self._unit("go_to", wit.MotorMethod_GoTo(args))

    async def set_rpm(self, rpm: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        self._unit("set_rpm", wit.MotorMethod_SetRpm((_f64(rpm, "rpm"), _extra(extra))))

    async def reset_zero_position(self, offset: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        self._unit("reset_zero_position", wit.MotorMethod_ResetZeroPosition((_f64(offset, "offset"), _extra(extra))))

    async def get_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> float:
        found = self._ask(wit.MotorMethod_GetPosition(_extra(extra)))
        return float(_unpack("get_position", found, wit.Answer_Motor, wit.MotorAnswer_Position))

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Motor.Properties:
        found = self._ask(wit.MotorMethod_GetProperties(_extra(extra)))
        p = _unpack("get_properties", found, wit.Answer_Motor, wit.MotorAnswer_Properties)
        return Motor.Properties(position_reporting=p.position_reporting)

    async def is_powered(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[bool, float]:
        found = self._ask(wit.MotorMethod_IsPowered(_extra(extra)))
        p = _unpack("is_powered", found, wit.Answer_Motor, wit.MotorAnswer_Power)
        return p.is_on, p.power_pct


class ServoClient(_ActuatorClient, Servo):
    """rdk:component:servo. `move` starts the motion and returns."""

    async def move(self, angle: int, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> None:
        found = self._call(wit.Method_Servo(wit.ServoMethod_MoveTo((_u32(angle, "angle"), _extra(extra)))))
        _done("move", found, wit.Answer_Servo, wit.ServoAnswer_Unit)

    async def get_position(self, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> int:
        found = self._call(wit.Method_Servo(wit.ServoMethod_GetPosition(_extra(extra))))
        return int(_unpack("get_position", found, wit.Answer_Servo, wit.ServoAnswer_Position))


class EncoderClient(_ComponentClient, Encoder):
    """rdk:component:encoder. Position types are Viam's `PositionType`
    values (`armature.components.encoder.PositionType`)."""

    async def reset_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        found = self._call(wit.Method_Encoder(wit.EncoderMethod_ResetPosition(_extra(extra))))
        _done("reset_position", found, wit.Answer_Encoder, wit.EncoderAnswer_Unit)

    async def get_position(
        self,
        position_type: Optional[int] = None,
        *,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> Tuple[float, int]:
        """(value, position type): ticks or degrees, as the encoder reports."""
        kind = wit.PositionType(_whole(position_type or 0, "position_type", 0, 2))
        found = self._call(wit.Method_Encoder(wit.EncoderMethod_GetPosition((kind, _extra(extra)))))
        p = _unpack("get_position", found, wit.Answer_Encoder, wit.EncoderAnswer_Position)
        return float(p.value), p.position_type.value

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Encoder.Properties:
        found = self._call(wit.Method_Encoder(wit.EncoderMethod_GetProperties(_extra(extra))))
        p = _unpack("get_properties", found, wit.Answer_Encoder, wit.EncoderAnswer_Properties)
        return Encoder.Properties(ticks_count_supported=p.ticks_count_supported, angle_degrees_supported=p.angle_degrees_supported)


class GPIOPinClient(Board.GPIOPin):
    """A pin of a board dependency, as Viam's `GPIOPinClient`."""

    def __init__(self, name: str, board: "BoardClient"):
        super().__init__(name)
        self.board = board

    async def set(self, high: bool, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        if not isinstance(high, bool):
            raise TypeError(f"high must be True or False, got {high!r}")
        self.board._unit("set", wit.BoardMethod_SetGpio((self.name, high, _extra(extra))))

    async def get(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> bool:
        return bool(self.board._ask("get", wit.BoardMethod_GetGpio((self.name, _extra(extra))), wit.BoardAnswer_High))

    async def get_pwm(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> float:
        """Duty cycle in [0, 1]."""
        return float(self.board._ask("get_pwm", wit.BoardMethod_GetPwm((self.name, _extra(extra))), wit.BoardAnswer_Duty))

    async def set_pwm(self, duty_cycle: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        args = (self.name, _f64(duty_cycle, "duty_cycle"), _extra(extra))
        self.board._unit("set_pwm", wit.BoardMethod_SetPwm(args))

    async def get_pwm_frequency(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> int:
        method = wit.BoardMethod_GetPwmFrequency((self.name, _extra(extra)))
        return int(self.board._ask("get_pwm_frequency", method, wit.BoardAnswer_Frequency))

    async def set_pwm_frequency(self, frequency: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        args = (self.name, _whole(frequency, "frequency", 0, 2**64 - 1), _extra(extra))
        self.board._unit("set_pwm_frequency", wit.BoardMethod_SetPwmFrequency(args))


class AnalogClient(Board.Analog):
    """An analog reader or writer of a board dependency, as Viam's `AnalogClient`."""

    def __init__(self, name: str, board: "BoardClient"):
        super().__init__(name)
        self.board = board

    async def read(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Board.Analog.Value:
        a = self.board._ask("read", wit.BoardMethod_ReadAnalog((self.name, _extra(extra))), wit.BoardAnswer_Analog)
        return Board.Analog.Value(value=a.value, min_range=a.min_range, max_range=a.max_range, step_size=a.step_size)

    async def write(self, value: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        args = (self.name, _whole(value, "value", -(2**31), 2**31 - 1), _extra(extra))
        self.board._unit("write", wit.BoardMethod_WriteAnalog(args))


class DigitalInterruptClient(Board.DigitalInterrupt):
    """A digital interrupt of a board dependency, as Viam's `DigitalInterruptClient`."""

    def __init__(self, name: str, board: "BoardClient"):
        super().__init__(name)
        self.board = board

    async def value(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> int:
        """The number of edges counted."""
        method = wit.BoardMethod_GetDigitalInterruptValue((self.name, _extra(extra)))
        return int(self.board._ask("value", method, wit.BoardAnswer_Count))


_POWER_MODES = {
    PowerMode.POWER_MODE_NORMAL: wit.PowerMode.NORMAL,
    PowerMode.POWER_MODE_OFFLINE_DEEP: wit.PowerMode.OFFLINE_DEEP,
}


class BoardClient(_ComponentClient, Board):
    """rdk:component:board: pins, analogs and digital interrupts by name,
    as Viam's. Asking for one calls nothing; its methods do."""

    def _ask(self, what: str, method: Any, answer: type) -> Any:
        return _unpack(what, self._call(wit.Method_Board(method)), wit.Answer_Board, answer)

    def _unit(self, what: str, method: Any) -> None:
        _done(what, self._call(wit.Method_Board(method)), wit.Answer_Board, wit.BoardAnswer_Unit)

    async def gpio_pin_by_name(self, name: str) -> Board.GPIOPin:
        return GPIOPinClient(_text(name, "name"), self)

    async def analog_by_name(self, name: str) -> Board.Analog:
        return AnalogClient(_text(name, "name"), self)

    async def digital_interrupt_by_name(self, name: str) -> Board.DigitalInterrupt:
        return DigitalInterruptClient(_text(name, "name"), self)

    async def set_power_mode(
        self,
        mode: int,
        duration: Optional[timedelta] = None,
        *,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> None:
        """`mode`: `PowerMode.POWER_MODE_NORMAL` or `POWER_MODE_OFFLINE_DEEP`;
        `duration` None: until told otherwise."""
        if mode not in _POWER_MODES or isinstance(mode, bool):
            raise ValueError(f"mode must be PowerMode.POWER_MODE_NORMAL (1) or POWER_MODE_OFFLINE_DEEP (2), got {mode!r}")
        nanos = None
        if duration is not None:
            if not isinstance(duration, timedelta):
                raise TypeError(f"duration must be a datetime.timedelta, got {duration!r}")
            nanos = ((duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds) * 1000
            if nanos < 0:
                raise ValueError(f"duration must not be negative, got {duration!r}")
        self._unit("set_power_mode", wit.BoardMethod_SetPowerMode((_POWER_MODES[mode], nanos, _extra(extra))))

    async def stream_ticks(self, interrupts: List[Board.DigitalInterrupt], *, extra: Extra = None, **kwargs) -> Any:
        raise _unsupported(self, "stream_ticks")


class ArmClient(_ActuatorClient, Arm):
    """rdk:component:arm. Moves start the motion and return at once."""

    def _ask(self, method: Any) -> Any:
        return self._call(wit.Method_Arm(method))

    def _unit(self, what: str, method: Any) -> None:
        _done(what, self._ask(method), wit.Answer_Arm, wit.ArmAnswer_Unit)

    async def get_end_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Pose:
        found = self._ask(wit.ArmMethod_GetEndPosition(_extra(extra)))
        return _pose(_unpack("get_end_position", found, wit.Answer_Arm, wit.ArmAnswer_Pose))

    async def move_to_position(self, pose: Pose, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        self._unit("move_to_position", wit.ArmMethod_MoveToPosition((_wit_pose(pose, "pose"), _extra(extra))))

    async def get_joint_positions(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> JointPositions:
        found = self._ask(wit.ArmMethod_GetJointPositions(_extra(extra)))
        return JointPositions(values=list(_unpack("get_joint_positions", found, wit.Answer_Arm, wit.ArmAnswer_Joints)))

    async def move_to_joint_positions(
        self, positions: JointPositions, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs
    ) -> None:
        method = wit.ArmMethod_MoveToJointPositions((_joints(positions, "positions"), _extra(extra)))
        self._unit("move_to_joint_positions", method)

    async def move_through_joint_positions(
        self,
        positions: List[JointPositions],
        options: Optional[MoveOptions] = None,
        *,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> None:
        points = [_joints(p, f"positions[{i}]") for i, p in enumerate(positions)]
        limits = None if options is None else _wit_move_options(options)
        self._unit("move_through_joint_positions", wit.ArmMethod_MoveThroughJointPositions((points, limits, _extra(extra))))

    async def get_kinematics(
        self,
        *,
        include_collision_meshes: bool = False,
        include_visual_meshes: bool = False,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> KinematicsReturn:
        """(format, data, {}): no meshes travel, whatever is asked."""
        found = self._ask(wit.ArmMethod_GetKinematics(_extra(extra)))
        return _kinematics(_unpack("get_kinematics", found, wit.Answer_Arm, wit.ArmAnswer_Kinematics))

    async def move_through_joint_positions_streamed(
        self, batches: AsyncIterator[Any], *, extra: Extra = None, timeout: Optional[float] = None, **kwargs
    ) -> AsyncIterator[Any]:
        raise _unsupported(self, "move_through_joint_positions_streamed")
        yield  # an async generator, as Viam's

    async def get_3d_models(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Mesh]:
        raise _unsupported(self, "get_3d_models")

    async def set_manual_mode(
        self, manual_mode: bool, enabled_for: int = 0, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs
    ) -> None:
        raise _unsupported(self, "set_manual_mode")

    async def get_manual_mode(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> bool:
        raise _unsupported(self, "get_manual_mode")

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Any:
        raise _unsupported(self, "get_properties")


class BaseClient(_ActuatorClient, Base):
    """rdk:component:base. `move_straight` and `spin` start the motion and
    return at once; `set_power` and `set_velocity` hold until told otherwise."""

    def _unit(self, what: str, method: Any) -> None:
        _done(what, self._call(wit.Method_Base(method)), wit.Answer_Base, wit.BaseAnswer_Unit)

    async def move_straight(self, distance: int, velocity: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        """`distance` mm (negative: backwards) at `velocity` mm/s."""
        args = (_whole(distance, "distance", -(2**63), 2**63 - 1), _f64(velocity, "velocity"), _extra(extra))
        self._unit("move_straight", wit.BaseMethod_MoveStraight(args))

    async def spin(self, angle: float, velocity: float, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        """`angle` degrees (positive: left) at `velocity` degrees/s."""
        self._unit("spin", wit.BaseMethod_Spin((_f64(angle, "angle"), _f64(velocity, "velocity"), _extra(extra))))

    async def set_power(self, linear: Vector3, angular: Vector3, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        args = (_wit_vector(linear, "linear"), _wit_vector(angular, "angular"), _extra(extra))
        self._unit("set_power", wit.BaseMethod_SetPower(args))

    async def set_velocity(self, linear: Vector3, angular: Vector3, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        args = (_wit_vector(linear, "linear"), _wit_vector(angular, "angular"), _extra(extra))
        self._unit("set_velocity", wit.BaseMethod_SetVelocity(args))

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Base.Properties:
        found = self._call(wit.Method_Base(wit.BaseMethod_GetProperties(_extra(extra))))
        p = _unpack("get_properties", found, wit.Answer_Base, wit.BaseAnswer_Properties)
        return Base.Properties(p.width_meters, p.turning_radius_meters, p.wheel_circumference_meters)


class GripperClient(_ActuatorClient, Gripper):
    """rdk:component:gripper. `open` and `grab` start the motion and return at once."""

    def _ask(self, method: Any) -> Any:
        return self._call(wit.Method_Gripper(method))

    async def open(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        _done("open", self._ask(wit.GripperMethod_Open(_extra(extra))), wit.Answer_Gripper, wit.GripperAnswer_Unit)

    async def grab(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> bool:
        """Starts closing and returns at once. Viam's grab answers whether
        the gripper caught something once closed; here the fingers are still
        moving, so this returns what `is_holding_something` says right after
        the start (True when the gripper cannot tell). For the outcome, wait
        until `is_moving()` is False, then ask `is_holding_something()`."""
        _done("grab", self._ask(wit.GripperMethod_Grab(_extra(extra))), wit.Answer_Gripper, wit.GripperAnswer_Unit)
        try:
            status = await self.is_holding_something(extra=extra)
        except errors.Unimplemented:
            return True
        return status.is_holding_something

    async def is_holding_something(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Gripper.HoldingStatus:
        found = self._ask(wit.GripperMethod_IsHoldingSomething(_extra(extra)))
        h = _unpack("is_holding_something", found, wit.Answer_Gripper, wit.GripperAnswer_Holding)
        return Gripper.HoldingStatus(h.is_holding_something, meta=_values.to_python(h.meta) or {})

    async def get_kinematics(
        self,
        *,
        include_collision_meshes: bool = False,
        include_visual_meshes: bool = False,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> KinematicsReturn:
        """(format, data, {}): no meshes travel, whatever is asked."""
        found = self._ask(wit.GripperMethod_GetKinematics(_extra(extra)))
        return _kinematics(_unpack("get_kinematics", found, wit.Answer_Gripper, wit.GripperAnswer_Kinematics))

    async def get_current_inputs(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[float]:
        raise _unsupported(self, "get_current_inputs")

    async def go_to_inputs(self, values: List[float], *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> None:
        raise _unsupported(self, "go_to_inputs")


class GantryClient(_ActuatorClient, Gantry):
    """rdk:component:gantry: one value per axis, mm. `move_to_position` and
    `home` start the motion and return at once."""

    def _ask(self, method: Any) -> Any:
        return self._call(wit.Method_Gantry(method))

    def _axes(self, what: str, method: Any) -> List[float]:
        return list(_unpack(what, self._ask(method), wit.Answer_Gantry, wit.GantryAnswer_Axes))

    async def get_position(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[float]:
        return self._axes("get_position", wit.GantryMethod_GetPosition(_extra(extra)))

    async def move_to_position(
        self, positions: List[float], speeds: List[float], *, extra: Extra = None, timeout: Optional[float] = None, **kwargs
    ) -> None:
        method = wit.GantryMethod_MoveToPosition((_f64s(positions, "positions"), _f64s(speeds, "speeds"), _extra(extra)))
        _done("move_to_position", self._ask(method), wit.Answer_Gantry, wit.GantryAnswer_Unit)

    async def home(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> bool:
        """Starts homing and returns True at once (Viam's home answers True
        once homed): wait until `is_moving()` is False for the end."""
        _done("home", self._ask(wit.GantryMethod_Home(_extra(extra))), wit.Answer_Gantry, wit.GantryAnswer_Unit)
        return True

    async def get_lengths(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[float]:
        return self._axes("get_lengths", wit.GantryMethod_GetLengths(_extra(extra)))

    async def get_kinematics(
        self,
        *,
        include_collision_meshes: bool = False,
        include_visual_meshes: bool = False,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> KinematicsReturn:
        """(format, data, {}): no meshes travel, whatever is asked."""
        found = self._ask(wit.GantryMethod_GetKinematics(_extra(extra)))
        return _kinematics(_unpack("get_kinematics", found, wit.Answer_Gantry, wit.GantryAnswer_Kinematics))


class PowerSensorClient(_ComponentClient, PowerSensor):
    """rdk:component:power_sensor"""

    def _ask(self, what: str, method: Any, answer: type) -> Any:
        return _unpack(what, self._call(wit.Method_PowerSensor(method)), wit.Answer_PowerSensor, answer)

    async def get_voltage(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[float, bool]:
        """(volts, is_ac)"""
        e = self._ask("get_voltage", wit.PowerSensorMethod_GetVoltage(_extra(extra)), wit.PowerSensorAnswer_Electrical)
        return e.value, e.is_ac

    async def get_current(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Tuple[float, bool]:
        """(amperes, is_ac)"""
        e = self._ask("get_current", wit.PowerSensorMethod_GetCurrent(_extra(extra)), wit.PowerSensorAnswer_Electrical)
        return e.value, e.is_ac

    async def get_power(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> float:
        """Watts."""
        return float(self._ask("get_power", wit.PowerSensorMethod_GetPower(_extra(extra)), wit.PowerSensorAnswer_Watts))

    async def get_readings(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> Mapping[str, Any]:
        return await self._readings(extra)


class SwitchClient(_ComponentClient, Switch):
    """rdk:component:switch. Positions count from 0."""

    def _ask(self, method: Any) -> Any:
        return self._call(wit.Method_Switch(method))

    async def get_position(self, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> int:
        found = self._ask(wit.SwitchMethod_GetPosition(_extra(extra)))
        return int(_unpack("get_position", found, wit.Answer_Switch, wit.SwitchAnswer_Position))

    async def set_position(self, position: int, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> None:
        found = self._ask(wit.SwitchMethod_SetPosition((_u32(position, "position"), _extra(extra))))
        _done("set_position", found, wit.Answer_Switch, wit.SwitchAnswer_Unit)

    async def get_number_of_positions(
        self, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs
    ) -> Tuple[int, Sequence[str]]:
        """(count, labels): one label per position, or none."""
        found = self._ask(wit.SwitchMethod_GetNumberOfPositions(_extra(extra)))
        p = _unpack("get_number_of_positions", found, wit.Answer_Switch, wit.SwitchAnswer_Positions)
        return p.number_of_positions, list(p.labels)


class ButtonClient(_ComponentClient, Button):
    """rdk:component:button"""

    async def push(self, *, extra: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None, **kwargs) -> None:
        found = self._call(wit.Method_Button(wit.ButtonMethod_Push(_extra(extra))))
        _done("push", found, wit.Answer_Button, wit.ButtonAnswer_Unit)


def _detection(d: api_types.Detection) -> Detection:
    return Detection(
        x_min=d.x_min, y_min=d.y_min, x_max=d.x_max, y_max=d.y_max, confidence=d.confidence,
        class_name=d.class_name, x_min_normalized=d.x_min_normalized, y_min_normalized=d.y_min_normalized,
        x_max_normalized=d.x_max_normalized, y_max_normalized=d.y_max_normalized,
    )


def _classification(c: api_types.Classification) -> Classification:
    return Classification(class_name=c.class_name, confidence=c.confidence)


def _object(o: api_types.PointCloudObject) -> PointCloudObject:
    return PointCloudObject(
        point_cloud=bytes(o.point_cloud),
        geometries=GeometriesInFrame(reference_frame=o.reference_frame, geometries=[_geometry(g) for g in o.geometries]),
    )


def _wit_image(image: Any) -> api_types.Image:
    """A `ViamImage` (or a camera's `NamedImage`) as the contract's image."""
    data = getattr(image, "data", None)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected a ViamImage, got {type(image).__name__}")
    mime = getattr(image, "mime_type", "")
    return api_types.Image(str(getattr(image, "name", "") or ""), str(getattr(mime, "value", mime)), bytes(data))


class VisionClient(DependencyClient, Vision):
    """rdk:service:vision, through the host's `vision-calls` import
    (contract 0.2.1)."""

    def _ask(self, what: str, method: Any, answer: type) -> Any:
        found = _host(vision_calls.call, self._handle, method)
        if not isinstance(found, answer):
            raise errors.Internal(f"{what}: the vision service answered {found!r}, expected {answer.__name__}")
        return found.value

    async def get_detections_from_camera(self, camera_name: str, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Detection]:
        method = vision_calls.VisionMethod_GetDetectionsFromCamera((_text(camera_name, "camera_name"), _extra(extra)))
        return [_detection(d) for d in self._ask("get_detections_from_camera", method, vision_calls.VisionAnswer_Detections)]

    async def get_detections(self, image: ViamImage, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Detection]:
        method = vision_calls.VisionMethod_GetDetections((_wit_image(image), _extra(extra)))
        return [_detection(d) for d in self._ask("get_detections", method, vision_calls.VisionAnswer_Detections)]

    async def get_classifications_from_camera(self, camera_name: str, count: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Classification]:
        method = vision_calls.VisionMethod_GetClassificationsFromCamera(
            (_text(camera_name, "camera_name"), _u32(count, "count"), _extra(extra)))
        found = self._ask("get_classifications_from_camera", method, vision_calls.VisionAnswer_Classifications)
        return [_classification(c) for c in found]

    async def get_classifications(self, image: ViamImage, count: int, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[Classification]:
        method = vision_calls.VisionMethod_GetClassifications((_wit_image(image), _u32(count, "count"), _extra(extra)))
        return [_classification(c) for c in self._ask("get_classifications", method, vision_calls.VisionAnswer_Classifications)]

    async def get_object_point_clouds(self, camera_name: str, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> List[PointCloudObject]:
        method = vision_calls.VisionMethod_GetObjectPointClouds(
            (_text(camera_name, "camera_name"), CameraMimeType.PCD.value, _extra(extra)))
        return [_object(o) for o in self._ask("get_object_point_clouds", method, vision_calls.VisionAnswer_Objects)]

    async def get_properties(self, *, extra: Extra = None, timeout: Optional[float] = None, **kwargs) -> GetPropertiesResponse:
        p = self._ask("get_properties", vision_calls.VisionMethod_GetProperties(_extra(extra)), vision_calls.VisionAnswer_Properties)
        return GetPropertiesResponse(p.classifications_supported, p.detections_supported,
                                     p.object_point_clouds_supported, p.default_camera)

    async def capture_all_from_camera(
        self,
        camera_name: str,
        return_image: bool = False,
        return_classifications: bool = False,
        return_detections: bool = False,
        return_object_point_clouds: bool = False,
        *,
        extra: Extra = None,
        timeout: Optional[float] = None,
        **kwargs,
    ) -> CaptureAllResult:
        P = api_types.CaptureParts
        parts = P(0)
        for asked, part in ((return_image, P.IMAGE), (return_classifications, P.CLASSIFICATIONS),
                            (return_detections, P.DETECTIONS), (return_object_point_clouds, P.OBJECT_POINT_CLOUDS)):
            if asked:
                parts |= part
        method = vision_calls.VisionMethod_CaptureAllFromCamera((_text(camera_name, "camera_name"), parts, _extra(extra)))
        all_ = self._ask("capture_all_from_camera", method, vision_calls.VisionAnswer_CaptureAll)
        # As Viam's client: a part not asked for is None.
        return CaptureAllResult(
            image=from_record(all_.image) if return_image and all_.image is not None else None,
            classifications=[_classification(c) for c in all_.classifications] if return_classifications else None,
            detections=[_detection(d) for d in all_.detections] if return_detections else None,
            objects=[_object(o) for o in all_.objects] if return_object_point_clouds else None,
            extra=_values.to_python(all_.extra) or {},
        )


class GenericComponentClient(_ComponentClient, GenericComponent):
    """rdk:component:generic: DoCommand (and geometries)."""


class GenericServiceClient(DependencyClient, GenericService):
    """rdk:service:generic: DoCommand."""


CLIENTS: Dict[str, type] = {
    "rdk:component:sensor": SensorClient,
    "rdk:component:movement_sensor": MovementSensorClient,
    "rdk:component:camera": CameraClient,
    "rdk:component:motor": MotorClient,
    "rdk:component:servo": ServoClient,
    "rdk:component:encoder": EncoderClient,
    "rdk:component:board": BoardClient,
    "rdk:component:arm": ArmClient,
    "rdk:component:base": BaseClient,
    "rdk:component:gripper": GripperClient,
    "rdk:component:gantry": GantryClient,
    "rdk:component:power_sensor": PowerSensorClient,
    "rdk:component:switch": SwitchClient,
    "rdk:component:button": ButtonClient,
    "rdk:component:generic": GenericComponentClient,
    "rdk:service:generic": GenericServiceClient,
    "rdk:service:vision": VisionClient,
}


def client_for(handle: Any) -> DependencyClient:
    """The client for a `deps.dependency` handle, chosen by its API."""
    return CLIENTS.get(handle.api(), DependencyClient)(handle)
