//! Into the guest: a [`Call`] on a resource of one API, entered in the
//! guest interface of that API (`apis/<api>.rs` holds each API's own way
//! in). Generic over the Store's data, so that this layer knows nothing of
//! the sandbox that owns the Store.

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::call::{Call, Reply};
use crate::apis::{board, camera, encoder, motor, movement_sensor, sensor, servo};
use crate::core::api::ApiKind;
use crate::core::bindings::{Answer, Module};
use crate::core::error::CallError;

/// Runs `call` on the guest resource `r` of API `kind`.
pub async fn enter<T: Send + 'static>(
    kind: ApiKind,
    g: &Module,
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
    let model = g.armature_module_model().instance();
    Ok(match (call, kind) {
        (Call::DoCommand(v), _) => model.call_do_command(s, r, &v).await?.map(Reply::Value),
        (Call::GetGeometries(v), _) => model.call_get_geometries(s, r, &v).await?.map(Reply::Geometries),
        (Call::GetReadings(v), K::Sensor) => sensor::readings(g, s, r, &v).await?.map(Reply::Value),
        (Call::GetReadings(v), K::MovementSensor) => movement_sensor::readings(g, s, r, &v).await?.map(Reply::Value),
        (Call::GetReadings(_), _) => return wrong("readings"),
        (Call::Stop(v), K::Motor) => motor::stop(g, s, r, &v).await?.map(|()| Reply::Unit),
        (Call::Stop(v), K::Servo) => servo::stop(g, s, r, &v).await?.map(|()| Reply::Unit),
        (Call::Stop(_), _) => return wrong("stop"),
        (Call::IsMoving, K::Motor) => motor::is_moving(g, s, r).await?.map(Reply::Bool),
        (Call::IsMoving, K::Servo) => servo::is_moving(g, s, r).await?.map(Reply::Bool),
        (Call::IsMoving, _) => return wrong("is-moving"),
        (Call::CaptureFrame(_), _) => return wrong("frame capture (only built-in cameras have it)"),
        (Call::MovementSensor(c), K::MovementSensor) => movement_sensor::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Camera(c), K::Camera) => camera::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Motor(c), K::Motor) => motor::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Servo(c), K::Servo) => servo::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Encoder(c), K::Encoder) => encoder::enter(g, s, r, c).await?.map(Reply::from),
        (Call::Board(c), K::Board) => board::enter(g, s, r, c).await?.map(Reply::from),
        (c, _) => return wrong(c.method()),
    })
}
