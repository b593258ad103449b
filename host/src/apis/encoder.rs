//! rdk:component:encoder, `viam.component.encoder.v1.EncoderService`.

use serde_json::json;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{CaptureMethod, tab, tabular, unexpected as unexpected_sample};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::exports::armature::module::encoder::{Position, PositionType, Properties};
use crate::core::bindings::{Answer, Module, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::encoder::v1 as pb;
use crate::core::proto::viam::component::encoder::v1::encoder_service_server::EncoderService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Encoder;

#[derive(Debug, Clone)]
pub enum Call {
    GetPosition { position_type: PositionType, extra: Value },
    ResetPosition(Value),
    GetProperties(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    Position(Position),
    Properties(Properties),
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::GetPosition { .. } => "GetPosition",
            Call::ResetPosition(_) => "ResetPosition",
            Call::GetProperties(_) => "GetProperties",
        }
    }
}

/// Enters the guest's `encoder` interface.
pub async fn enter<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let e = &g.encoder;
    Ok(match call {
        Call::GetPosition { position_type, extra } => e
            .call_get_position(s, r, position_type, &extra)
            .await?
            .map(Reply::Position),
        Call::ResetPosition(x) => e.call_reset_position(s, r, &x).await?.map(|()| Reply::Unit),
        Call::GetProperties(x) => e.call_get_properties(s, r, &x).await?.map(Reply::Properties),
    })
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[tabular(
    "TicksCount",
    |_, extra| Call::GetPosition {
        position_type: PositionType::Unspecified,
        extra,
    },
    |r, _| match r {
        Reply::Position(p) => tab(json!({"value": p.value, "position_type": to_pb(p.position_type) as i32})),
        other => Err(unexpected_sample(other)),
    },
)];

fn to_wit(t: pb::PositionType) -> PositionType {
    match t {
        pb::PositionType::Unspecified => PositionType::Unspecified,
        pb::PositionType::TicksCount => PositionType::TicksCount,
        pb::PositionType::AngleDegrees => PositionType::AngleDegrees,
    }
}

fn to_pb(t: PositionType) -> pb::PositionType {
    match t {
        PositionType::Unspecified => pb::PositionType::Unspecified,
        PositionType::TicksCount => pb::PositionType::TicksCount,
        PositionType::AngleDegrees => pb::PositionType::AngleDegrees,
    }
}

pub struct EncoderApi<R>(pub R);

#[tonic::async_trait]
impl<R: Resources> EncoderService for EncoderApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn get_position(
        &self,
        request: Request<pb::GetPositionRequest>,
    ) -> Result<Response<pb::GetPositionResponse>, Status> {
        let r = request.into_inner();
        let wanted = match r.position_type {
            None => pb::PositionType::Unspecified,
            Some(t) => pb::PositionType::try_from(t)
                .map_err(|_| Status::invalid_argument(format!("encoder {:?}: unknown position_type {t}", r.name)))?,
        };
        let call = Call::GetPosition {
            position_type: to_wit(wanted),
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.name, call).await? {
            Reply::Position(p) => Ok(Response::new(pb::GetPositionResponse {
                value: p.value,
                position_type: to_pb(p.position_type) as i32,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn reset_position(
        &self,
        request: Request<pb::ResetPositionRequest>,
    ) -> Result<Response<pb::ResetPositionResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::ResetPosition(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Unit => Ok(Response::new(pb::ResetPositionResponse {})),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_properties(
        &self,
        request: Request<pb::GetPropertiesRequest>,
    ) -> Result<Response<pb::GetPropertiesResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetProperties(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Properties(p) => Ok(Response::new(pb::GetPropertiesResponse {
                ticks_count_supported: p.ticks_count_supported,
                angle_degrees_supported: p.angle_degrees_supported,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        self.0.do_command(KIND, request.into_inner()).await.map(Response::new)
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        self.0
            .get_geometries(KIND, request.into_inner())
            .await
            .map(Response::new)
    }
}

// A dependent guest's calls (`calls` import), in the same shapes.

impl From<dep::EncoderMethod> for Call {
    fn from(m: dep::EncoderMethod) -> Self {
        match m {
            dep::EncoderMethod::GetPosition((kind, extra)) => Call::GetPosition {
                position_type: match kind {
                    dep::PositionType::Unspecified => PositionType::Unspecified,
                    dep::PositionType::TicksCount => PositionType::TicksCount,
                    dep::PositionType::AngleDegrees => PositionType::AngleDegrees,
                },
                extra,
            },
            dep::EncoderMethod::ResetPosition(x) => Call::ResetPosition(x),
            dep::EncoderMethod::GetProperties(x) => Call::GetProperties(x),
        }
    }
}

impl From<Reply> for dep::EncoderAnswer {
    fn from(r: Reply) -> Self {
        use dep::EncoderAnswer as A;
        match r {
            Reply::Unit => A::Unit,
            Reply::Position(p) => A::Position(dep::EncoderPosition {
                value: p.value,
                position_type: match p.position_type {
                    PositionType::Unspecified => dep::PositionType::Unspecified,
                    PositionType::TicksCount => dep::PositionType::TicksCount,
                    PositionType::AngleDegrees => dep::PositionType::AngleDegrees,
                },
            }),
            Reply::Properties(p) => A::Properties(dep::EncoderProperties {
                ticks_count_supported: p.ticks_count_supported,
                angle_degrees_supported: p.angle_degrees_supported,
            }),
        }
    }
}

/// The call on an encoder another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::GetPosition { position_type, extra } => {
            let request = pb::GetPositionRequest {
                name,
                position_type: Some(to_pb(position_type) as i32),
                extra: wire(extra)?,
            };
            let r: pb::GetPositionResponse = u.unary("GetPosition", request).await?;
            let kind = pb::PositionType::try_from(r.position_type).unwrap_or(pb::PositionType::Unspecified);
            Reply::Position(Position {
                value: r.value,
                position_type: to_wit(kind),
            })
        }
        Call::ResetPosition(x) => {
            let request = pb::ResetPositionRequest { name, extra: wire(x)? };
            let _: pb::ResetPositionResponse = u.unary("ResetPosition", request).await?;
            Reply::Unit
        }
        Call::GetProperties(x) => {
            let request = pb::GetPropertiesRequest { name, extra: wire(x)? };
            let r: pb::GetPropertiesResponse = u.unary("GetProperties", request).await?;
            Reply::Properties(Properties {
                ticks_count_supported: r.ticks_count_supported,
                angle_degrees_supported: r.angle_degrees_supported,
            })
        }
    })
}
