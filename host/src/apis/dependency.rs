//! A guest's typed call on its dependency (the `calls` import, and
//! `vision-calls` for a vision service): the WIT method becomes the
//! machine's [`Call`], and the [`Reply`] its answer,
//! through each API's own conversions (`apis/<api>.rs`). Which resource
//! answers, and how, is the capability's business (`capabilities::calls`).

use crate::apis::call::{Call, Reply};
use crate::core::bindings::armature::module::calls::{Answer, Method};
use crate::core::bindings::armature::module::vision_calls::{VisionAnswer, VisionMethod};
use crate::core::error::CallError;

impl From<Method> for Call {
    fn from(m: Method) -> Self {
        match m {
            Method::DoCommand(v) => Call::DoCommand(v),
            Method::GetGeometries(v) => Call::GetGeometries(v),
            Method::GetReadings(v) => Call::GetReadings(v),
            Method::Stop(v) => Call::Stop(v),
            Method::IsMoving => Call::IsMoving,
            Method::MovementSensor(m) => Call::MovementSensor(m.into()),
            Method::Camera(m) => Call::Camera(m.into()),
            Method::Motor(m) => Call::Motor(m.into()),
            Method::Servo(m) => Call::Servo(m.into()),
            Method::Encoder(m) => Call::Encoder(m.into()),
            Method::Board(m) => Call::Board(m.into()),
            Method::Arm(m) => Call::Arm(m.into()),
            Method::Base(m) => Call::Base(m.into()),
            Method::Gripper(m) => Call::Gripper(m.into()),
            Method::Gantry(m) => Call::Gantry(m.into()),
            Method::PowerSensor(m) => Call::PowerSensor(m.into()),
            Method::Switch(m) => Call::Switch(m.into()),
            Method::Button(m) => Call::Button(m.into()),
        }
    }
}

/// The answer a dependent guest sees. A frame is the `camera-capture`
/// capability's, never a dependency's answer: a host bug, INTERNAL.
pub fn answer(reply: Reply) -> Result<Answer, CallError> {
    Ok(match reply {
        Reply::Unit => Answer::Unit,
        Reply::Bool(b) => Answer::Boolean(b),
        Reply::Value(v) => Answer::Value(v),
        Reply::Geometries(g) => Answer::Geometries(g),
        Reply::Frame(_) => return Err(CallError::internal("a frame is not a dependency's answer")),
        Reply::MovementSensor(r) => Answer::MovementSensor(r.into()),
        Reply::Camera(r) => Answer::Camera(r.into()),
        Reply::Motor(r) => Answer::Motor(r.into()),
        Reply::Servo(r) => Answer::Servo(r.into()),
        Reply::Encoder(r) => Answer::Encoder(r.into()),
        Reply::Board(r) => Answer::Board(r.try_into()?),
        Reply::Arm(r) => Answer::Arm(r.into()),
        Reply::Base(r) => Answer::Base(r.into()),
        Reply::Gripper(r) => Answer::Gripper(r.into()),
        Reply::Gantry(r) => Answer::Gantry(r.into()),
        Reply::PowerSensor(r) => Answer::PowerSensor(r.into()),
        Reply::Switch(r) => Answer::Switch(r.into()),
        Reply::Button(r) => Answer::Button(r.into()),
        // A vision service answers through `vision-calls`.
        Reply::Vision(_) => return Err(CallError::internal("a vision answer is not a `calls` answer")),
    })
}

impl From<VisionMethod> for Call {
    fn from(m: VisionMethod) -> Self {
        Call::Vision(m.into())
    }
}

/// The answer a dependent guest sees from a vision service.
pub fn vision_answer(reply: Reply) -> Result<VisionAnswer, CallError> {
    match reply {
        Reply::Vision(r) => Ok(r.into()),
        other => Err(CallError::internal(format!("a vision service answered {other:?}"))),
    }
}
