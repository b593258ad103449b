//! Resource API triplets, model triplets and resource names, in viam-server's
//! string forms (`rdk:component:sensor`, `acme:demo:thermo`,
//! `rdk:component:sensor/temp-1`).

use std::fmt;

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("{what} {value:?} is not of the form {form}")]
pub struct NameError {
    pub what: &'static str,
    pub value: String,
    pub form: &'static str,
}

/// The longest resource or module name, and the longest part of an API or
/// model triplet.
pub const MAX_NAME: usize = 60;

fn valid_part(part: &str) -> bool {
    !part.is_empty() && part.len() <= MAX_NAME && part.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Viam's rule for a resource's or a module's name: a letter or digit, then
/// letters, digits, `-` and `_`, at most [`MAX_NAME`] characters. A name
/// becomes a folder (a data folder, a capture folder), so `.`, `..`, `/`,
/// NUL and control characters must never get through.
pub fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => Err("is required".into()),
        Some(_) if name.len() > MAX_NAME => Err(format!("is longer than {MAX_NAME} characters")),
        Some(first)
            if first.is_ascii_alphanumeric() && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Ok(())
        }
        Some(_) => Err(format!(
            "{:?} is not a name: it must start with a letter or digit and hold only letters, digits, '-' and '_'",
            name
        )),
    }
}

fn triplet<'a>(s: &'a str, what: &'static str, form: &'static str) -> Result<[&'a str; 3], NameError> {
    let err = || NameError {
        what,
        value: s.to_string(),
        form,
    };
    let mut parts = s.split(':');
    let (Some(a), Some(b), Some(c), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(err());
    };
    if [a, b, c].iter().all(|p| valid_part(p)) {
        Ok([a, b, c])
    } else {
        Err(err())
    }
}

/// Whether an API is a component or a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Component,
    Service,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Component => "component",
            Kind::Service => "service",
        }
    }
}

/// An API triplet, e.g. `rdk:component:sensor`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Api {
    pub namespace: String,
    pub kind: Kind,
    pub subtype: String,
}

impl Api {
    pub fn new(namespace: &str, kind: Kind, subtype: &str) -> Self {
        Self {
            namespace: namespace.into(),
            kind,
            subtype: subtype.into(),
        }
    }

    pub fn rdk_component(subtype: &str) -> Self {
        Self::new("rdk", Kind::Component, subtype)
    }

    pub fn rdk_service(subtype: &str) -> Self {
        Self::new("rdk", Kind::Service, subtype)
    }

    pub fn parse(s: &str) -> Result<Self, NameError> {
        const FORM: &str = "namespace:component|service:subtype";
        let [ns, kind, subtype] = triplet(s, "API", FORM)?;
        let kind = match kind {
            "component" => Kind::Component,
            "service" => Kind::Service,
            _ => {
                return Err(NameError {
                    what: "API",
                    value: s.into(),
                    form: FORM,
                });
            }
        };
        Ok(Self::new(ns, kind, subtype))
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.namespace, self.kind.as_str(), self.subtype)
    }
}

/// A model triplet, e.g. `armature:examples:thermometer`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelName(String);

impl ModelName {
    /// Accepts a triplet, or a bare name meaning `rdk:builtin:<name>` (as viam-server does).
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if !s.contains(':') && valid_part(s) {
            return Ok(Self(format!("rdk:builtin:{s}")));
        }
        triplet(s, "model", "namespace:family:name")?;
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A resource's full name: its API and short name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceName {
    pub api: Api,
    pub name: String,
}

impl ResourceName {
    pub fn new(api: Api, name: impl Into<String>) -> Self {
        Self { api, name: name.into() }
    }

    /// Parses `api/name`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let err = || NameError {
            what: "resource name",
            value: s.into(),
            form: "api/name",
        };
        let (api, name) = s.split_once('/').ok_or_else(err)?;
        if name.is_empty() {
            return Err(err());
        }
        Ok(Self::new(Api::parse(api)?, name))
    }
}

impl fmt::Display for ResourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.api, self.name)
    }
}

/// A module name is a folder name under the state folder and part of its
/// model names: lowercase letters, digits, `-` and `_`, 1 to 64 of them,
/// starting with a letter.
pub fn check_inline_module_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an inline module name: 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_viam_forms() {
        let api = Api::parse("rdk:component:movement_sensor").unwrap();
        assert_eq!(api.to_string(), "rdk:component:movement_sensor");
        assert!(Api::parse("rdk:thing:sensor").is_err());
        assert!(Api::parse("rdk:component").is_err());
        assert!(Api::parse("rdk:component:a:b").is_err());
        assert_eq!(ModelName::parse("fake").unwrap().as_str(), "rdk:builtin:fake");
        assert!(ModelName::parse("a:b").is_err());
        let n = ResourceName::parse("rdk:component:sensor/temp-1").unwrap();
        assert_eq!((n.api.subtype.as_str(), n.name.as_str()), ("sensor", "temp-1"));
        assert!(ResourceName::parse("rdk:component:sensor/").is_err());
    }

    #[test]
    fn names_that_could_leave_their_folder_are_refused() {
        for ok in ["temp-1", "py_temp", "A", "0abc"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        let long = "a".repeat(MAX_NAME + 1);
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a\0b",
            "a\nb",
            "-x",
            "_x",
            "a.b",
            "é",
            long.as_str(),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(ModelName::parse(&format!("acme:x:{long}")).is_err());
    }

    #[test]
    fn inline_module_names_are_folder_safe() {
        for ok in ["a", "my-alerts", "s_2"] {
            assert!(check_inline_module_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "A", "../x", "a/b", "1abc", ".hidden", &"x".repeat(65)] {
            assert!(check_inline_module_name(bad).is_err(), "{bad}");
        }
    }
}
