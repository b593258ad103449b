//! What can be captured, keyed by API: one row per (API, method) as Viam's
//! data manager names them (`../shared/spec/viam-data-capture.md` 1.4), the
//! call that takes a sample, and how its reply becomes a `SensorData`
//! payload (tabular: the gRPC response as a Struct with proto field names;
//! binary: one file per image).

use prost_types::Struct;
use serde_json::{Map, Value as Json, json};

use crate::core::api::ApiKind;
use crate::core::bindings::Value;
use crate::core::bindings::exports::armature::module::encoder::PositionType;
use crate::core::call::{Call, Reply};
use crate::core::error::CallError;
use crate::core::values;

/// Whether a method's samples are rows or files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    Tabular,
    Binary,
}

/// One captured sample, as the resource answered it.
#[derive(Debug, Clone)]
pub enum Payload {
    Tabular(Struct),
    /// Each image is a file of its own, as in Viam.
    Binary(Vec<Blob>),
}

#[derive(Debug, Clone)]
pub struct Blob {
    pub mime_type: String,
    pub data: Vec<u8>,
    /// The camera source it came from (GetImages), as a classification label.
    pub source: Option<String>,
}

/// One capturable method of one API.
#[derive(Clone, Copy)]
pub struct CaptureMethod {
    pub api: ApiKind,
    /// Viam's name, as `capture_methods[].method` spells it.
    pub name: &'static str,
    pub kind: DataKind,
    /// `additional_params` keys that must be present, as strings.
    pub required: &'static [&'static str],
    /// The call taking one sample; `extra` holds the params and
    /// `fromDataManagement`.
    pub call: fn(&Map<String, Json>, Value) -> Call,
    pub payload: fn(Reply, &Map<String, Json>) -> Result<Payload, CallError>,
}

/// Every capturable method. DoCommand is captured for every API.
pub const METHODS: &[CaptureMethod] = &[
    tabular(ApiKind::Sensor, "Readings", &[], |_, x| Call::GetReadings(x), readings),
    tabular(
        ApiKind::MovementSensor,
        "Readings",
        &[],
        |_, x| Call::GetReadings(x),
        readings,
    ),
    tabular(
        ApiKind::MovementSensor,
        "Position",
        &[],
        |_, x| Call::MsPosition(x),
        |r, _| {
            let p = r.into_geo_position()?;
            tab(json!({"coordinate": {"latitude": p.latitude, "longitude": p.longitude}, "altitude_m": p.altitude_m}))
        },
    ),
    tabular(
        ApiKind::MovementSensor,
        "LinearVelocity",
        &[],
        |_, x| Call::MsLinearVelocity(x),
        |r, _| vector("linear_velocity", r),
    ),
    tabular(
        ApiKind::MovementSensor,
        "AngularVelocity",
        &[],
        |_, x| Call::MsAngularVelocity(x),
        |r, _| vector("angular_velocity", r),
    ),
    tabular(
        ApiKind::MovementSensor,
        "LinearAcceleration",
        &[],
        |_, x| Call::MsLinearAcceleration(x),
        |r, _| vector("linear_acceleration", r),
    ),
    tabular(
        ApiKind::MovementSensor,
        "CompassHeading",
        &[],
        |_, x| Call::MsCompassHeading(x),
        |r, _| tab(json!({"value": r.into_f64()?})),
    ),
    tabular(
        ApiKind::MovementSensor,
        "Orientation",
        &[],
        |_, x| Call::MsOrientation(x),
        |r, _| {
            let o = r.into_orientation()?;
            tab(json!({"orientation": {"o_x": o.o_x, "o_y": o.o_y, "o_z": o.o_z, "theta": o.theta}}))
        },
    ),
    tabular(
        ApiKind::Motor,
        "Position",
        &[],
        |_, x| Call::MotorPosition(x),
        |r, _| tab(json!({"position": r.into_f64()?})),
    ),
    tabular(
        ApiKind::Motor,
        "IsPowered",
        &[],
        |_, x| Call::IsPowered(x),
        |r, _| {
            let p = r.into_power_state()?;
            tab(json!({"is_on": p.is_on, "power_pct": p.power_pct}))
        },
    ),
    tabular(
        ApiKind::Servo,
        "Position",
        &[],
        |_, x| Call::ServoPosition(x),
        |r, _| tab(json!({"position_deg": r.into_u32()?})),
    ),
    tabular(
        ApiKind::Encoder,
        "TicksCount",
        &[],
        |_, extra| Call::EncoderPosition {
            position_type: PositionType::Unspecified,
            extra,
        },
        |r, _| {
            let p = r.into_encoder_position()?;
            let kind = match p.position_type {
                PositionType::Unspecified => 0,
                PositionType::TicksCount => 1,
                PositionType::AngleDegrees => 2,
            };
            tab(json!({"value": p.value, "position_type": kind}))
        },
    ),
    tabular(
        ApiKind::Board,
        "Analogs",
        &["reader_name"],
        |p, extra| Call::ReadAnalog {
            reader: param(p, "reader_name"),
            extra,
        },
        |r, _| {
            let a = r.into_analog_reading()?;
            tab(json!({"value": a.value, "min_range": a.min_range, "max_range": a.max_range, "step_size": a.step_size}))
        },
    ),
    tabular(
        ApiKind::Board,
        "Gpios",
        &["pin_name"],
        |p, extra| Call::GetGpio {
            pin: param(p, "pin_name"),
            extra,
        },
        |r, _| tab(json!({"high": r.into_bool()?})),
    ),
    CaptureMethod {
        api: ApiKind::Camera,
        name: "GetImages",
        kind: DataKind::Binary,
        required: &[],
        call: |p, extra| Call::GetImages {
            filter: p
                .get("filter_source_names")
                .and_then(Json::as_array)
                .map(|names| names.iter().filter_map(|n| n.as_str().map(String::from)).collect())
                .unwrap_or_default(),
            extra,
        },
        payload: |r, _| {
            Ok(Payload::Binary(
                r.into_images()?
                    .into_iter()
                    .map(|i| Blob {
                        mime_type: i.mime_type,
                        data: i.data,
                        source: Some(i.source_name),
                    })
                    .collect(),
            ))
        },
    },
    CaptureMethod {
        api: ApiKind::Camera,
        name: "ReadImage",
        kind: DataKind::Binary,
        required: &[],
        call: |_, extra| Call::GetImages {
            filter: Vec::new(),
            extra,
        },
        // Viam: the first image of the requested type, else the first.
        payload: |r, p| {
            let wanted = p.get("mime_type").and_then(Json::as_str).unwrap_or("image/jpeg");
            let mut images = r.into_images()?;
            if images.is_empty() {
                return Err(CallError::internal("the camera returned no image"));
            }
            let pick = images.iter().position(|i| i.mime_type == wanted).unwrap_or(0);
            let i = images.swap_remove(pick);
            Ok(Payload::Binary(vec![Blob {
                mime_type: i.mime_type,
                data: i.data,
                source: None,
            }]))
        },
    },
];

/// DoCommand, capturable on every API: `additional_params.docommand_input`
/// is the command, the result is stored as `{"docommand_output": …}`.
pub const DO_COMMAND: &str = "DoCommand";
const DO_COMMAND_INPUT: &str = "docommand_input";

fn do_command_row(api: ApiKind) -> CaptureMethod {
    CaptureMethod {
        api,
        name: DO_COMMAND,
        kind: DataKind::Tabular,
        required: &[DO_COMMAND_INPUT],
        call: |p, _| {
            let input = p
                .get(DO_COMMAND_INPUT)
                .and_then(Json::as_object)
                .cloned()
                .unwrap_or_default();
            Call::DoCommand(values::map_to_nodes(&input))
        },
        payload: |r, _| under("docommand_output", r),
    }
}

/// The capturable method `name` of `api`, if there is one.
pub fn find(api: ApiKind, name: &str) -> Option<CaptureMethod> {
    if name == DO_COMMAND {
        return Some(do_command_row(api));
    }
    METHODS.iter().find(|m| m.api == api && m.name == name).copied()
}

/// The method names of `api`, for errors.
pub fn names(api: ApiKind) -> Vec<&'static str> {
    let mut names: Vec<_> = METHODS.iter().filter(|m| m.api == api).map(|m| m.name).collect();
    names.push(DO_COMMAND);
    names
}

const fn tabular(
    api: ApiKind,
    name: &'static str,
    required: &'static [&'static str],
    call: fn(&Map<String, Json>, Value) -> Call,
    payload: fn(Reply, &Map<String, Json>) -> Result<Payload, CallError>,
) -> CaptureMethod {
    CaptureMethod {
        api,
        name,
        kind: DataKind::Tabular,
        required,
        call,
        payload,
    }
}

fn param(p: &Map<String, Json>, key: &str) -> String {
    p.get(key).and_then(Json::as_str).unwrap_or_default().to_string()
}

fn tab(v: Json) -> Result<Payload, CallError> {
    match v {
        Json::Object(m) => Ok(Payload::Tabular(values::json_to_struct(&m))),
        _ => Err(CallError::internal("a tabular capture is a map")),
    }
}

fn readings(r: Reply, _: &Map<String, Json>) -> Result<Payload, CallError> {
    under("readings", r)
}

/// A map the resource answered, stored under `key` (`{"readings": …}`).
fn under(key: &str, r: Reply) -> Result<Payload, CallError> {
    let map = values::nodes_to_struct(r.into_value()?).map_err(|e| CallError::internal(e.to_string()))?;
    let map = prost_types::Value {
        kind: Some(prost_types::value::Kind::StructValue(map)),
    };
    Ok(Payload::Tabular(Struct {
        fields: [(key.to_string(), map)].into(),
    }))
}

fn vector(key: &str, r: Reply) -> Result<Payload, CallError> {
    let v = r.into_vector3()?;
    let mut m = Map::new();
    m.insert(key.to_string(), json!({"x": v.x, "y": v.y, "z": v.z}));
    tab(Json::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_can_capture_do_command_and_names_are_unique() {
        for m in METHODS {
            assert_eq!(METHODS.iter().filter(|o| o.api == m.api && o.name == m.name).count(), 1);
        }
        assert!(find(ApiKind::GenericService, "DoCommand").is_some());
        assert!(find(ApiKind::Sensor, "Position").is_none());
        assert_eq!(
            find(ApiKind::Board, "Analogs").map(|m| m.required),
            Some(&["reader_name"][..])
        );
    }
}
