//! Calling a resource another server serves — in module mode, one of
//! viam-server's — with the machine's [`Call`]: each API turns its own
//! calls into its gRPC requests (`remote` in `apis/<api>.rs`) and sends them
//! through one narrow trait, [`Unary`](crate::apis::wire::Unary), which the
//! caller implements on its connection. What every API shares is here,
//! written once.

use prost_types::Struct;
use tonic::Status;

use crate::apis::call::{Call, Reply};
use crate::apis::convert::geometry_from_proto;
use crate::apis::wire::{Unary, extra, value};
use crate::apis::{
    arm, base, board, button, camera, encoder, gantry, gripper, motor, movement_sensor, power_sensor, servo, switch,
    vision,
};
use crate::core::proto::viam::common::v1 as common;

/// Stop and IsMoving have one shape in every actuator's service (name and
/// extra; name alone; one bool): one message for all, wire-identical to
/// each API's own.
#[derive(Clone, PartialEq, prost::Message)]
struct NameExtra {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "99")]
    extra: Option<Struct>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Name {
    #[prost(string, tag = "1")]
    name: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct IsMoving {
    #[prost(bool, tag = "1")]
    is_moving: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Empty {}

/// Calls `call` on resource `name` through `u`.
pub async fn call(u: &impl Unary, name: &str, call: Call) -> Result<Reply, Status> {
    let name = name.to_string();
    Ok(match call {
        Call::DoCommand(command) => {
            let request = common::DoCommandRequest {
                name,
                command: extra(command)?,
            };
            let r: common::DoCommandResponse = u.unary("DoCommand", request).await?;
            Reply::Value(value(r.result))
        }
        Call::GetReadings(x) => {
            let request = common::GetReadingsRequest { name, extra: extra(x)? };
            let r: common::GetReadingsResponse = u.unary("GetReadings", request).await?;
            Reply::Value(value(Some(Struct {
                fields: r.readings.into_iter().collect(),
            })))
        }
        Call::GetGeometries(x) => {
            let request = common::GetGeometriesRequest { name, extra: extra(x)? };
            let r: common::GetGeometriesResponse = u.unary("GetGeometries", request).await?;
            Reply::Geometries(r.geometries.into_iter().map(geometry_from_proto).collect())
        }
        Call::Stop(x) => {
            let _: Empty = u.unary("Stop", NameExtra { name, extra: extra(x)? }).await?;
            Reply::Unit
        }
        Call::IsMoving => {
            let r: IsMoving = u.unary("IsMoving", Name { name }).await?;
            Reply::Bool(r.is_moving)
        }
        Call::CaptureFrame(_) => {
            return Err(Status::unimplemented("frames come from this host's own cameras only"));
        }
        Call::MovementSensor(c) => movement_sensor::remote(u, name, c).await?.into(),
        Call::Camera(c) => camera::remote(u, name, c).await?.into(),
        Call::Motor(c) => motor::remote(u, name, c).await?.into(),
        Call::Servo(c) => servo::remote(u, name, c).await?.into(),
        Call::Encoder(c) => encoder::remote(u, name, c).await?.into(),
        Call::Board(c) => board::remote(u, name, c).await?.into(),
        Call::Arm(c) => arm::remote(u, name, c).await?.into(),
        Call::Base(c) => base::remote(u, name, c).await?.into(),
        Call::Gripper(c) => gripper::remote(u, name, c).await?.into(),
        Call::Gantry(c) => gantry::remote(u, name, c).await?.into(),
        Call::PowerSensor(c) => power_sensor::remote(u, name, c).await?.into(),
        Call::Switch(c) => switch::remote(u, name, c).await?.into(),
        Call::Button(c) => button::remote(u, name, c).await?.into(),
        Call::Vision(c) => vision::remote(u, name, c).await?.into(),
    })
}
