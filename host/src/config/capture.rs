//! A resource's `service_configs` entry for the data manager, as Viam
//! writes it:
//! `[{"type": "data_manager", "attributes": {"capture_methods": [{"method":
//! "Readings", "capture_frequency_hz": 1, "additional_params": {…},
//! "disabled": false}]}}]`. Checked here, against the API's capturable
//! methods, so that a bad entry refuses the config like any other mistake.

use serde_json::{Map, Value};

use crate::apis::capturable as methods;
use crate::core::api::ApiKind;
use crate::core::names::Api;

/// One method captured from a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureMethodConfig {
    /// Viam's method name, e.g. `Readings`.
    pub method: String,
    pub frequency_hz: f64,
    /// `additional_params`: passed in the call's `extra`, and recorded in
    /// every file's metadata.
    pub params: Map<String, Value>,
    /// `disabled: true` keeps the entry but captures nothing.
    pub disabled: bool,
}

/// The highest frequency a collector accepts: each sample is a call, and
/// past this the collector would be the machine's main load.
pub const MAX_HZ: f64 = 1000.0;

/// The data manager's API: a machine has at most one.
pub const DATA_MANAGER_API: &str = "rdk:service:data_manager";

/// The `service_configs` types that name the data manager.
fn is_data_manager(t: &str) -> bool {
    matches!(t, "data_manager" | "rdk:service:data_manager")
}

/// Parses `service_configs` of a resource of `api`; every problem is
/// reported through `error(field, message)`.
pub fn parse(api: &Api, value: Option<&Value>, mut error: impl FnMut(String, String)) -> Vec<CaptureMethodConfig> {
    let mut out = Vec::new();
    let Some(value) = value else { return out };
    let Some(list) = value.as_array() else {
        error("service_configs".into(), "must be a list".into());
        return out;
    };
    for (i, entry) in list.iter().enumerate() {
        let at = format!("service_configs[{i}]");
        match entry.get("type").and_then(Value::as_str) {
            Some(t) if is_data_manager(t) => {}
            // Other services' entries are theirs to read.
            Some(_) => continue,
            None => {
                error(format!("{at}.type"), "is required (e.g. \"data_manager\")".into());
                continue;
            }
        }
        let methods = entry.get("attributes").and_then(|a| a.get("capture_methods"));
        let Some(methods) = methods else { continue };
        let Some(methods) = methods.as_array() else {
            error(format!("{at}.attributes.capture_methods"), "must be a list".into());
            continue;
        };
        for (j, m) in methods.iter().enumerate() {
            let at = format!("{at}.attributes.capture_methods[{j}]");
            if let Some(parsed) = method(api, m, &at, &mut error) {
                out.push(parsed);
            }
        }
    }
    out
}

fn method(api: &Api, m: &Value, at: &str, error: &mut impl FnMut(String, String)) -> Option<CaptureMethodConfig> {
    let name = match m.get("method").and_then(Value::as_str) {
        Some(n) => n,
        None => {
            error(format!("{at}.method"), "is required (e.g. \"Readings\")".into());
            return None;
        }
    };
    let Some(kind) = ApiKind::of(api) else {
        error(
            format!("{at}.method"),
            format!("{api} is not a standard API Armature can capture from"),
        );
        return None;
    };
    let Some(row) = methods::find(kind, name) else {
        error(
            format!("{at}.method"),
            format!(
                "{name:?} is not a capture method of {api} (it has: {})",
                methods::names(kind).join(", ")
            ),
        );
        return None;
    };
    let frequency_hz = match m.get("capture_frequency_hz").and_then(Value::as_f64) {
        Some(hz) if hz > 0.0 && hz <= MAX_HZ => hz,
        Some(hz) if hz > MAX_HZ => {
            error(
                format!("{at}.capture_frequency_hz"),
                format!("{hz} Hz is more than the {MAX_HZ} Hz a collector samples at most"),
            );
            return None;
        }
        Some(hz) => {
            error(
                format!("{at}.capture_frequency_hz"),
                format!("{hz} is not a frequency: it must be above 0 (to stop capturing, set \"disabled\": true)"),
            );
            return None;
        }
        None => {
            error(
                format!("{at}.capture_frequency_hz"),
                "is required: a number of Hz above 0".into(),
            );
            return None;
        }
    };
    let params = match m.get("additional_params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => {
            error(format!("{at}.additional_params"), "must be an object".into());
            return None;
        }
    };
    for key in row.required {
        let present = match params.get(*key) {
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Object(_)) => true,
            _ => false,
        };
        if !present {
            error(
                format!("{at}.additional_params.{key}"),
                format!("is required by {name}"),
            );
            return None;
        }
    }
    if let Err((key, why)) = (row.check)(&params) {
        error(format!("{at}.additional_params.{key}"), why);
        return None;
    }
    let disabled = match m.get("disabled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            error(format!("{at}.disabled"), "must be true or false".into());
            return None;
        }
    };
    Some(CaptureMethodConfig {
        method: name.to_string(),
        frequency_hz,
        params,
        disabled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(api: &str, v: Value) -> (Vec<CaptureMethodConfig>, Vec<(String, String)>) {
        let mut errors = Vec::new();
        let out = parse(&Api::parse(api).unwrap(), Some(&v), |f, m| errors.push((f, m)));
        (out, errors)
    }

    #[test]
    fn reads_viams_form() {
        let (out, errors) = run(
            "rdk:component:sensor",
            json!([{"type": "data_manager", "attributes": {"capture_methods": [
                {"method": "Readings", "capture_frequency_hz": 2, "additional_params": {"a": 1}}]}}]),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out[0].method, "Readings");
        assert_eq!(out[0].frequency_hz, 2.0);
        assert_eq!(out[0].params.get("a"), Some(&json!(1)));
    }

    #[test]
    fn names_the_field_at_fault() {
        let (_, errors) = run(
            "rdk:component:board",
            json!([{"type": "data_manager", "attributes": {"capture_methods": [
                {"method": "Readings", "capture_frequency_hz": 1},
                {"method": "Analogs", "capture_frequency_hz": 0},
                {"method": "Analogs", "capture_frequency_hz": 1}]}}]),
        );
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "service_configs[0].attributes.capture_methods[0].method",
                "service_configs[0].attributes.capture_methods[1].capture_frequency_hz",
                "service_configs[0].attributes.capture_methods[2].additional_params.reader_name",
            ]
        );
        assert!(errors[0].1.contains("Analogs, Gpios, DoCommand"), "{}", errors[0].1);
    }
}
