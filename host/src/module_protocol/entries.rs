//! viam-server's resource configs (`viam.app.v1.ComponentConfig`, sent for
//! components and services alike) as entries of an Armature config file.
//! The resources the parent has added make up one machine config, which goes
//! through `Machine::apply` like an edited config file does: the same
//! parser, the same checks, the same in-place reconfiguration.

use std::path::Path;

use serde_json::{Map, Value as Json, json};
use tonic::Status;

use crate::config::{Api, Kind, MachineConfig, ResourceConfig, ResourceName};
use crate::core::proto::viam::app::v1::ComponentConfig;
use crate::core::values;

/// What config errors are attributed to.
const SOURCE: &str = "viam-server";

/// Armature's own resource keys (`data_dir`, `limits`) have no place in a
/// ComponentConfig; they may be given under this attribute, which the guest
/// does not see.
pub const ARMATURE_ATTRIBUTE: &str = "armature";

/// A resource config as a config-file entry, and the list it belongs in.
pub fn entry(config: &ComponentConfig) -> Result<(Kind, Json), Status> {
    if config.api.is_empty() {
        return Err(Status::invalid_argument(format!(
            "resource {:?}: the config has no `api` (an API triplet such as rdk:component:sensor)",
            config.name
        )));
    }
    let api = Api::parse(&config.api)
        .map_err(|e| Status::invalid_argument(format!("resource {:?}: field `api`: {e}", config.name)))?;
    let mut attributes: Map<String, Json> = config
        .attributes
        .as_ref()
        .map(|s| {
            s.fields
                .iter()
                .map(|(k, v)| (k.clone(), values::pb_to_json(v)))
                .collect()
        })
        .unwrap_or_default();
    let mut entry = json!({
        "name": config.name,
        "api": config.api,
        "model": config.model,
        "depends_on": config.depends_on,
    });
    match attributes.remove(ARMATURE_ATTRIBUTE) {
        None => {}
        Some(Json::Object(own)) => {
            for (key, value) in own {
                entry[key] = value;
            }
        }
        Some(_) => {
            return Err(Status::invalid_argument(format!(
                "resource {:?}: attribute `{ARMATURE_ATTRIBUTE}` must be an object (data_dir, limits)",
                config.name
            )));
        }
    }
    entry["attributes"] = Json::Object(attributes);
    Ok((api.kind, entry))
}

/// Parses one entry with the config parser, so that a bad one is refused
/// with the field at fault named.
pub fn parse(kind: Kind, entry: &Json) -> Result<ResourceConfig, Status> {
    let config = machine_config([(kind, entry)]).map_err(Status::invalid_argument)?;
    config
        .resources
        .into_iter()
        .next()
        .ok_or_else(|| Status::internal("a parsed entry vanished"))
}

/// The machine config made of `entries`.
pub fn machine_config<'a>(entries: impl IntoIterator<Item = (Kind, &'a Json)>) -> Result<MachineConfig, String> {
    let (mut components, mut services) = (Vec::new(), Vec::new());
    for (kind, entry) in entries {
        match kind {
            Kind::Component => components.push(entry.clone()),
            Kind::Service => services.push(entry.clone()),
        }
    }
    let text = json!({ "components": components, "services": services }).to_string();
    MachineConfig::parse(Path::new(SOURCE), &text).map_err(|e| e.to_string())
}

/// A full resource name as viam-server sends it (`rdk:component:motor/motor1`).
pub fn full_name(s: &str) -> Result<ResourceName, Status> {
    ResourceName::parse(s).map_err(|e| Status::invalid_argument(e.to_string()))
}

/// Whether a dependency as written (`motor1` or `rdk:component:motor/motor1`)
/// names `name`.
pub fn names(written: &str, name: &ResourceName) -> bool {
    if written.contains('/') {
        ResourceName::parse(written).is_ok_and(|w| w == *name)
    } else {
        written == name.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(attributes: Json) -> ComponentConfig {
        ComponentConfig {
            name: "t".into(),
            namespace: "rdk".into(),
            r#type: "sensor".into(),
            model: "acme:demo:thermo".into(),
            api: "rdk:component:sensor".into(),
            depends_on: vec!["m".into()],
            attributes: attributes.as_object().map(values::json_to_struct),
            ..Default::default()
        }
    }

    #[test]
    fn converts_a_component_config_and_hoists_armature_keys() {
        let (kind, e) = entry(&config(json!({"celsius": 20.5, "armature": {"data_dir": true}}))).unwrap();
        assert_eq!(kind, Kind::Component);
        let rc = parse(kind, &e).unwrap();
        assert_eq!(rc.name, "t");
        assert_eq!(rc.model.as_str(), "acme:demo:thermo");
        assert_eq!(rc.depends_on, vec!["m"]);
        assert!(rc.data_dir);
        assert_eq!(Json::Object(rc.attributes), json!({"celsius": 20.5}));
    }

    #[test]
    fn refuses_what_the_parser_refuses() {
        let mut c = config(json!({}));
        c.model = "no".into();
        c.name = "a:b".into();
        let (kind, e) = entry(&c).unwrap();
        let err = parse(kind, &e).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().contains("field `name`"), "{}", err.message());
        c.api = String::new();
        assert!(entry(&c).unwrap_err().message().contains("no `api`"));
    }

    #[test]
    fn matches_short_and_full_names() {
        let n = ResourceName::parse("rdk:component:motor/motor1").unwrap();
        assert!(names("motor1", &n));
        assert!(names("rdk:component:motor/motor1", &n));
        assert!(!names("rdk:component:servo/motor1", &n));
        assert!(!names("motor2", &n));
    }
}
