//! Into the guest: a [`Call`] on a resource of one API, entered in the
//! guest interface of that API (`apis/<api>.rs` holds each API's own way
//! in). Generic over the Store's data, so that this layer knows nothing of
//! the sandbox that owns the Store.

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::call::{Call, Reply};
use crate::apis::{
    arm, base, board, button, camera, encoder, gantry, gripper, motor, movement_sensor, power_sensor, sensor, servo,
    switch, vision,
};
use crate::core::api::ApiKind;
use crate::core::bindings::{Answer, Guest};
use crate::core::error::CallError;

/// Runs `call` on the guest resource `r` of API `kind`.
pub async fn enter<T: Send + 'static>(
    kind: ApiKind,
    guest: &Guest,
    s: &mut Store<T>,
    r: ResourceAny,
    call: Call,
) -> Answer<Reply> {
    use ApiKind as K;
    let wrong = |what: &str| -> Answer<Reply> {
        Ok(Err(CallError::unimplemented(format!(
            "a {} has no {what}",
            kind.info().subtype
        ))
        .into()))
    };
    let g = &guest.v1;
    let model = g.model.instance();
    // The APIs contract 0.2.0 added. A module of 0.1.0 that lists a model
    // of one is refused when it loads (`runtime::component`), so a call of
    // theirs reaching one is a host bug.
    let added = || {
        guest.added.as_ref().ok_or_else(|| {
            wasmtime::format_err!("a {} call reached a component of contract 0.1.0", kind.info().subtype)
        })
    };
    Ok(match (call, kind) {
        (Call::DoCommand(v), _) => model.call_do_command(s, r, &v).await?.map(Reply::Value),
        (Call::GetGeometries(v), _) => model.call_get_geometries(s, r, &v).await?.map(Reply::Geometries),
        (Call::GetReadings(v), K::Sensor) => sensor::readings(g, s, r, &v).await?.map(Reply::Value),
        (Call::GetReadings(v), K::MovementSensor) => movement_sensor::readings(g, s, r, &v).await?.map(Reply::Value),
        (Call::GetReadings(v), K::PowerSensor) => power_sensor::readings(added()?, s, r, &v).await?.map(Reply::Value),
        (Call::GetReadings(_), _) => return wrong("readings"),
        (Call::Stop(v), K::Motor) => motor::stop(g, s, r, &v).await?.map(|()| Reply::Unit),
        (Call::Stop(v), K::Servo) => servo::stop(g, s, r, &v).await?.map(|()| Reply::Unit),
        (Call::Stop(v), K::Arm) => arm::stop(added()?, s, r, &v).await?.map(|()| Reply::Unit),
        (Call::Stop(v), K::Base) => base::stop(added()?, s, r, &v).await?.map(|()| Reply::Unit),
        (Call::Stop(v), K::Gripper) => gripper::stop(added()?, s, r, &v).await?.map(|()| Reply::Unit),
        (Call::Stop(v), K::Gantry) => gantry::stop(added()?, s, r, &v).await?.map(|()| Reply::Unit),
        (Call::Stop(_), _) => return wrong("stop"),
        (Call::IsMoving, K::Motor) => motor::is_moving(g, s, r).await?.map(Reply::Bool),
        (Call::IsMoving, K::Servo) => servo::is_moving(g, s, r).await?.map(Reply::Bool),
        (Call::IsMoving, K::Arm) => arm::is_moving(added()?, s, r).await?.map(Reply::Bool),
        (Call::IsMoving, K::Base) => base::is_moving(added()?, s, r).await?.map(Reply::Bool),
        (Call::IsMoving, K::Gripper) => gripper::is_moving(added()?, s, r).await?.map(Reply::Bool),
        (Call::IsMoving, K::Gantry) => gantry::is_moving(added()?, s, r).await?.map(Reply::Bool),
        (Call::IsMoving, _) => return wrong("is-moving"),
        (Call::CaptureFrame(_), _) => return wrong("frame capture (only built-in cameras have it)"),
        (Call::MovementSensor(c), K::MovementSensor) => movement_sensor::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Camera(c), K::Camera) => camera::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Motor(c), K::Motor) => motor::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Servo(c), K::Servo) => servo::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Encoder(c), K::Encoder) => encoder::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Board(c), K::Board) => board::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Arm(c), K::Arm) => arm::enter(added()?, s, r, c).await?.map(Reply::from),
        (Call::Base(c), K::Base) => base::enter(added()?, s, r, c).await?.map(Reply::from),
        (Call::Gripper(c), K::Gripper) => gripper::enter(added()?, s, r, c).await?.map(Reply::from),
        (Call::Gantry(c), K::Gantry) => gantry::enter(added()?, s, r, c).await?.map(Reply::from),
        (Call::PowerSensor(c), K::PowerSensor) => power_sensor::enter(added()?, s, r, c).await?.map(Reply::from),
        (Call::Switch(c), K::Switch) => switch::enter(added()?, s, r, c).await?.map(Reply::from),
        (Call::Button(c), K::Button) => button::enter(added()?, s, r, c).await?.map(Reply::from),
        (Call::Vision(c), K::Vision) => vision::enter(added()?, s, r, c).await?.map(Reply::from),
        (c, _) => return wrong(c.method()),
    })
}
