//! The registry part of a machine config: the top-level `registries` list
//! and `{"type": "registry", "name": …, "module_id": …, "version": …}`
//! entries of `modules`.
//!
//! ```json
//! "registries": [{"name": "acme", "url": "http://127.0.0.1:5000",
//!                 "credentials_file": "registry.json", "check_interval": "60s"}],
//! "modules": [{"type": "registry", "name": "thermo",
//!              "module_id": "acme/thermometer", "version": "latest"}]
//! ```

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::parser::{Parser, parse_duration};
use crate::config::module_ref::{RegistryAddress, module_repository};
use crate::config::versions::VersionSpec;

/// How often "latest" and ranges are looked up again, unless set.
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(60);
/// Below this a registry would be polled more than it serves.
const MIN_CHECK_INTERVAL: Duration = Duration::from_millis(200);

/// One `registries` entry. Its credentials stay in their file, read when
/// used: the config (which is logged and shown) never holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryConfig {
    pub name: String,
    pub address: RegistryAddress,
    pub credentials_file: Option<PathBuf>,
    pub check_interval: Duration,
}

/// A module entry of `"type": "registry"`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryModule {
    /// The `registries` entry it comes from.
    pub registry: String,
    /// `module_id` as an OCI repository: `acme/thermometer`.
    pub repository: String,
    pub version: VersionSpec,
}

impl Parser {
    pub(super) fn registries(&mut self, value: Option<&Value>) -> Vec<RegistryConfig> {
        let mut out: Vec<RegistryConfig> = Vec::new();
        let Some(value) = value else { return out };
        let Some(list) = value.as_array() else {
            self.error("", "registries", "must be a list");
            return out;
        };
        for (i, entry) in list.iter().enumerate() {
            let place = format!("registries[{i}]");
            let Some(entry) = entry.as_object() else {
                self.error(&place, "", "must be an object");
                continue;
            };
            let Some(url) = entry.get("url").and_then(Value::as_str) else {
                self.error(
                    &place,
                    "url",
                    "is required: the registry's address, e.g. \"http://127.0.0.1:5000\"",
                );
                continue;
            };
            let address = match RegistryAddress::parse(url) {
                Ok(a) => a,
                Err(e) => {
                    self.error(&place, "url", e.to_string());
                    continue;
                }
            };
            let name = match entry.get("name") {
                None | Some(Value::Null) => address.host.clone(),
                Some(Value::String(n)) if !n.is_empty() => n.clone(),
                Some(_) => {
                    self.error(&place, "name", "must be a non-empty string");
                    continue;
                }
            };
            let credentials_file = match entry.get("credentials_file") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) => Some(self.resolve(p)),
                Some(_) => {
                    self.error(&place, "credentials_file", "must be the path of a JSON file");
                    continue;
                }
            };
            let check_interval = self.check_interval(&place, entry);
            if out.iter().any(|r| r.name == name) {
                self.error(
                    &place,
                    "name",
                    format!("{name:?} is already the name of another registry"),
                );
                continue;
            }
            out.push(RegistryConfig {
                name,
                address,
                credentials_file,
                check_interval,
            });
        }
        out
    }

    fn check_interval(&mut self, place: &str, entry: &Map<String, Value>) -> Duration {
        match entry.get("check_interval") {
            None | Some(Value::Null) => DEFAULT_CHECK_INTERVAL,
            Some(Value::String(s)) => match parse_duration(s) {
                Some(d) if d >= MIN_CHECK_INTERVAL => d,
                _ => {
                    self.error(
                        place,
                        "check_interval",
                        format!("{s:?} is not a duration of 200ms or more"),
                    );
                    DEFAULT_CHECK_INTERVAL
                }
            },
            Some(_) => {
                self.error(place, "check_interval", "must be a string such as \"60s\"");
                DEFAULT_CHECK_INTERVAL
            }
        }
    }

    /// A `"type": "registry"` module entry.
    pub(super) fn registry_module(
        &mut self,
        place: &str,
        entry: &Map<String, Value>,
        registries: &[RegistryConfig],
    ) -> Option<RegistryModule> {
        let Some(module_id) = entry.get("module_id").and_then(Value::as_str) else {
            self.error(
                place,
                "module_id",
                "is required: NAMESPACE/NAME in the registry, e.g. \"acme/thermometer\"",
            );
            return None;
        };
        let repository = match module_repository(module_id) {
            Ok(r) => r,
            Err(e) => {
                self.error(place, "module_id", e.to_string());
                return None;
            }
        };
        let version = match entry.get("version") {
            None | Some(Value::Null) => VersionSpec::Latest,
            Some(Value::String(v)) => match v.parse() {
                Ok(spec) => spec,
                Err(e) => {
                    self.error(place, "version", format!("{e}"));
                    return None;
                }
            },
            Some(_) => {
                self.error(place, "version", "must be a string such as \"latest\" or \"1.2.3\"");
                return None;
            }
        };
        let registry = match entry.get("registry") {
            Some(Value::String(r)) if registries.iter().any(|x| &x.name == r) => r.clone(),
            Some(Value::String(r)) => {
                self.error(place, "registry", format!("{r:?} is not in `registries`"));
                return None;
            }
            Some(_) => {
                self.error(place, "registry", "must be the name of a `registries` entry");
                return None;
            }
            None => match registries {
                [only] => only.name.clone(),
                [] => {
                    self.error(
                        place,
                        "type",
                        "a registry module needs a `registries` entry at the top of the config",
                    );
                    return None;
                }
                _ => {
                    self.error(
                        place,
                        "registry",
                        "is required when the config lists several registries",
                    );
                    return None;
                }
            },
        };
        Some(RegistryModule {
            registry,
            repository,
            version,
        })
    }
}
