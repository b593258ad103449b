//! viam.component.motor.v1.MotorService

use tonic::{Request, Response, Status};

use crate::core::api::ApiKind;
use crate::core::call::{Call, Reply};
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::motor::v1 as pb;
use crate::core::proto::viam::component::motor::v1::motor_service_server::MotorService;
use crate::core::values::struct_to_nodes as extra;
use crate::grpc::common::{do_command, get_geometries};
use crate::grpc::host::Host;
use crate::grpc::motion;
use crate::grpc::status::mismatch as internal;

pub struct MotorApi(pub Host);

const KIND: ApiKind = ApiKind::Motor;

fn finite(name: &str, what: &str, v: f64) -> Result<f64, Status> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Status::invalid_argument(format!(
            "motor {name:?}: {what} must be a finite number, got {v}"
        )))
    }
}

#[tonic::async_trait]
impl MotorService for MotorApi {
    async fn set_power(&self, request: Request<pb::SetPowerRequest>) -> Result<Response<pb::SetPowerResponse>, Status> {
        let r = request.get_ref();
        if !(-1.0..=1.0).contains(&r.power_pct) {
            return Err(Status::invalid_argument(format!(
                "motor {:?}: power_pct must be within [-1, 1], got {}",
                r.name, r.power_pct
            )));
        }
        let call = Call::SetPower {
            power_pct: r.power_pct,
            extra: extra(r.extra.as_ref()),
        };
        motion::start(&self.0, KIND, &request, &r.name, call).await?;
        Ok(Response::new(pb::SetPowerResponse {}))
    }

    async fn go_for(&self, request: Request<pb::GoForRequest>) -> Result<Response<pb::GoForResponse>, Status> {
        let r = request.get_ref();
        let rpm = finite(&r.name, "rpm", r.rpm)?;
        let revolutions = finite(&r.name, "revolutions", r.revolutions)?;
        if rpm == 0.0 {
            return Err(Status::invalid_argument(format!(
                "motor {:?}: rpm must not be 0 for GoFor",
                r.name
            )));
        }
        if revolutions == 0.0 {
            return Err(Status::invalid_argument(format!(
                "motor {:?}: revolutions must not be 0 (use SetRPM to turn indefinitely)",
                r.name
            )));
        }
        let call = Call::GoFor {
            rpm,
            revolutions,
            extra: extra(r.extra.as_ref()),
        };
        motion::run_to_completion(&self.0, KIND, &request, &r.name, call).await?;
        Ok(Response::new(pb::GoForResponse {}))
    }

    async fn go_to(&self, request: Request<pb::GoToRequest>) -> Result<Response<pb::GoToResponse>, Status> {
        let r = request.get_ref();
        let rpm = finite(&r.name, "rpm", r.rpm)?;
        let position = finite(&r.name, "position_revolutions", r.position_revolutions)?;
        if rpm == 0.0 {
            return Err(Status::invalid_argument(format!(
                "motor {:?}: rpm must not be 0 for GoTo",
                r.name
            )));
        }
        let call = Call::GoTo {
            rpm,
            position,
            extra: extra(r.extra.as_ref()),
        };
        motion::run_to_completion(&self.0, KIND, &request, &r.name, call).await?;
        Ok(Response::new(pb::GoToResponse {}))
    }

    async fn set_rpm(&self, request: Request<pb::SetRpmRequest>) -> Result<Response<pb::SetRpmResponse>, Status> {
        let r = request.get_ref();
        let rpm = finite(&r.name, "rpm", r.rpm)?;
        let call = Call::SetRpm {
            rpm,
            extra: extra(r.extra.as_ref()),
        };
        motion::start(&self.0, KIND, &request, &r.name, call).await?;
        Ok(Response::new(pb::SetRpmResponse {}))
    }

    async fn reset_zero_position(
        &self,
        request: Request<pb::ResetZeroPositionRequest>,
    ) -> Result<Response<pb::ResetZeroPositionResponse>, Status> {
        let r = request.into_inner();
        let offset = finite(&r.name, "offset", r.offset)?;
        let call = Call::ResetZeroPosition {
            offset,
            extra: extra(r.extra.as_ref()),
        };
        self.0.call_as(KIND, &r.name, call, Reply::into_unit).await?;
        Ok(Response::new(pb::ResetZeroPositionResponse {}))
    }

    async fn get_position(
        &self,
        request: Request<pb::GetPositionRequest>,
    ) -> Result<Response<pb::GetPositionResponse>, Status> {
        let r = request.into_inner();
        let position = self
            .0
            .call_as(
                KIND,
                &r.name,
                Call::MotorPosition(extra(r.extra.as_ref())),
                Reply::into_f64,
            )
            .await?;
        Ok(Response::new(pb::GetPositionResponse { position }))
    }

    async fn get_properties(
        &self,
        request: Request<pb::GetPropertiesRequest>,
    ) -> Result<Response<pb::GetPropertiesResponse>, Status> {
        let r = request.into_inner();
        let p = self
            .0
            .call(KIND, &r.name, Call::MotorProperties(extra(r.extra.as_ref())))
            .await?;
        let p = p.into_motor_properties().map_err(internal)?;
        Ok(Response::new(pb::GetPropertiesResponse {
            position_reporting: p.position_reporting,
        }))
    }

    async fn stop(&self, request: Request<pb::StopRequest>) -> Result<Response<pb::StopResponse>, Status> {
        let r = request.into_inner();
        let slot = self.0.slot(KIND, &r.name)?;
        motion::stop(&slot, extra(r.extra.as_ref())).await?;
        Ok(Response::new(pb::StopResponse {}))
    }

    async fn is_powered(
        &self,
        request: Request<pb::IsPoweredRequest>,
    ) -> Result<Response<pb::IsPoweredResponse>, Status> {
        let r = request.into_inner();
        let p = self
            .0
            .call(KIND, &r.name, Call::IsPowered(extra(r.extra.as_ref())))
            .await?;
        let p = p.into_power_state().map_err(internal)?;
        Ok(Response::new(pb::IsPoweredResponse {
            is_on: p.is_on,
            power_pct: p.power_pct,
        }))
    }

    async fn is_moving(&self, request: Request<pb::IsMovingRequest>) -> Result<Response<pb::IsMovingResponse>, Status> {
        let r = request.into_inner();
        let is_moving = self.0.call_as(KIND, &r.name, Call::IsMoving, Reply::into_bool).await?;
        Ok(Response::new(pb::IsMovingResponse { is_moving }))
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
