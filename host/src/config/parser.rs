//! What parsing a config keeps and reports: the problems found (each with
//! file, place and field), the resolution of paths against the config's
//! folder, and durations as viam-server writes them. The parser's methods
//! for each section are beside the section (`mod.rs`, `registry.rs`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// Where in the file, e.g. `components[1] "temp-1"`; empty for the top level.
    pub place: String,
    /// The field at fault, e.g. `model`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if !self.place.is_empty() {
            write!(f, ": {}", self.place)?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// A path as a config writes it: `~/` is the home folder, and a relative
/// path is relative to `base` (the config's folder).
pub fn resolve_path(base: &Path, p: &str) -> PathBuf {
    let expanded = match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        base.join(expanded)
    }
}

/// A config being parsed: the file, and every problem found so far.
pub(super) struct Parser {
    pub(super) file: PathBuf,
    pub(super) errors: Vec<ConfigError>,
}

impl Parser {
    pub(super) fn error(&mut self, place: &str, field: &str, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: self.file.clone(),
            place: place.to_string(),
            field: field.to_string(),
            message: message.into(),
        });
    }

    pub(super) fn resolve(&self, p: &str) -> PathBuf {
        resolve_path(self.file.parent().unwrap_or(Path::new("")), p)
    }
}

/// Parses Go-style durations as viam-server writes them: "2s", "500ms", "1m", "1.5s".
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = s.split_at(split);
    let n: f64 = number.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "us" | "µs" => n / 1e6,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}
