//! A call on a resource, as data: what every API shares, or one API's own
//! call (`apis/<api>.rs`). The gRPC layer, a guest calling its dependency,
//! a capture or a capability builds a `Call`; whatever serves the resource
//! — a guest sandbox or a built-in model — answers with a `Reply`. Values
//! use the WIT types, so a guest-to-guest dependency call converts nothing.

use crate::apis::{
    arm, base, board, button, camera, encoder, gantry, gripper, motor, movement_sensor, power_sensor, servo, switch,
    vision,
};
use crate::core::api::ApiKind;
use crate::core::bindings::Value;
use crate::core::bindings::armature::module::camera_capture::{Frame, FrameFormat};
use crate::core::bindings::armature::module::types::Geometry;
use crate::core::error::CallError;

/// One method call with its arguments.
#[derive(Debug, Clone)]
pub enum Call {
    // What every API, or several, share; the resource's API picks the
    // guest interface (`apis::guest`).
    DoCommand(Value),
    GetGeometries(Value),
    /// Sensor, movement sensor, power sensor.
    GetReadings(Value),
    /// Every actuator (motor, servo, arm, base, gripper, gantry).
    Stop(Value),
    /// Every actuator.
    IsMoving,
    /// A raw frame for a guest's `camera-capture` import; only built-in
    /// cameras answer it.
    CaptureFrame(FrameFormat),

    MovementSensor(movement_sensor::Call),
    Camera(camera::Call),
    Motor(motor::Call),
    Servo(servo::Call),
    Encoder(encoder::Call),
    Board(board::Call),
    Arm(arm::Call),
    Base(base::Call),
    Gripper(gripper::Call),
    Gantry(gantry::Call),
    PowerSensor(power_sensor::Call),
    Switch(switch::Call),
    Button(button::Call),
    Vision(vision::Call),
}

impl Call {
    /// The API whose own method this is; `None` for what several share.
    pub fn api(&self) -> Option<ApiKind> {
        use ApiKind as K;
        Some(match self {
            Call::DoCommand(_)
            | Call::GetGeometries(_)
            | Call::GetReadings(_)
            | Call::Stop(_)
            | Call::IsMoving
            | Call::CaptureFrame(_) => return None,
            Call::MovementSensor(_) => K::MovementSensor,
            Call::Camera(_) => K::Camera,
            Call::Motor(_) => K::Motor,
            Call::Servo(_) => K::Servo,
            Call::Encoder(_) => K::Encoder,
            Call::Board(_) => K::Board,
            Call::Arm(_) => K::Arm,
            Call::Base(_) => K::Base,
            Call::Gripper(_) => K::Gripper,
            Call::Gantry(_) => K::Gantry,
            Call::PowerSensor(_) => K::PowerSensor,
            Call::Switch(_) => K::Switch,
            Call::Button(_) => K::Button,
            Call::Vision(_) => K::Vision,
        })
    }

    /// Whether it starts a motion, superseding the one in progress: a
    /// client waiting on that one is answered.
    pub fn starts_motion(&self) -> bool {
        match self {
            Call::Motor(c) => c.starts_motion(),
            Call::Servo(c) => c.starts_motion(),
            Call::Arm(c) => c.starts_motion(),
            Call::Base(c) => c.starts_motion(),
            Call::Gripper(c) => c.starts_motion(),
            Call::Gantry(c) => c.starts_motion(),
            _ => false,
        }
    }

    /// The method's name, for errors and metrics.
    pub fn method(&self) -> &'static str {
        match self {
            Call::DoCommand(_) => "DoCommand",
            Call::GetGeometries(_) => "GetGeometries",
            Call::GetReadings(_) => "GetReadings",
            Call::Stop(_) => "Stop",
            Call::IsMoving => "IsMoving",
            Call::CaptureFrame(_) => "CaptureFrame",
            Call::MovementSensor(c) => c.method(),
            Call::Camera(c) => c.method(),
            Call::Motor(c) => c.method(),
            Call::Servo(c) => c.method(),
            Call::Encoder(c) => c.method(),
            Call::Board(c) => c.method(),
            Call::Arm(c) => c.method(),
            Call::Base(c) => c.method(),
            Call::Gripper(c) => c.method(),
            Call::Gantry(c) => c.method(),
            Call::PowerSensor(c) => c.method(),
            Call::Switch(c) => c.method(),
            Call::Button(c) => c.method(),
            Call::Vision(c) => c.method(),
        }
    }
}

/// The answer to a [`Call`].
#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    /// IsMoving.
    Bool(bool),
    /// DoCommand, GetReadings.
    Value(Value),
    Geometries(Vec<Geometry>),
    Frame(Frame),

    MovementSensor(movement_sensor::Reply),
    Camera(camera::Reply),
    Motor(motor::Reply),
    Servo(servo::Reply),
    Encoder(encoder::Reply),
    Board(board::Reply),
    Arm(arm::Reply),
    Base(base::Reply),
    Gripper(gripper::Reply),
    Gantry(gantry::Reply),
    PowerSensor(power_sensor::Reply),
    Switch(switch::Reply),
    Button(button::Reply),
    Vision(vision::Reply),
}

/// Each API's own call becomes a `Call`, and a `Reply` its own again.
macro_rules! api_calls {
    ($($api:ident => $variant:ident;)*) => {
        $(
            impl From<$api::Call> for Call {
                fn from(c: $api::Call) -> Self {
                    Call::$variant(c)
                }
            }

            impl From<$api::Reply> for Reply {
                fn from(r: $api::Reply) -> Self {
                    Reply::$variant(r)
                }
            }

            impl TryFrom<Reply> for $api::Reply {
                type Error = CallError;
                fn try_from(r: Reply) -> Result<Self, CallError> {
                    match r {
                        Reply::$variant(r) => Ok(r),
                        other => Err(mismatch(stringify!($variant), &other)),
                    }
                }
            }
        )*
    };
}

api_calls! {
    movement_sensor => MovementSensor;
    camera => Camera;
    motor => Motor;
    servo => Servo;
    encoder => Encoder;
    board => Board;
    arm => Arm;
    base => Base;
    gripper => Gripper;
    gantry => Gantry;
    power_sensor => PowerSensor;
    switch => Switch;
    button => Button;
    vision => Vision;
}

fn mismatch(expected: &str, got: &Reply) -> CallError {
    CallError::internal(format!("expected a {expected} reply, got {got:?}"))
}

impl Reply {
    pub fn into_unit(self) -> Result<(), CallError> {
        match self {
            Reply::Unit => Ok(()),
            other => Err(mismatch("Unit", &other)),
        }
    }

    pub fn into_bool(self) -> Result<bool, CallError> {
        match self {
            Reply::Bool(b) => Ok(b),
            other => Err(mismatch("Bool", &other)),
        }
    }

    pub fn into_value(self) -> Result<Value, CallError> {
        match self {
            Reply::Value(v) => Ok(v),
            other => Err(mismatch("Value", &other)),
        }
    }

    pub fn into_geometries(self) -> Result<Vec<Geometry>, CallError> {
        match self {
            Reply::Geometries(g) => Ok(g),
            other => Err(mismatch("Geometries", &other)),
        }
    }

    pub fn into_frame(self) -> Result<Frame, CallError> {
        match self {
            Reply::Frame(f) => Ok(f),
            other => Err(mismatch("Frame", &other)),
        }
    }
}
