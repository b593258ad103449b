//! What a capturable method is, for every API's table (`CAPTURE` in
//! `apis/<api>.rs`): the name Viam's data manager gives it
//! (`../shared/spec/viam-data-capture.md` 1.4), the call that takes a
//! sample, and how its reply becomes a `SensorData` payload (tabular: the
//! gRPC response as a Struct with proto field names; binary: one file per
//! image). `apis::capturable` gathers the tables.

use prost_types::Struct;
use serde_json::{Map, Value as Json};

use crate::core::bindings::Value;
use crate::core::error::CallError;
use crate::core::proto::viam::app::data::v1::{Annotations, Classification};
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
    /// What is known of it (`SensorMetadata.annotations`): the camera
    /// source it came from (GetImages), what a vision service found in it.
    pub annotations: Option<Annotations>,
}

impl Blob {
    /// An image labelled with the camera source it came from, as Viam's
    /// GetImages collector labels each.
    pub fn from_source(mime_type: String, data: Vec<u8>, source: String) -> Blob {
        Blob {
            mime_type,
            data,
            annotations: Some(Annotations {
                classifications: vec![Classification {
                    label: source,
                    ..Default::default()
                }],
                ..Default::default()
            }),
        }
    }
}

/// The `additional_params` of a capture method.
pub type Params = Map<String, Json>;

/// Checks a method's `additional_params` beyond presence, when the config
/// is read: `Err((key, why))` names the param at fault.
pub type CheckParams = fn(&Params) -> Result<(), (&'static str, String)>;

/// For the methods whose params need no check beyond `required`.
pub fn any_params(_: &Params) -> Result<(), (&'static str, String)> {
    Ok(())
}

/// One capturable method of one API, in the API's own call and reply.
pub struct CaptureMethod<C, R> {
    /// Viam's name, as `capture_methods[].method` spells it.
    pub name: &'static str,
    pub kind: DataKind,
    /// `additional_params` keys that must be present, as strings.
    pub required: &'static [&'static str],
    pub check: CheckParams,
    /// The call taking one sample; `extra` holds the params and
    /// `fromDataManagement`.
    pub call: fn(&Params, Value) -> C,
    pub payload: fn(R, &Params) -> Result<Payload, CallError>,
}

/// A tabular method without required params.
pub const fn tabular<C, R>(
    name: &'static str,
    call: fn(&Params, Value) -> C,
    payload: fn(R, &Params) -> Result<Payload, CallError>,
) -> CaptureMethod<C, R> {
    CaptureMethod {
        name,
        kind: DataKind::Tabular,
        required: &[],
        check: any_params,
        call,
        payload,
    }
}

/// A string param (checked present by the config).
pub fn param(p: &Params, key: &str) -> String {
    p.get(key).and_then(Json::as_str).unwrap_or_default().to_string()
}

/// A JSON map as a tabular payload.
pub fn tab(v: Json) -> Result<Payload, CallError> {
    match v {
        Json::Object(m) => Ok(Payload::Tabular(values::json_to_struct(&m))),
        _ => Err(CallError::internal("a tabular capture is a map")),
    }
}

/// A map the resource answered, stored under `key` (`{"readings": …}`).
pub fn under(key: &str, map: Value) -> Result<Payload, CallError> {
    let map = values::nodes_to_struct(map).map_err(|e| CallError::internal(e.to_string()))?;
    let map = prost_types::Value {
        kind: Some(prost_types::value::Kind::StructValue(map)),
    };
    Ok(Payload::Tabular(Struct {
        fields: [(key.to_string(), map)].into(),
    }))
}

/// A reply of another shape than the method's: a host bug.
pub fn unexpected(reply: impl std::fmt::Debug) -> CallError {
    CallError::internal(format!("unexpected reply {reply:?}"))
}
