//! What can be captured, keyed by API: each API's own table (`CAPTURE` in
//! `apis/<api>.rs`) in the machine's call and reply, plus what every API
//! shares: DoCommand on every API, Readings on every API with GetReadings.

use std::sync::Arc;

use serde_json::Value as Json;

use crate::apis::call::{Call, Reply};
use crate::apis::capture::{CaptureMethod, CheckParams, DataKind, Params, Payload, any_params, under};
use crate::apis::{
    arm, base, board, button, camera, encoder, gantry, gripper, motor, movement_sensor, power_sensor, servo, switch,
    vision,
};
use crate::core::api::ApiKind;
use crate::core::bindings::Value;
use crate::core::error::CallError;
use crate::core::values;

/// DoCommand, capturable on every API: `additional_params.docommand_input`
/// is the command, the result is stored as `{"docommand_output": …}`.
pub const DO_COMMAND: &str = "DoCommand";
const DO_COMMAND_INPUT: &str = "docommand_input";
/// GetReadings, stored as `{"readings": …}`.
const READINGS: &str = "Readings";

type TakeSample = dyn Fn(&Params, Value) -> Call + Send + Sync;
type ReadSample = dyn Fn(Reply, &Params) -> Result<Payload, CallError> + Send + Sync;

/// One capturable method of one API, in the machine's call and reply.
#[derive(Clone)]
pub struct Capturable {
    /// Viam's name, as `capture_methods[].method` spells it.
    pub name: &'static str,
    pub kind: DataKind,
    /// `additional_params` keys that must be present, as strings.
    pub required: &'static [&'static str],
    /// The params checked further when the config is read.
    pub check: CheckParams,
    call: Arc<TakeSample>,
    payload: Arc<ReadSample>,
}

impl Capturable {
    /// The call taking one sample; `extra` holds the params and
    /// `fromDataManagement`.
    pub fn call(&self, params: &Params, extra: Value) -> Call {
        (self.call)(params, extra)
    }

    /// The sample a reply makes.
    pub fn payload(&self, reply: Reply, params: &Params) -> Result<Payload, CallError> {
        (self.payload)(reply, params)
    }
}

/// An API's own method, lifted into the machine's call and reply.
fn lift<C, R>(m: &'static CaptureMethod<C, R>) -> Capturable
where
    C: Into<Call> + 'static,
    R: TryFrom<Reply, Error = CallError> + 'static,
{
    Capturable {
        name: m.name,
        kind: m.kind,
        required: m.required,
        check: m.check,
        call: Arc::new(move |p, extra| (m.call)(p, extra).into()),
        payload: Arc::new(move |reply, p| (m.payload)(R::try_from(reply)?, p)),
    }
}

fn own(api: ApiKind) -> Vec<Capturable> {
    fn all<C, R>(table: &'static [CaptureMethod<C, R>]) -> Vec<Capturable>
    where
        C: Into<Call> + 'static,
        R: TryFrom<Reply, Error = CallError> + 'static,
    {
        table.iter().map(lift).collect()
    }
    match api {
        ApiKind::MovementSensor => all(movement_sensor::CAPTURE),
        ApiKind::Camera => all(camera::CAPTURE),
        ApiKind::Motor => all(motor::CAPTURE),
        ApiKind::Servo => all(servo::CAPTURE),
        ApiKind::Encoder => all(encoder::CAPTURE),
        ApiKind::Board => all(board::CAPTURE),
        ApiKind::Arm => all(arm::CAPTURE),
        ApiKind::Base => all(base::CAPTURE),
        ApiKind::Gripper => all(gripper::CAPTURE),
        ApiKind::Gantry => all(gantry::CAPTURE),
        ApiKind::PowerSensor => all(power_sensor::CAPTURE),
        ApiKind::Switch => all(switch::CAPTURE),
        ApiKind::Button => all(button::CAPTURE),
        ApiKind::Vision => all(vision::CAPTURE),
        ApiKind::Sensor | ApiKind::GenericComponent | ApiKind::GenericService | ApiKind::DataManager => Vec::new(),
    }
}

fn readings() -> Capturable {
    Capturable {
        name: READINGS,
        kind: DataKind::Tabular,
        required: &[],
        check: any_params,
        call: Arc::new(|_, extra| Call::GetReadings(extra)),
        payload: Arc::new(|reply, _| under("readings", reply.into_value()?)),
    }
}

fn do_command() -> Capturable {
    Capturable {
        name: DO_COMMAND,
        kind: DataKind::Tabular,
        required: &[DO_COMMAND_INPUT],
        check: any_params,
        call: Arc::new(|p, _| {
            let input = p
                .get(DO_COMMAND_INPUT)
                .and_then(Json::as_object)
                .cloned()
                .unwrap_or_default();
            Call::DoCommand(values::map_to_nodes(&input))
        }),
        payload: Arc::new(|reply, _| under("docommand_output", reply.into_value()?)),
    }
}

/// Every capturable method of `api`: Readings (if it has them), its own,
/// DoCommand.
pub fn methods(api: ApiKind) -> Vec<Capturable> {
    let mut rows = Vec::new();
    if api.info().readings {
        rows.push(readings());
    }
    rows.extend(own(api));
    rows.push(do_command());
    rows
}

/// The capturable method `name` of `api`, if there is one.
pub fn find(api: ApiKind, name: &str) -> Option<Capturable> {
    methods(api).into_iter().find(|m| m.name == name)
}

/// The method names of `api`, for errors.
pub fn names(api: ApiKind) -> Vec<&'static str> {
    methods(api).iter().map(|m| m.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::APIS;

    #[test]
    fn every_api_can_capture_do_command_and_names_are_unique() {
        for row in APIS {
            let names = names(row.kind);
            assert!(names.contains(&DO_COMMAND), "{:?}", row.kind);
            for n in &names {
                assert_eq!(names.iter().filter(|o| *o == n).count(), 1, "{:?} {n}", row.kind);
            }
        }
        assert!(find(ApiKind::Sensor, "Readings").is_some());
        assert!(find(ApiKind::Sensor, "Position").is_none());
        assert_eq!(
            find(ApiKind::Board, "Analogs").map(|m| m.required),
            Some(&["reader_name"][..])
        );
    }
}
