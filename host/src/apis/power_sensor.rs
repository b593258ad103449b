//! rdk:component:power_sensor, `viam.component.powersensor.v1.PowerSensorService`:
//! voltage, current and power, and readings, which every API that has them
//! shares (`Call::GetReadings`). No GetGeometries on the wire.

use serde_json::json;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{CaptureMethod, tab, tabular, unexpected as unexpected_sample};
use crate::apis::resources::{Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::api_types::Electrical;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::{Added, Answer, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::powersensor::v1 as pb;
use crate::core::proto::viam::component::powersensor::v1::power_sensor_service_server::PowerSensorService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::PowerSensor;

/// A power sensor's own methods (GetReadings is every sensor's).
#[derive(Debug, Clone)]
pub enum Call {
    GetVoltage(Value),
    GetCurrent(Value),
    GetPower(Value),
}

#[derive(Debug, Clone)]
pub enum Reply {
    /// Volts or amperes.
    Electrical(Electrical),
    Watts(f64),
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::GetVoltage(_) => "GetVoltage",
            Call::GetCurrent(_) => "GetCurrent",
            Call::GetPower(_) => "GetPower",
        }
    }
}

/// Enters the guest's `power-sensor` interface.
pub async fn enter<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let p = &g.power_sensor;
    Ok(match call {
        Call::GetVoltage(x) => p.call_get_voltage(s, r, &x).await?.map(Reply::Electrical),
        Call::GetCurrent(x) => p.call_get_current(s, r, &x).await?.map(Reply::Electrical),
        Call::GetPower(x) => p.call_get_power(s, r, &x).await?.map(Reply::Watts),
    })
}

/// `get-readings`, entered in the guest.
pub async fn readings<T: Send + 'static>(g: &Added, s: &mut Store<T>, r: ResourceAny, extra: &Value) -> Answer<Value> {
    g.power_sensor.call_get_readings(s, r, extra).await
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[
    tabular(
        "Voltage",
        |_, x| Call::GetVoltage(x),
        |r, _| match r {
            Reply::Electrical(e) => tab(json!({"volts": e.value, "is_ac": e.is_ac})),
            other => Err(unexpected_sample(other)),
        },
    ),
    tabular(
        "Current",
        |_, x| Call::GetCurrent(x),
        |r, _| match r {
            Reply::Electrical(e) => tab(json!({"amperes": e.value, "is_ac": e.is_ac})),
            other => Err(unexpected_sample(other)),
        },
    ),
    tabular(
        "Power",
        |_, x| Call::GetPower(x),
        |r, _| match r {
            Reply::Watts(w) => tab(json!({"watts": w})),
            other => Err(unexpected_sample(other)),
        },
    ),
];

pub struct PowerSensorApi<R>(pub R);

#[tonic::async_trait]
impl<R: Resources> PowerSensorService for PowerSensorApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn get_voltage(
        &self,
        request: Request<pb::GetVoltageRequest>,
    ) -> Result<Response<pb::GetVoltageResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetVoltage(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Electrical(e) => Ok(Response::new(pb::GetVoltageResponse {
                volts: e.value,
                is_ac: e.is_ac,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_current(
        &self,
        request: Request<pb::GetCurrentRequest>,
    ) -> Result<Response<pb::GetCurrentResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetCurrent(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Electrical(e) => Ok(Response::new(pb::GetCurrentResponse {
                amperes: e.value,
                is_ac: e.is_ac,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn get_power(&self, request: Request<pb::GetPowerRequest>) -> Result<Response<pb::GetPowerResponse>, Status> {
        let r = request.into_inner();
        match self
            .0
            .ask(KIND, &r.name, Call::GetPower(extra(r.extra.as_ref())))
            .await?
        {
            Reply::Watts(watts) => Ok(Response::new(pb::GetPowerResponse { watts })),
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
}

// A dependent guest's calls (`calls` import), in the same shapes.

impl From<dep::PowerSensorMethod> for Call {
    fn from(m: dep::PowerSensorMethod) -> Self {
        match m {
            dep::PowerSensorMethod::GetVoltage(x) => Call::GetVoltage(x),
            dep::PowerSensorMethod::GetCurrent(x) => Call::GetCurrent(x),
            dep::PowerSensorMethod::GetPower(x) => Call::GetPower(x),
        }
    }
}

impl From<Reply> for dep::PowerSensorAnswer {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Electrical(e) => dep::PowerSensorAnswer::Electrical(e),
            Reply::Watts(w) => dep::PowerSensorAnswer::Watts(w),
        }
    }
}

/// The call on a power sensor another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::GetVoltage(x) => {
            let request = pb::GetVoltageRequest { name, extra: wire(x)? };
            let r: pb::GetVoltageResponse = u.unary("GetVoltage", request).await?;
            Reply::Electrical(Electrical {
                value: r.volts,
                is_ac: r.is_ac,
            })
        }
        Call::GetCurrent(x) => {
            let request = pb::GetCurrentRequest { name, extra: wire(x)? };
            let r: pb::GetCurrentResponse = u.unary("GetCurrent", request).await?;
            Reply::Electrical(Electrical {
                value: r.amperes,
                is_ac: r.is_ac,
            })
        }
        Call::GetPower(x) => {
            let request = pb::GetPowerRequest { name, extra: wire(x)? };
            let r: pb::GetPowerResponse = u.unary("GetPower", request).await?;
            Reply::Watts(r.watts)
        }
    })
}
