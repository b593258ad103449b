//! A resource's configuration, with typed access to its attributes.

use serde::de::DeserializeOwned;

use crate::bindings::exports::armature::module::model as wit;
use crate::value::{Map, map_from_nodes, map_to_nodes};
use crate::{Error, Result};

/// The configuration of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Short name, e.g. "temp-1".
    pub name: String,
    /// API triplet, e.g. "rdk:component:sensor".
    pub api: String,
    /// Model triplet, e.g. "armature:examples:thermometer".
    pub model: String,
    /// The `attributes` object.
    pub attributes: Map,
}

impl Config {
    /// A required attribute, converted to `T`. The error names the resource
    /// and the attribute.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<T> {
        match self.get_opt(key)? {
            Some(v) => Ok(v),
            None => Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `{key}` is required",
                self.name
            ))),
        }
    }

    /// An optional attribute: `None` when absent or null, an error when present
    /// with the wrong type.
    pub fn get_opt<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.attributes.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => T::deserialize(v).map(Some).map_err(|e| {
                Error::invalid_argument(format!("resource {:?}: attribute `{key}`: {e} (got {v})", self.name))
            }),
        }
    }

    /// An attribute with a default for when it is absent.
    pub fn get_or<T: DeserializeOwned>(&self, key: &str, default: T) -> Result<T> {
        Ok(self.get_opt(key)?.unwrap_or(default))
    }
}

impl From<wit::Config> for Config {
    fn from(c: wit::Config) -> Self {
        Config {
            name: c.name,
            api: c.api,
            model: c.model,
            attributes: map_from_nodes(&c.attributes),
        }
    }
}

impl From<&Config> for wit::Config {
    fn from(c: &Config) -> Self {
        wit::Config {
            name: c.name.clone(),
            api: c.api.clone(),
            model: c.model.clone(),
            attributes: map_to_nodes(&c.attributes),
        }
    }
}

/// What `validate` returns: the names a resource depends on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependencies {
    /// Built before this resource; it waits while any is missing or failed.
    pub required: Vec<String>,
    /// Handed over when present; the resource is reconfigured when one appears.
    pub optional: Vec<String>,
}

impl Dependencies {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn required<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Self {
        Self {
            required: names.into_iter().map(Into::into).collect(),
            optional: Vec::new(),
        }
    }

    pub fn and_optional<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.optional.extend(names.into_iter().map(Into::into));
        self
    }
}

impl From<Dependencies> for wit::Dependencies {
    fn from(d: Dependencies) -> Self {
        wit::Dependencies {
            required: d.required,
            optional: d.optional,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg(attrs: serde_json::Value) -> Config {
        Config {
            name: "temp-1".into(),
            api: "rdk:component:sensor".into(),
            model: "a:b:c".into(),
            attributes: attrs.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn typed_get_names_the_attribute() {
        let c = cfg(json!({"threshold": "hot"}));
        let err = c.get::<f64>("threshold").unwrap_err();
        assert!(err.message.contains("`threshold`"), "{}", err.message);
        assert!(err.message.contains("temp-1"), "{}", err.message);
        assert!(c.get::<f64>("missing").unwrap_err().message.contains("required"));
        assert_eq!(c.get_or("missing", 2.0).unwrap(), 2.0);
        assert_eq!(cfg(json!({"t": 40})).get::<f64>("t").unwrap(), 40.0);
    }
}
