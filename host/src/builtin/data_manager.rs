//! `rdk:service:data_manager` / `rdk:builtin:builtin`: the data manager as
//! a resource. Capture itself runs in the host (`crate::capture`), which
//! follows the config; this answers DoCommand:
//! - `{"command": "query", "resource", "method", "since"?, "until"?, "limit"?, "binary"?}`:
//!   captured samples ([`crate::capture::query`]);
//! - `{"command": "status"}`: every collector's counts;
//! - `{"command": "sync"}`: close the files being written and sync now (as Sync does).

use std::path::Path;

use serde_json::{Map, Value as Json, json};

use super::shared::common;
use crate::apis::call::{Call, Reply};
use crate::capture::config::{API, DataManagerConfig, MODEL};
use crate::capture::query::Query;
use crate::core::error::{CallError, Code};
use crate::core::values;
use crate::resources::native::{BuiltinModel, NativeResource};

pub const BUILTIN: BuiltinModel = BuiltinModel {
    api: API,
    model: MODEL,
    validate: |c| DataManagerConfig::parse(&c.name, &c.attributes, Path::new("")).map(drop),
    build: |_| Ok(Box::new(DataManager)),
    exclusive: false,
};

struct DataManager;

impl NativeResource for DataManager {
    fn call(&mut self, call: Call) -> Result<Reply, CallError> {
        let Call::DoCommand(command) = call else {
            return common(&call, "the data manager");
        };
        let command = values::nodes_to_struct(command).map_err(|e| CallError::invalid_argument(e.to_string()))?;
        let mut command = values::struct_to_json(&command);
        // Every number on the wire is a double: a `limit` of 2 comes as 2.0.
        values::whole_numbers_as_integers(&mut command);
        let Json::Object(command) = command else {
            return Err(CallError::invalid_argument("the command must be a map"));
        };
        let engine =
            crate::capture::current().ok_or_else(|| CallError::new(Code::Unavailable, "capture is not running"))?;
        let answer = match command.get("command").and_then(Json::as_str) {
            Some("query") => {
                let query = Query::parse(&command).map_err(CallError::invalid_argument)?;
                let dir = engine
                    .dir()
                    .ok_or_else(|| CallError::new(Code::FailedPrecondition, "no capture folder in force"))?;
                // Only what a collector of the config in force writes: a
                // path is never made from the request.
                let folders = engine.collector_folders(&query.resource, &query.method);
                if folders.is_empty() {
                    // The request's own text is repeated only when it is a plain name.
                    let plain = |s: &str| crate::core::names::check_name(s).is_ok();
                    let what = if plain(&query.resource) && plain(&query.method) {
                        format!("{:?} of {:?}", query.method, query.resource)
                    } else {
                        "that method of that resource".to_string()
                    };
                    return Err(CallError::new(
                        Code::NotFound,
                        format!("no collector captures {what}: query a resource and method configured for capture"),
                    ));
                }
                query.run(&folders, &dir)
            }
            Some("status") => engine.status(),
            Some("sync") => {
                engine.sync_now();
                json!({"started": true})
            }
            other => {
                return Err(CallError::invalid_argument(format!(
                    "unknown command {other:?}: the data manager knows \"query\", \"status\" and \"sync\""
                )));
            }
        };
        match answer {
            Json::Object(m) => Ok(Reply::Value(values::map_to_nodes(&m))),
            other => Ok(Reply::Value(values::map_to_nodes(&Map::from_iter([(
                "result".to_string(),
                other,
            )])))),
        }
    }

    /// Queries read files.
    fn blocks(&self) -> bool {
        true
    }
}
