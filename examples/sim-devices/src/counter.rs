//! `armature:examples:counter`: a generic component with DoCommand only.
//! `{"command": "increment", "by": 2}` → `{"count": 2}`; `{"command": "get"}`.

use armature_guest::prelude::*;

pub struct Counter {
    count: f64,
}

impl Model for Counter {
    const MODEL: &'static str = "armature:examples:counter";

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        Ok(Self {
            count: config.get_or("start", 0.0)?,
        })
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("command").and_then(Json::as_str) {
            Some("increment") => {
                self.count += command.get("by").and_then(Json::as_f64).unwrap_or(1.0);
                Ok(readings! { "count" => self.count })
            }
            Some("get") => Ok(readings! { "count" => self.count }),
            other => Err(Error::invalid_argument(format!(
                "unknown command {other:?}; try increment or get"
            ))),
        }
    }
}
