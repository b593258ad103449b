//! viam.component.movementsensor.v1.MovementSensorService

use tonic::{Request, Response, Status};

use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::types::Vector3;
use crate::core::call::{Call, Reply};
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::movementsensor::v1 as pb;
use crate::core::proto::viam::component::movementsensor::v1::movement_sensor_service_server::MovementSensorService;
use crate::core::values::struct_to_nodes as extra;
use crate::grpc::common::{do_command, get_geometries, get_readings};
use crate::grpc::host::Host;

pub struct MovementSensorApi(pub Host);

const KIND: ApiKind = ApiKind::MovementSensor;

fn vector(v: Vector3) -> Option<common::Vector3> {
    Some(common::Vector3 { x: v.x, y: v.y, z: v.z })
}

#[tonic::async_trait]
impl MovementSensorService for MovementSensorApi {
    async fn get_linear_velocity(
        &self,
        request: Request<pb::GetLinearVelocityRequest>,
    ) -> Result<Response<pb::GetLinearVelocityResponse>, Status> {
        let r = request.into_inner();
        let v = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MsLinearVelocity(extra(r.extra.as_ref())),
                Reply::into_vector3,
            )
            .await?;
        Ok(Response::new(pb::GetLinearVelocityResponse {
            linear_velocity: vector(v),
        }))
    }

    async fn get_angular_velocity(
        &self,
        request: Request<pb::GetAngularVelocityRequest>,
    ) -> Result<Response<pb::GetAngularVelocityResponse>, Status> {
        let r = request.into_inner();
        let v = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MsAngularVelocity(extra(r.extra.as_ref())),
                Reply::into_vector3,
            )
            .await?;
        Ok(Response::new(pb::GetAngularVelocityResponse {
            angular_velocity: vector(v),
        }))
    }

    async fn get_linear_acceleration(
        &self,
        request: Request<pb::GetLinearAccelerationRequest>,
    ) -> Result<Response<pb::GetLinearAccelerationResponse>, Status> {
        let r = request.into_inner();
        let v = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MsLinearAcceleration(extra(r.extra.as_ref())),
                Reply::into_vector3,
            )
            .await?;
        Ok(Response::new(pb::GetLinearAccelerationResponse {
            linear_acceleration: vector(v),
        }))
    }

    async fn get_compass_heading(
        &self,
        request: Request<pb::GetCompassHeadingRequest>,
    ) -> Result<Response<pb::GetCompassHeadingResponse>, Status> {
        let r = request.into_inner();
        let v = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MsCompassHeading(extra(r.extra.as_ref())),
                Reply::into_f64,
            )
            .await?;
        Ok(Response::new(pb::GetCompassHeadingResponse { value: v }))
    }

    async fn get_orientation(
        &self,
        request: Request<pb::GetOrientationRequest>,
    ) -> Result<Response<pb::GetOrientationResponse>, Status> {
        let r = request.into_inner();
        let o = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MsOrientation(extra(r.extra.as_ref())),
                Reply::into_orientation,
            )
            .await?;
        Ok(Response::new(pb::GetOrientationResponse {
            orientation: Some(common::Orientation {
                o_x: o.o_x,
                o_y: o.o_y,
                o_z: o.o_z,
                theta: o.theta,
            }),
        }))
    }

    async fn get_position(
        &self,
        request: Request<pb::GetPositionRequest>,
    ) -> Result<Response<pb::GetPositionResponse>, Status> {
        let r = request.into_inner();
        let p = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MsPosition(extra(r.extra.as_ref())),
                Reply::into_geo_position,
            )
            .await?;
        Ok(Response::new(pb::GetPositionResponse {
            coordinate: Some(common::GeoPoint {
                latitude: p.latitude,
                longitude: p.longitude,
            }),
            altitude_m: p.altitude_m,
        }))
    }

    async fn get_properties(
        &self,
        request: Request<pb::GetPropertiesRequest>,
    ) -> Result<Response<pb::GetPropertiesResponse>, Status> {
        let r = request.into_inner();
        let p = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MsProperties(extra(r.extra.as_ref())),
                Reply::into_ms_properties,
            )
            .await?;
        Ok(Response::new(pb::GetPropertiesResponse {
            linear_velocity_supported: p.linear_velocity_supported,
            angular_velocity_supported: p.angular_velocity_supported,
            orientation_supported: p.orientation_supported,
            position_supported: p.position_supported,
            compass_heading_supported: p.compass_heading_supported,
            linear_acceleration_supported: p.linear_acceleration_supported,
        }))
    }

    async fn get_accuracy(
        &self,
        request: Request<pb::GetAccuracyRequest>,
    ) -> Result<Response<pb::GetAccuracyResponse>, Status> {
        let r = request.into_inner();
        let a = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MsAccuracy(extra(r.extra.as_ref())),
                Reply::into_accuracy,
            )
            .await?;
        Ok(Response::new(pb::GetAccuracyResponse {
            accuracy: a.accuracy.into_iter().collect(),
            position_hdop: a.position_hdop,
            position_vdop: a.position_vdop,
            position_nmea_gga_fix: a.position_nmea_gga_fix,
            compass_degrees_error: a.compass_degrees_error,
        }))
    }

    async fn get_readings(
        &self,
        request: Request<common::GetReadingsRequest>,
    ) -> Result<Response<common::GetReadingsResponse>, Status> {
        get_readings(&self.0, KIND, request.into_inner()).await
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        do_command(&self.0, KIND, request.into_inner()).await
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        get_geometries(&self.0, KIND, request.into_inner()).await
    }
}
