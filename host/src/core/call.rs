//! A call on a resource, as data. The gRPC layer (and a guest calling its
//! dependency) builds a `Call`; whatever serves the resource — a guest
//! sandbox or a built-in model — answers with a `Reply`. Values use the WIT
//! types, so a guest-to-guest dependency call converts nothing.

use crate::core::bindings::Value;
use crate::core::bindings::armature::module::camera_capture::{Frame, FrameFormat};
use crate::core::bindings::armature::module::types::{Geometry, Orientation, Vector3};
use crate::core::bindings::exports::armature::module::{board, camera, encoder, motor, movement_sensor};
use crate::core::error::CallError;

/// One method call with its arguments. Methods shared by several APIs
/// (readings, stop, is-moving) appear once; the resource's API picks the
/// interface.
#[derive(Debug, Clone)]
pub enum Call {
    DoCommand(Value),
    GetGeometries(Value),
    /// Sensor and movement sensor.
    GetReadings(Value),
    /// Motor and servo.
    Stop(Value),
    /// Motor and servo.
    IsMoving,

    MsPosition(Value),
    MsLinearVelocity(Value),
    MsAngularVelocity(Value),
    MsLinearAcceleration(Value),
    MsCompassHeading(Value),
    MsOrientation(Value),
    MsProperties(Value),
    MsAccuracy(Value),

    /// A raw frame for a guest's `camera-capture` import; only built-in
    /// cameras answer it.
    CaptureFrame(FrameFormat),
    GetImages {
        filter: Vec<String>,
        extra: Value,
    },
    GetPointCloud {
        mime_type: String,
        extra: Value,
    },
    CameraProperties,

    SetPower {
        power_pct: f64,
        extra: Value,
    },
    GoFor {
        rpm: f64,
        revolutions: f64,
        extra: Value,
    },
    GoTo {
        rpm: f64,
        position: f64,
        extra: Value,
    },
    SetRpm {
        rpm: f64,
        extra: Value,
    },
    ResetZeroPosition {
        offset: f64,
        extra: Value,
    },
    MotorPosition(Value),
    MotorProperties(Value),
    IsPowered(Value),

    ServoMove {
        angle_deg: u32,
        extra: Value,
    },
    ServoPosition(Value),

    EncoderPosition {
        position_type: encoder::PositionType,
        extra: Value,
    },
    ResetPosition(Value),
    EncoderProperties(Value),

    SetGpio {
        pin: String,
        high: bool,
        extra: Value,
    },
    GetGpio {
        pin: String,
        extra: Value,
    },
    GetPwm {
        pin: String,
        extra: Value,
    },
    SetPwm {
        pin: String,
        duty: f64,
        extra: Value,
    },
    GetPwmFrequency {
        pin: String,
        extra: Value,
    },
    SetPwmFrequency {
        pin: String,
        hz: u64,
        extra: Value,
    },
    ReadAnalog {
        reader: String,
        extra: Value,
    },
    WriteAnalog {
        pin: String,
        value: i32,
        extra: Value,
    },
    GetDigitalInterruptValue {
        interrupt: String,
        extra: Value,
    },
    ReadTicks {
        interrupts: Vec<String>,
        since_ns: u64,
    },
    SetPowerMode {
        mode: board::PowerMode,
        duration_ns: Option<u64>,
        extra: Value,
    },
}

impl Call {
    /// The method's name, for errors and metrics.
    pub fn method(&self) -> &'static str {
        match self {
            Call::DoCommand(_) => "DoCommand",
            Call::GetGeometries(_) => "GetGeometries",
            Call::GetReadings(_) => "GetReadings",
            Call::Stop(_) => "Stop",
            Call::IsMoving => "IsMoving",
            Call::MsPosition(_) | Call::MotorPosition(_) | Call::ServoPosition(_) | Call::EncoderPosition { .. } => {
                "GetPosition"
            }
            Call::MsLinearVelocity(_) => "GetLinearVelocity",
            Call::MsAngularVelocity(_) => "GetAngularVelocity",
            Call::MsLinearAcceleration(_) => "GetLinearAcceleration",
            Call::MsCompassHeading(_) => "GetCompassHeading",
            Call::MsOrientation(_) => "GetOrientation",
            Call::MsProperties(_) | Call::CameraProperties | Call::MotorProperties(_) | Call::EncoderProperties(_) => {
                "GetProperties"
            }
            Call::MsAccuracy(_) => "GetAccuracy",
            Call::GetImages { .. } => "GetImages",
            Call::CaptureFrame(_) => "CaptureFrame",
            Call::GetPointCloud { .. } => "GetPointCloud",
            Call::SetPower { .. } => "SetPower",
            Call::GoFor { .. } => "GoFor",
            Call::GoTo { .. } => "GoTo",
            Call::SetRpm { .. } => "SetRPM",
            Call::ResetZeroPosition { .. } => "ResetZeroPosition",
            Call::IsPowered(_) => "IsPowered",
            Call::ServoMove { .. } => "Move",
            Call::ResetPosition(_) => "ResetPosition",
            Call::SetGpio { .. } => "SetGPIO",
            Call::GetGpio { .. } => "GetGPIO",
            Call::GetPwm { .. } => "PWM",
            Call::SetPwm { .. } => "SetPWM",
            Call::GetPwmFrequency { .. } => "PWMFrequency",
            Call::SetPwmFrequency { .. } => "SetPWMFrequency",
            Call::ReadAnalog { .. } => "ReadAnalogReader",
            Call::WriteAnalog { .. } => "WriteAnalog",
            Call::GetDigitalInterruptValue { .. } => "GetDigitalInterruptValue",
            Call::ReadTicks { .. } => "StreamTicks",
            Call::SetPowerMode { .. } => "SetPowerMode",
        }
    }
}

/// The answer to a [`Call`].
#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    Bool(bool),
    F64(f64),
    U32(u32),
    U64(u64),
    I64(i64),
    Value(Value),
    Geometries(Vec<Geometry>),
    Vector3(Vector3),
    Orientation(Orientation),
    GeoPosition(movement_sensor::GeoPosition),
    MsProperties(movement_sensor::Properties),
    Accuracy(movement_sensor::Accuracy),
    Images(Vec<camera::Image>),
    PointCloud(camera::PointCloud),
    CameraProperties(camera::Properties),
    MotorProperties(motor::Properties),
    PowerState(motor::PowerState),
    EncoderPosition(encoder::Position),
    EncoderProperties(encoder::Properties),
    AnalogReading(board::AnalogReading),
    Ticks(Vec<board::Tick>),
    Frame(Frame),
}

macro_rules! accessors {
    ($($fn_name:ident: $variant:ident => $ty:ty;)*) => {
        impl Reply {
            $(
                /// The reply of this shape, or an internal error if another came back.
                pub fn $fn_name(self) -> Result<$ty, CallError> {
                    match self {
                        Reply::$variant(v) => Ok(v),
                        other => Err(mismatch(stringify!($variant), &other)),
                    }
                }
            )*
        }
    };
}

fn mismatch(expected: &str, got: &Reply) -> CallError {
    CallError::internal(format!("expected a {expected} reply, got {got:?}"))
}

accessors! {
    into_bool: Bool => bool;
    into_f64: F64 => f64;
    into_u32: U32 => u32;
    into_u64: U64 => u64;
    into_i64: I64 => i64;
    into_value: Value => Value;
    into_geometries: Geometries => Vec<Geometry>;
    into_vector3: Vector3 => Vector3;
    into_orientation: Orientation => Orientation;
    into_geo_position: GeoPosition => movement_sensor::GeoPosition;
    into_ms_properties: MsProperties => movement_sensor::Properties;
    into_accuracy: Accuracy => movement_sensor::Accuracy;
    into_images: Images => Vec<camera::Image>;
    into_point_cloud: PointCloud => camera::PointCloud;
    into_camera_properties: CameraProperties => camera::Properties;
    into_motor_properties: MotorProperties => motor::Properties;
    into_power_state: PowerState => motor::PowerState;
    into_encoder_position: EncoderPosition => encoder::Position;
    into_encoder_properties: EncoderProperties => encoder::Properties;
    into_analog_reading: AnalogReading => board::AnalogReading;
    into_ticks: Ticks => Vec<board::Tick>;
    into_frame: Frame => Frame;
}

impl Reply {
    pub fn into_unit(self) -> Result<(), CallError> {
        match self {
            Reply::Unit => Ok(()),
            other => Err(mismatch("Unit", &other)),
        }
    }
}
