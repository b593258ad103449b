//! rdk:component:movement_sensor,
//! `viam.component.movementsensor.v1.MovementSensorService`. Readings are
//! shared with every API that has them (`Call::GetReadings`).

use serde_json::json;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{CaptureMethod, tab, tabular, unexpected as unexpected_sample};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::armature::module::types::{Orientation, Vector3};
use crate::core::bindings::exports::armature::module::movement_sensor::{Accuracy, GeoPosition, Properties};
use crate::core::bindings::{Answer, Module, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::movementsensor::v1 as pb;
use crate::core::proto::viam::component::movementsensor::v1::movement_sensor_service_server::MovementSensorService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::MovementSensor;

/// Each method takes only `extra`.
#[derive(Debug, Clone)]
pub enum Call {
    GetPosition(Value),
    GetLinearVelocity(Value),
    GetAngularVelocity(Value),
    GetLinearAcceleration(Value),
    GetCompassHeading(Value),
    GetOrientation(Value),
    GetProperties(Value),
    GetAccuracy(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    Position(GeoPosition),
    /// Linear or angular velocity, linear acceleration.
    Vector(Vector3),
    CompassHeading(f64),
    Orientation(Orientation),
    Properties(Properties),
    Accuracy(Accuracy),
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::GetPosition(_) => "GetPosition",
            Call::GetLinearVelocity(_) => "GetLinearVelocity",
            Call::GetAngularVelocity(_) => "GetAngularVelocity",
            Call::GetLinearAcceleration(_) => "GetLinearAcceleration",
            Call::GetCompassHeading(_) => "GetCompassHeading",
            Call::GetOrientation(_) => "GetOrientation",
            Call::GetProperties(_) => "GetProperties",
            Call::GetAccuracy(_) => "GetAccuracy",
        }
    }
}

/// Enters the guest's `movement-sensor` interface.
pub async fn enter<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let m = &g.movement_sensor;
    Ok(match call {
        Call::GetPosition(x) => m.call_get_position(s, r, &x).await?.map(Reply::Position),
        Call::GetLinearVelocity(x) => m.call_get_linear_velocity(s, r, &x).await?.map(Reply::Vector),
        Call::GetAngularVelocity(x) => m.call_get_angular_velocity(s, r, &x).await?.map(Reply::Vector),
        Call::GetLinearAcceleration(x) => m.call_get_linear_acceleration(s, r, &x).await?.map(Reply::Vector),
        Call::GetCompassHeading(x) => m.call_get_compass_heading(s, r, &x).await?.map(Reply::CompassHeading),
        Call::GetOrientation(x) => m.call_get_orientation(s, r, &x).await?.map(Reply::Orientation),
        Call::GetProperties(x) => m.call_get_properties(s, r, &x).await?.map(Reply::Properties),
        Call::GetAccuracy(x) => m.call_get_accuracy(s, r, &x).await?.map(Reply::Accuracy),
    })
}

/// `get-readings`, entered in the guest.
pub async fn readings<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<Value> {
    g.movement_sensor.call_get_readings(s, r, extra).await
}

fn vector_sample(key: &str, r: Reply) -> Result<crate::apis::capture::Payload, CallError> {
    match r {
        Reply::Vector(v) => {
            let mut m = serde_json::Map::new();
            m.insert(key.to_string(), json!({"x": v.x, "y": v.y, "z": v.z}));
            tab(serde_json::Value::Object(m))
        }
        other => Err(unexpected_sample(other)),
    }
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[
    tabular(
        "Position",
        |_, x| Call::GetPosition(x),
        |r, _| match r {
            Reply::Position(p) => tab(json!({
                "coordinate": {"latitude": p.latitude, "longitude": p.longitude},
                "altitude_m": p.altitude_m
            })),
            other => Err(unexpected_sample(other)),
        },
    ),
    tabular(
        "LinearVelocity",
        |_, x| Call::GetLinearVelocity(x),
        |r, _| vector_sample("linear_velocity", r),
    ),
    tabular(
        "AngularVelocity",
        |_, x| Call::GetAngularVelocity(x),
        |r, _| vector_sample("angular_velocity", r),
    ),
    tabular(
        "LinearAcceleration",
        |_, x| Call::GetLinearAcceleration(x),
        |r, _| vector_sample("linear_acceleration", r),
    ),
    tabular(
        "CompassHeading",
        |_, x| Call::GetCompassHeading(x),
        |r, _| match r {
            Reply::CompassHeading(value) => tab(json!({"value": value})),
            other => Err(unexpected_sample(other)),
        },
    ),
    tabular(
        "Orientation",
        |_, x| Call::GetOrientation(x),
        |r, _| match r {
            Reply::Orientation(o) => {
                tab(json!({"orientation": {"o_x": o.o_x, "o_y": o.o_y, "o_z": o.o_z, "theta": o.theta}}))
            }
            other => Err(unexpected_sample(other)),
        },
    ),
];

fn vector(v: Vector3) -> Option<common::Vector3> {
    Some(common::Vector3 { x: v.x, y: v.y, z: v.z })
}

pub struct MovementSensorApi<R>(pub R);

impl<R: Resources> MovementSensorApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn vector(&self, name: &str, call: Call) -> Result<Option<common::Vector3>, Status> {
        match self.0.ask(KIND, name, call).await? {
            Reply::Vector(v) => Ok(vector(v)),
            other => Err(unexpected(KIND, other)),
        }
    }
}

#[tonic::async_trait]
impl<R: Resources> MovementSensorService for MovementSensorApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn get_linear_velocity(
        &self,
        request: Request<pb::GetLinearVelocityRequest>,
    ) -> Result<Response<pb::GetLinearVelocityResponse>, Status> {
        let r = request.into_inner();
        let linear_velocity = self
            .vector(&r.name, Call::GetLinearVelocity(extra(r.extra.as_ref())))
            .await?;
        Ok(Response::new(pb::GetLinearVelocityResponse { linear_velocity }))
    }

    async fn get_angular_velocity(
        &self,
        request: Request<pb::GetAngularVelocityRequest>,
    ) -> Result<Response<pb::GetAngularVelocityResponse>, Status> {
        let r = request.into_inner();
        let angular_velocity = self
            .vector(&r.name, Call::GetAngularVelocity(extra(r.extra.as_ref())))
            .await?;
        Ok(Response::new(pb::GetAngularVelocityResponse { angular_velocity }))
    }

    async fn get_linear_acceleration(
        &self,
        request: Request<pb::GetLinearAccelerationRequest>,
    ) -> Result<Response<pb::GetLinearAccelerationResponse>, Status> {
        let r = request.into_inner();
        let linear_acceleration = self
            .vector(&r.name, Call::GetLinearAcceleration(extra(r.extra.as_ref())))
            .await?;
        Ok(Response::new(pb::GetLinearAccelerationResponse { linear_acceleration }))
    }

    async fn get_compass_heading(
        &self,
        request: Request<pb::GetCompassHeadingRequest>,
    ) -> Result<Response<pb::GetCompassHeadingResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetCompassHeading(extra(r.extra.as_ref())))
            .await?
        {
            Reply::CompassHeading(value) => Ok(Response::new(pb::GetCompassHeadingResponse { value })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_orientation(
        &self,
        request: Request<pb::GetOrientationRequest>,
    ) -> Result<Response<pb::GetOrientationResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetOrientation(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Orientation(o) => Ok(Response::new(pb::GetOrientationResponse {
                orientation: Some(common::Orientation {
                    o_x: o.o_x,
                    o_y: o.o_y,
                    o_z: o.o_z,
                    theta: o.theta,
                }),
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_position(
        &self,
        request: Request<pb::GetPositionRequest>,
    ) -> Result<Response<pb::GetPositionResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetPosition(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Position(p) => Ok(Response::new(pb::GetPositionResponse {
                coordinate: Some(common::GeoPoint {
                    latitude: p.latitude,
                    longitude: p.longitude,
                }),
                altitude_m: p.altitude_m,
            })),
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
                linear_velocity_supported: p.linear_velocity_supported,
                angular_velocity_supported: p.angular_velocity_supported,
                orientation_supported: p.orientation_supported,
                position_supported: p.position_supported,
                compass_heading_supported: p.compass_heading_supported,
                linear_acceleration_supported: p.linear_acceleration_supported,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_accuracy(
        &self,
        request: Request<pb::GetAccuracyRequest>,
    ) -> Result<Response<pb::GetAccuracyResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetAccuracy(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Accuracy(a) => Ok(Response::new(pb::GetAccuracyResponse {
                accuracy: a.accuracy.into_iter().collect(),
                position_hdop: a.position_hdop,
                position_vdop: a.position_vdop,
                position_nmea_gga_fix: a.position_nmea_gga_fix,
                compass_degrees_error: a.compass_degrees_error,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_readings(
        &self,
        request: Request<common::GetReadingsRequest>,
    ) -> Result<Response<common::GetReadingsResponse>, Status> {
        self.0.get_readings(KIND, request.into_inner()).await.map(Response::new)
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

impl From<dep::MovementSensorMethod> for Call {
    fn from(m: dep::MovementSensorMethod) -> Self {
        use dep::MovementSensorMethod as M;
        match m {
            M::GetPosition(x) => Call::GetPosition(x),
            M::GetLinearVelocity(x) => Call::GetLinearVelocity(x),
            M::GetAngularVelocity(x) => Call::GetAngularVelocity(x),
            M::GetLinearAcceleration(x) => Call::GetLinearAcceleration(x),
            M::GetCompassHeading(x) => Call::GetCompassHeading(x),
            M::GetOrientation(x) => Call::GetOrientation(x),
            M::GetProperties(x) => Call::GetProperties(x),
            M::GetAccuracy(x) => Call::GetAccuracy(x),
        }
    }
}

impl From<Reply> for dep::MovementSensorAnswer {
    fn from(r: Reply) -> Self {
        use dep::MovementSensorAnswer as A;
        match r {
            Reply::Position(p) => A::Position(dep::GeoPosition {
                latitude: p.latitude,
                longitude: p.longitude,
                altitude_m: p.altitude_m,
            }),
            Reply::Vector(v) => A::Vector(v),
            Reply::CompassHeading(h) => A::CompassHeading(h),
            Reply::Orientation(o) => A::Orientation(o),
            Reply::Properties(p) => A::Properties(dep::MovementSensorProperties {
                linear_velocity_supported: p.linear_velocity_supported,
                angular_velocity_supported: p.angular_velocity_supported,
                orientation_supported: p.orientation_supported,
                position_supported: p.position_supported,
                compass_heading_supported: p.compass_heading_supported,
                linear_acceleration_supported: p.linear_acceleration_supported,
            }),
            Reply::Accuracy(a) => A::Accuracy(dep::Accuracy {
                accuracy: a.accuracy,
                position_hdop: a.position_hdop,
                position_vdop: a.position_vdop,
                position_nmea_gga_fix: a.position_nmea_gga_fix,
                compass_degrees_error: a.compass_degrees_error,
            }),
        }
    }
}

/// The call on a movement sensor another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    let vector = |v: Option<common::Vector3>| {
        let v = v.unwrap_or_default();
        Vector3 { x: v.x, y: v.y, z: v.z }
    };
    Ok(match call {
        Call::GetPosition(x) => {
            let r: pb::GetPositionResponse = u
                .unary("GetPosition", pb::GetPositionRequest { name, extra: wire(x)? })
                .await?;
            let c = r.coordinate.unwrap_or_default();
            Reply::Position(GeoPosition {
                latitude: c.latitude,
                longitude: c.longitude,
                altitude_m: r.altitude_m,
            })
        }
        Call::GetLinearVelocity(x) => {
            let request = pb::GetLinearVelocityRequest { name, extra: wire(x)? };
            let r: pb::GetLinearVelocityResponse = u.unary("GetLinearVelocity", request).await?;
            Reply::Vector(vector(r.linear_velocity))
        }
        Call::GetAngularVelocity(x) => {
            let request = pb::GetAngularVelocityRequest { name, extra: wire(x)? };
            let r: pb::GetAngularVelocityResponse = u.unary("GetAngularVelocity", request).await?;
            Reply::Vector(vector(r.angular_velocity))
        }
        Call::GetLinearAcceleration(x) => {
            let request = pb::GetLinearAccelerationRequest { name, extra: wire(x)? };
            let r: pb::GetLinearAccelerationResponse = u.unary("GetLinearAcceleration", request).await?;
            Reply::Vector(vector(r.linear_acceleration))
        }
        Call::GetCompassHeading(x) => {
            let request = pb::GetCompassHeadingRequest { name, extra: wire(x)? };
            let r: pb::GetCompassHeadingResponse = u.unary("GetCompassHeading", request).await?;
            Reply::CompassHeading(r.value)
        }
        Call::GetOrientation(x) => {
            let request = pb::GetOrientationRequest { name, extra: wire(x)? };
            let r: pb::GetOrientationResponse = u.unary("GetOrientation", request).await?;
            let o = r.orientation.unwrap_or_default();
            Reply::Orientation(Orientation {
                o_x: o.o_x,
                o_y: o.o_y,
                o_z: o.o_z,
                theta: o.theta,
            })
        }
        Call::GetProperties(x) => {
            let request = pb::GetPropertiesRequest { name, extra: wire(x)? };
            let r: pb::GetPropertiesResponse = u.unary("GetProperties", request).await?;
            Reply::Properties(Properties {
                linear_velocity_supported: r.linear_velocity_supported,
                angular_velocity_supported: r.angular_velocity_supported,
                orientation_supported: r.orientation_supported,
                position_supported: r.position_supported,
                compass_heading_supported: r.compass_heading_supported,
                linear_acceleration_supported: r.linear_acceleration_supported,
            })
        }
        Call::GetAccuracy(x) => {
            let request = pb::GetAccuracyRequest { name, extra: wire(x)? };
            let r: pb::GetAccuracyResponse = u.unary("GetAccuracy", request).await?;
            Reply::Accuracy(Accuracy {
                accuracy: r.accuracy.into_iter().collect(),
                position_hdop: r.position_hdop,
                position_vdop: r.position_vdop,
                position_nmea_gga_fix: r.position_nmea_gga_fix,
                compass_degrees_error: r.compass_degrees_error,
            })
        }
    })
}
