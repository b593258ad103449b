//! Hardware grants, read from a guest resource's attributes: the config a
//! driver reads is also what it may touch.
//!
//! - `"board": "local"` with `"pins": ["11", "12"]` or `{"pwm": "11", "dir": "12"}`:
//!   those pins (and analog readers and digital interrupts of those names)
//!   of the board resource `local`;
//! - `"serial": {"path": "/dev/ttyUSB0", "baud": 9600}` (or a list of them);
//! - `"camera": "cam0"`: the camera resource `cam0`.
//!
//! Built-in models do not take grants: their attributes configure the
//! device itself.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::hardware::serial::SerialSettings;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HardwareGrant {
    /// The board resource's name, as written.
    pub board: Option<String>,
    pub pins: BTreeSet<String>,
    pub serial: Vec<SerialSettings>,
    /// The camera resource's name, as written.
    pub camera: Option<String>,
}

impl HardwareGrant {
    /// Reads the grant keys of `attributes`; an error names the attribute.
    pub fn parse(attributes: &Map<String, Value>) -> Result<Self, String> {
        let name = |key: &str| -> Result<Option<String>, String> {
            match attributes.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                Some(other) => Err(format!("attribute `{key}`: expected a resource name, got {other}")),
            }
        };
        let board = name("board")?;
        let mut pins = BTreeSet::new();
        if board.is_some() {
            let pin = |v: &Value, at: String| match v {
                Value::String(s) if !s.is_empty() => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(format!("attribute `{at}`: expected a pin name, got {other}")),
            };
            match attributes.get("pins") {
                None | Some(Value::Null) => {}
                Some(Value::Array(list)) => {
                    for (i, v) in list.iter().enumerate() {
                        pins.insert(pin(v, format!("pins[{i}]"))?);
                    }
                }
                Some(Value::Object(roles)) => {
                    for (role, v) in roles {
                        pins.insert(pin(v, format!("pins.{role}"))?);
                    }
                }
                Some(other) => {
                    return Err(format!(
                        "attribute `pins`: expected a list of pins or an object of named pins, got {other}"
                    ));
                }
            }
        }
        let serial = match attributes.get("serial") {
            None | Some(Value::Null) => Vec::new(),
            Some(one @ Value::Object(_)) => vec![serial_settings(one, "serial")?],
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, v)| serial_settings(v, &format!("serial[{i}]")))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!(
                    "attribute `serial`: expected an object with a `path`, got {other}"
                ));
            }
        };
        Ok(Self {
            board,
            pins,
            serial,
            camera: name("camera")?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.board.is_none() && self.serial.is_empty() && self.camera.is_none()
    }
}

fn serial_settings(v: &Value, at: &str) -> Result<SerialSettings, String> {
    let settings: SerialSettings = serde_json::from_value(v.clone()).map_err(|e| format!("attribute `{at}`: {e}"))?;
    settings
        .check()
        .map_err(|e| e.replacen("attribute `serial", &format!("attribute `{at}"), 1))?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<HardwareGrant, String> {
        HardwareGrant::parse(v.as_object().expect("an object"))
    }

    #[test]
    fn pins_as_a_list_or_as_named_roles() {
        let g = parse(serde_json::json!({"board": "local", "pins": ["11", 12]})).unwrap();
        assert_eq!(g.pins, BTreeSet::from(["11".to_string(), "12".to_string()]));
        let g = parse(serde_json::json!({"board": "local", "pins": {"pwm": "11", "dir": "12"}})).unwrap();
        assert_eq!(g.pins.len(), 2);
        // Without a board, `pins` is the resource's own business.
        assert!(parse(serde_json::json!({"pins": ["1"]})).unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_attribute() {
        assert!(parse(serde_json::json!({"board": 3})).unwrap_err().contains("`board`"));
        assert!(
            parse(serde_json::json!({"board": "b", "pins": [true]}))
                .unwrap_err()
                .contains("pins[0]")
        );
        let e =
            parse(serde_json::json!({"serial": [{"path": "/dev/x"}, {"path": "/dev/y", "stop_bits": 3}]})).unwrap_err();
        assert!(e.contains("serial[1].stop_bits"), "{e}");
        assert!(
            parse(serde_json::json!({"serial": {"baud": 9600}}))
                .unwrap_err()
                .contains("path")
        );
    }
}
