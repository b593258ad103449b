//! One captured record with what its file says about it, as export and
//! query show it.

use base64::Engine;
use prost::Message;
use serde_json::{Map, Value as Json, json};

use crate::core::proto::viam::app::datasync::v1::{DataCaptureMetadata, SensorData, sensor_data};
use crate::core::values;

/// One captured record with what its file says about it.
pub struct Row {
    pub component_type: String,
    pub component_name: String,
    pub method_name: String,
    pub tags: Vec<String>,
    pub method_parameters: Map<String, Json>,
    pub time_requested: Option<prost_types::Timestamp>,
    pub time_received: Option<prost_types::Timestamp>,
    /// A tabular record's readings.
    pub data: Option<Json>,
    /// A binary record's bytes and type.
    pub binary: Option<(String, Vec<u8>)>,
}

impl Row {
    pub fn new(meta: &DataCaptureMetadata, record: SensorData) -> Self {
        let method_parameters = meta
            .method_parameters
            .iter()
            .map(|(k, any)| {
                let v = prost_types::Value::decode(&any.value[..])
                    .map(|v| values::pb_to_json(&v))
                    .unwrap_or(Json::Null);
                (k.clone(), v)
            })
            .collect();
        let sensor = record.metadata.unwrap_or_default();
        let (data, binary) = match record.data {
            Some(sensor_data::Data::Struct(s)) => (Some(values::struct_to_json(&s)), None),
            Some(sensor_data::Data::Binary(b)) => (None, Some((meta.mime_type.clone(), b))),
            None => (None, None),
        };
        Self {
            component_type: meta.component_type.clone(),
            component_name: meta.component_name.clone(),
            method_name: meta.method_name.clone(),
            tags: meta.tags.clone(),
            method_parameters,
            time_requested: sensor.time_requested,
            time_received: sensor.time_received,
            data,
            binary,
        }
    }
}

impl Row {
    /// `time_requested`, `time_received`, then the readings as `data`, or
    /// for an image its `mime_type`, `binary_bytes` and, with `bytes`, the
    /// bytes as `binary_base64`. Takes the data out of the row.
    pub fn sample_json(&mut self, bytes: bool) -> Json {
        let mut out = json!({
            "time_requested": time_json(self.time_requested),
            "time_received": time_json(self.time_received),
        });
        if let Some(data) = self.data.take() {
            out["data"] = data;
        }
        if let Some((mime_type, b)) = self.binary.take() {
            out["mime_type"] = json!(mime_type);
            out["binary_bytes"] = json!(b.len());
            if bytes {
                out["binary_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(b));
            }
        }
        out
    }

    /// When it was requested, if the record says.
    pub fn requested(&self) -> Option<std::time::SystemTime> {
        self.time_requested
            .and_then(|t| std::time::SystemTime::try_from(t).ok())
    }
}

/// A capture timestamp as RFC 3339, or null.
fn time_json(t: Option<prost_types::Timestamp>) -> Json {
    t.and_then(|t| std::time::SystemTime::try_from(t).ok())
        .map(|t| Json::String(humantime::format_rfc3339_nanos(t).to_string()))
        .unwrap_or(Json::Null)
}
