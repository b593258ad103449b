//! The machine config: viam-server's JSON format (components, services,
//! modules, network), plus Armature's own keys (`modules_dir`, `limits`).
//! Parsing collects every problem, each naming the file, the resource and
//! the field, so that `armature check` can list them all at once.

pub mod capture;
pub mod edit;
pub mod grants;
pub mod module_ref;
mod parser;
pub mod registry;
pub mod versions;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub use crate::core::names::{Api, Kind, ModelName, NameError, ResourceName};
pub use capture::CaptureMethodConfig;
use parser::Parser;
pub use parser::{ConfigError, ConfigErrors, parse_duration, resolve_path};

/// Sandbox limits that a config may override, per machine (`limits`), per
/// module entry and per resource (`limits` beside `attributes`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitOverrides {
    pub memory_mb: Option<u64>,
    pub call_timeout_ms: Option<u64>,
    pub construct_timeout_ms: Option<u64>,
    pub validate_timeout_ms: Option<u64>,
}

impl LimitOverrides {
    /// `self` wins over `fallback`, field by field.
    pub fn or(&self, fallback: &LimitOverrides) -> LimitOverrides {
        LimitOverrides {
            memory_mb: self.memory_mb.or(fallback.memory_mb),
            call_timeout_ms: self.call_timeout_ms.or(fallback.call_timeout_ms),
            construct_timeout_ms: self.construct_timeout_ms.or(fallback.construct_timeout_ms),
            validate_timeout_ms: self.validate_timeout_ms.or(fallback.validate_timeout_ms),
        }
    }
}

/// A module named in the config's `modules` list.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleEntry {
    pub name: String,
    /// The `.wasm` file, resolved against the config's folder. Without it the
    /// module is picked from the modules folder by name (and `version`).
    pub path: Option<PathBuf>,
    /// `version`: which versions in the modules folder (`name@1.2.0.wasm`)
    /// may serve; the newest matching one does. None tracks the newest.
    pub version: Option<semver::VersionReq>,
    /// `"type": "registry"`: the module comes from an OCI registry instead.
    pub registry: Option<registry::RegistryModule>,
    /// `"type": "inline"`: written in the control panel (or pushed with
    /// `armature inline push`) and kept, every version, under the state
    /// folder; `version` pins one ("0.0.3"), else the newest serves.
    pub inline: bool,
    pub limits: LimitOverrides,
    /// `allowed_dependencies`: the only resources this module's resources
    /// may ask for as dependencies in `validate` (names, or `api/name`).
    /// None (the default, as in Viam): any resource of the machine.
    pub allowed_dependencies: Option<Vec<String>>,
}

/// One component or service.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceConfig {
    pub name: String,
    pub api: Api,
    pub model: ModelName,
    pub attributes: Map<String, Value>,
    pub depends_on: Vec<String>,
    pub limits: LimitOverrides,
    /// `data_dir: true` grants a private folder, kept across restarts, seen
    /// by the guest as `/data`.
    pub data_dir: bool,
    /// What the data manager captures from it (`service_configs`).
    pub capture: Vec<CaptureMethodConfig>,
    /// The entry as written, unknown keys included, less `service_configs`
    /// (what is captured is not the resource's business: a change there
    /// leaves it running); compared to find what changed.
    pub raw: Value,
}

impl ResourceConfig {
    /// Whether `other` configures the same resource: all but what is
    /// captured from it, which the data manager applies on its own.
    pub fn same_resource(&self, other: &ResourceConfig) -> bool {
        let ResourceConfig {
            name,
            api,
            model,
            attributes,
            depends_on,
            limits,
            data_dir,
            capture: _,
            raw,
        } = self;
        *name == other.name
            && *api == other.api
            && *model == other.model
            && *attributes == other.attributes
            && *depends_on == other.depends_on
            && *limits == other.limits
            && *data_dir == other.data_dir
            && *raw == other.raw
    }

    pub fn resource_name(&self) -> ResourceName {
        ResourceName::new(self.api.clone(), self.name.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MachineConfig {
    pub file: PathBuf,
    /// `modules_dir`, resolved against the config's folder.
    pub modules_dir: Option<PathBuf>,
    pub modules: Vec<ModuleEntry>,
    /// `registries`: where `"type": "registry"` modules come from.
    pub registries: Vec<registry::RegistryConfig>,
    /// Components first, then services, in file order.
    pub resources: Vec<ResourceConfig>,
    /// `network.bind_address`.
    pub bind_address: Option<String>,
    /// `network.tls_cert_file` and `network.tls_key_file` (PEM), resolved;
    /// TLS is served when both are set and `network.no_tls` is not.
    pub tls: Option<TlsFiles>,
    /// Names a browser may address the machine by, besides loopback names,
    /// IP addresses and this computer's host name: `network.fqdn` and
    /// `network.allowed_hosts` (see `web::names`).
    pub allowed_hosts: Vec<String>,
    /// `network.sessions.heartbeat_window`, default 2 s.
    pub heartbeat_window: Duration,
    /// `revision`, or a hash of the file's bytes.
    pub revision: String,
    /// Machine-wide `limits`.
    pub limits: LimitOverrides,
    /// `limits.machine_memory_mb`: the budget for all guests' memory
    /// together. Unset, a share of the system's memory
    /// (`runtime::machine_memory::default_budget`).
    pub machine_memory_mb: Option<u64>,
    /// API keys from `auth.handlers` entries of type `api-key`: key id → key.
    /// Empty means the server runs unauthenticated.
    pub api_keys: BTreeMap<String, String>,
    /// `auth.insecure_open`: the owner's explicit word that a machine with
    /// no API keys may listen off loopback, open to its network.
    pub insecure_open: bool,
    /// `panel`: serve the control panel at `/`. Unset means on when the
    /// machine listens on loopback only (see [`MachineConfig::panel_on`]).
    pub panel: Option<bool>,
}

impl MachineConfig {
    /// Whether to serve the control panel, given whether the machine
    /// listens on loopback only: as configured, else only on loopback — the
    /// panel can drive every actuator, so it is never exposed to a network
    /// unless the config asks for it.
    pub fn panel_on(&self, loopback: bool) -> bool {
        self.panel.unwrap_or(loopback)
    }

    /// The guest memory budget of the whole machine, in bytes, when the
    /// config sets one (else the runtime's default, half the memory).
    pub fn machine_memory_bytes(&self) -> Option<usize> {
        self.machine_memory_mb
            .map(|mb| usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX))
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigErrors> {
        let text = read(path)?;
        Self::parse(path, &text)
    }

    /// Parses config text, strictly: any problem is an error. `path` names
    /// the file in errors and anchors relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigErrors> {
        match Self::parse_lenient(path, text)? {
            (config, errors) if errors.is_empty() => Ok(config),
            (_, errors) => Err(ConfigErrors(errors)),
        }
    }

    /// Parses config text, leaving out the entries that have problems and
    /// listing them; fails only when nothing usable is left (not JSON, not
    /// an object).
    pub fn parse_lenient(path: &Path, text: &str) -> Result<(Self, Vec<ConfigError>), ConfigErrors> {
        let mut p = Parser {
            file: path.to_path_buf(),
            errors: Vec::new(),
        };
        match p.machine(text) {
            Some(config) => Ok((config, p.errors)),
            None => Err(ConfigErrors(p.errors)),
        }
    }

    /// Reads a config file leniently (see [`MachineConfig::parse_lenient`]).
    pub fn load_lenient(path: &Path) -> Result<(Self, Vec<ConfigError>), ConfigErrors> {
        let text = read(path)?;
        Self::parse_lenient(path, &text)
    }

    /// The folder relative paths resolve against.
    pub fn base_dir(&self) -> PathBuf {
        self.file.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// The machine's state folder when none is given: `$XDG_STATE_HOME/armature`,
/// else `~/.local/state/armature`.
pub fn default_state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))
        .map(|d| d.join("armature"))
}

fn read(path: &Path) -> Result<String, ConfigErrors> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            file: path.to_path_buf(),
            place: String::new(),
            field: String::new(),
            message: format!("cannot read the file: {e}"),
        }])
    })
}

/// The one machine-wide limit (top-level `limits` only).
const MACHINE_MEMORY_KEY: &str = "machine_memory_mb";

const DEFAULT_HEARTBEAT_WINDOW: Duration = Duration::from_secs(2);

impl Parser {
    /// Both TLS files or neither, as viam-server wants them.
    fn tls(&mut self, network: Option<&Map<String, Value>>) -> Option<TlsFiles> {
        let network = network?;
        let file = |this: &mut Self, key: &str| match network.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() => Some(this.resolve(s)),
            Some(_) => {
                this.error("network", key, "must be the path of a PEM file");
                None
            }
        };
        let (cert, key) = (file(self, "tls_cert_file"), file(self, "tls_key_file"));
        if network.get("no_tls").and_then(Value::as_bool) == Some(true) {
            return None;
        }
        match (cert, key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                self.error("network", "tls_key_file", "is needed with tls_cert_file");
                None
            }
            (None, Some(_)) => {
                self.error("network", "tls_cert_file", "is needed with tls_key_file");
                None
            }
        }
    }

    fn machine(&mut self, text: &str) -> Option<MachineConfig> {
        let mut root: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                self.error("", "", format!("not valid JSON: {e}"));
                return None;
            }
        };
        // `"baud": 115200.0` is 115200 wherever the host reads an integer
        // (viam-server's configs carry every number as a double).
        crate::core::values::whole_numbers_as_integers(&mut root);
        let Some(top) = root.as_object() else {
            self.error("", "", "the config must be a JSON object");
            return None;
        };

        let modules_dir = match top.get("modules_dir") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(self.resolve(s)),
            Some(_) => {
                self.error("", "modules_dir", "must be a string (a folder path)");
                None
            }
        };
        let limits = self.limits("", top.get("limits"));
        let machine_memory_mb = match top.get("limits").and_then(|l| l.get(MACHINE_MEMORY_KEY)) {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(n) if n > 0 => Some(n),
                _ => {
                    self.error(
                        "",
                        &format!("limits.{MACHINE_MEMORY_KEY}"),
                        "must be a positive whole number of MiB",
                    );
                    None
                }
            },
        };
        let registries = self.registries(top.get("registries"));
        let modules = self.modules(top.get("modules"), &registries);
        let mut resources = Vec::new();
        self.resources(top.get("components"), "components", Kind::Component, &mut resources);
        self.resources(top.get("services"), "services", Kind::Service, &mut resources);
        self.duplicates(&resources);

        let network = top.get("network").and_then(Value::as_object);
        let bind_address = match network.and_then(|n| n.get("bind_address")) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.error("network", "bind_address", "must be a string such as \"localhost:8080\"");
                None
            }
        };
        let tls = self.tls(network);
        let allowed_hosts = self.allowed_hosts(network);
        let window = network
            .and_then(|n| n.get("sessions"))
            .and_then(|s| s.get("heartbeat_window"));
        let heartbeat_window = match window {
            None | Some(Value::Null) => DEFAULT_HEARTBEAT_WINDOW,
            Some(Value::String(s)) => match parse_duration(s) {
                Some(d) if d >= Duration::from_millis(30) && d <= Duration::from_secs(60) => d,
                _ => {
                    self.error(
                        "network.sessions",
                        "heartbeat_window",
                        format!("{s:?} is not a duration between 30ms and 1m"),
                    );
                    DEFAULT_HEARTBEAT_WINDOW
                }
            },
            Some(_) => {
                self.error(
                    "network.sessions",
                    "heartbeat_window",
                    "must be a string such as \"2s\"",
                );
                DEFAULT_HEARTBEAT_WINDOW
            }
        };
        let api_keys = self.api_keys(top.get("auth"));
        let insecure_open = match top.get("auth").and_then(|a| a.get("insecure_open")) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.error("auth", "insecure_open", "must be true or false");
                false
            }
        };
        let panel = match top.get("panel") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.error("", "panel", "must be true or false");
                None
            }
        };
        let revision = match top.get("revision").and_then(Value::as_str) {
            Some(r) => r.to_string(),
            None => hex::encode(&Sha256::digest(text.as_bytes())[..6]),
        };
        Some(MachineConfig {
            file: self.file.clone(),
            modules_dir,
            modules,
            registries,
            resources,
            bind_address,
            tls,
            allowed_hosts,
            heartbeat_window,
            revision,
            limits,
            machine_memory_mb,
            api_keys,
            insecure_open,
            panel,
        })
    }

    /// `network.fqdn` (viam-server's) and `network.allowed_hosts`.
    fn allowed_hosts(&mut self, network: Option<&Map<String, Value>>) -> Vec<String> {
        let mut names = Vec::new();
        let Some(network) = network else { return names };
        let plain = |n: &str| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        };
        match network.get("fqdn") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) if plain(s) => names.push(s.clone()),
            Some(_) => self.error("network", "fqdn", "must be a host name such as robot.example.com"),
        }
        match network.get("allowed_hosts") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (i, v) in list.iter().enumerate() {
                    match v.as_str() {
                        Some(s) if plain(s) => names.push(s.to_string()),
                        _ => self.error(
                            "network",
                            &format!("allowed_hosts[{i}]"),
                            "must be a host name such as robot.lan (no port, no scheme)",
                        ),
                    }
                }
            }
            Some(_) => self.error("network", "allowed_hosts", "must be a list of host names"),
        }
        names
    }

    /// `auth.handlers[]` as viam-server reads them: for `api-key`, every
    /// entry of `config` other than `keys`/`key` is a key id → key pair.
    fn api_keys(&mut self, auth: Option<&Value>) -> BTreeMap<String, String> {
        let mut keys = BTreeMap::new();
        let Some(handlers) = auth.and_then(|a| a.get("handlers")) else {
            return keys;
        };
        let Some(handlers) = handlers.as_array() else {
            self.error("auth", "handlers", "must be a list");
            return keys;
        };
        for (i, h) in handlers.iter().enumerate() {
            let place = format!("auth.handlers[{i}]");
            match h.get("type").and_then(Value::as_str) {
                Some("api-key") => {}
                Some(other) => {
                    self.error(&place, "type", format!("{other:?} is not supported (only \"api-key\")"));
                    continue;
                }
                None => {
                    self.error(&place, "type", "is required");
                    continue;
                }
            }
            let Some(config) = h.get("config").and_then(Value::as_object) else {
                self.error(&place, "config", "must be an object of key id → key");
                continue;
            };
            let mut pairs = 0;
            for (id, key) in config.iter().filter(|(k, _)| *k != "keys" && *k != "key") {
                match key.as_str() {
                    Some(k) if !k.is_empty() => {
                        keys.insert(id.clone(), k.to_string());
                        pairs += 1;
                    }
                    _ => self.error(&place, &format!("config.{id}"), "must be a non-empty string (the key)"),
                }
            }
            // An api-key handler that yields no key would leave the machine
            // open while its config says it is not: viam-server's older
            // shape, `{"key": K}` or `{"keys": [K]}` (keys without ids), is
            // the usual way to get there.
            if pairs == 0 && !config.iter().any(|(k, _)| k != "keys" && k != "key") {
                self.error(
                    &place,
                    "config",
                    "holds no key id → key pair, so no API key would be enforced; `key` and `keys` alone \
                     (viam-server's older shape, keys without ids) are not supported: write {\"<key-id>\": \"<key>\"}",
                );
            }
        }
        keys
    }

    fn limits(&mut self, place: &str, value: Option<&Value>) -> LimitOverrides {
        let mut out = LimitOverrides::default();
        let Some(value) = value else { return out };
        let Some(map) = value.as_object() else {
            self.error(place, "limits", "must be an object");
            return out;
        };
        for (key, v) in map {
            if key == MACHINE_MEMORY_KEY {
                if !place.is_empty() {
                    self.error(
                        place,
                        &format!("limits.{key}"),
                        "is a budget for the whole machine: set it in the top-level `limits`",
                    );
                }
                continue;
            }
            let slot = match key.as_str() {
                "memory_mb" => &mut out.memory_mb,
                "call_timeout_ms" => &mut out.call_timeout_ms,
                "construct_timeout_ms" => &mut out.construct_timeout_ms,
                "validate_timeout_ms" => &mut out.validate_timeout_ms,
                _ => {
                    self.error(
                        place,
                        &format!("limits.{key}"),
                        "unknown limit (known: memory_mb, call_timeout_ms, construct_timeout_ms, validate_timeout_ms)",
                    );
                    continue;
                }
            };
            match v.as_u64() {
                Some(n) if n > 0 => *slot = Some(n),
                _ => self.error(place, &format!("limits.{key}"), "must be a positive whole number"),
            }
        }
        out
    }

    fn modules(&mut self, value: Option<&Value>, registries: &[registry::RegistryConfig]) -> Vec<ModuleEntry> {
        let mut out = Vec::new();
        let Some(value) = value else { return out };
        let Some(list) = value.as_array() else {
            self.error("", "modules", "must be a list");
            return out;
        };
        for (i, entry) in list.iter().enumerate() {
            let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
            let place = format!("modules[{i}] {name:?}");
            let allowed = self.allowed_dependencies(&place, entry.get("allowed_dependencies"));
            if entry.as_object().is_none() {
                self.error(&place, "", "must be an object");
                continue;
            }
            if let Err(why) = crate::core::names::check_name(name) {
                self.error(&place, "name", why);
            }
            if out.iter().any(|m: &ModuleEntry| m.name == name) {
                self.error(&place, "name", format!("{name:?} names another module too"));
                continue;
            }
            let limits = self.limits(&place, entry.get("limits"));
            match entry.get("type") {
                None | Some(Value::Null) => {}
                Some(Value::String(t)) if t == "local" => {}
                Some(Value::String(t)) if t == "inline" => {
                    if let Some(mut module) = self.inline_module(&place, name, entry, limits) {
                        module.allowed_dependencies = allowed.clone();
                        out.push(module);
                    }
                    continue;
                }
                Some(Value::String(t)) if t == "registry" => {
                    let object = entry.as_object().cloned().unwrap_or_default();
                    if let Some(registry) = self.registry_module(&place, &object, registries) {
                        out.push(ModuleEntry {
                            name: name.to_string(),
                            path: None,
                            version: None,
                            registry: Some(registry),
                            inline: false,
                            limits,
                            allowed_dependencies: allowed.clone(),
                        });
                    }
                    continue;
                }
                Some(other) => {
                    self.error(
                        &place,
                        "type",
                        format!("{other} is not a module type: \"local\", \"registry\" or \"inline\""),
                    );
                    continue;
                }
            }
            let path = entry.get("path").or_else(|| entry.get("executable_path"));
            let path = match path {
                None => None,
                Some(Value::String(p)) => Some(self.resolve(p)),
                Some(_) => {
                    self.error(&place, "path", "must be a string: the module's .wasm file");
                    continue;
                }
            };
            let version = match entry.get("version") {
                None | Some(Value::Null) => None,
                Some(Value::String(v)) => match semver::VersionReq::parse(v) {
                    Ok(req) => Some(req),
                    Err(e) => {
                        self.error(
                            &place,
                            "version",
                            format!("{v:?} is not a semver requirement such as \"^1.2\": {e}"),
                        );
                        continue;
                    }
                },
                Some(_) => {
                    self.error(&place, "version", "must be a string such as \"^1.2\"");
                    continue;
                }
            };
            out.push(ModuleEntry {
                name: name.to_string(),
                path,
                version,
                registry: None,
                inline: false,
                limits,
                allowed_dependencies: allowed.clone(),
            });
        }
        out
    }

    /// `allowed_dependencies`: a list of resource names (`temp-1`) or full
    /// names (`rdk:component:sensor/temp-1`).
    fn allowed_dependencies(&mut self, place: &str, value: Option<&Value>) -> Option<Vec<String>> {
        let list = match value? {
            Value::Null => return None,
            Value::Array(list) => list,
            _ => {
                self.error(place, "allowed_dependencies", "must be a list of resource names");
                return Some(Vec::new());
            }
        };
        let mut names = Vec::new();
        for (i, v) in list.iter().enumerate() {
            let ok = v.as_str().filter(|s| match s.split_once('/') {
                Some(_) => ResourceName::parse(s).is_ok_and(|n| crate::core::names::check_name(&n.name).is_ok()),
                None => crate::core::names::check_name(s).is_ok(),
            });
            match ok {
                Some(s) => names.push(s.to_string()),
                None => self.error(
                    place,
                    &format!("allowed_dependencies[{i}]"),
                    "must be a resource name such as \"temp-1\" or \"rdk:component:sensor/temp-1\"",
                ),
            }
        }
        // Refused entries allow nothing: never more than the owner wrote.
        Some(names)
    }

    /// `{"type": "inline", "name": "my-alerts", "version": "0.0.3"}`.
    fn inline_module(&mut self, place: &str, name: &str, entry: &Value, limits: LimitOverrides) -> Option<ModuleEntry> {
        if let Err(why) = crate::core::names::check_inline_module_name(name) {
            self.error(place, "name", why);
            return None;
        }
        if entry.get("path").is_some() {
            self.error(
                place,
                "path",
                "an inline module has no file: its versions live in the host's state folder",
            );
            return None;
        }
        let version = match entry.get("version") {
            None | Some(Value::Null) => None,
            Some(Value::String(v)) => match semver::Version::parse(v) {
                // `=`: a pin names one version.
                Ok(v) => semver::VersionReq::parse(&format!("={v}")).ok(),
                Err(e) => {
                    self.error(
                        place,
                        "version",
                        format!("{v:?} is not a version such as \"0.0.3\": {e}"),
                    );
                    return None;
                }
            },
            Some(_) => {
                self.error(place, "version", "must be a string such as \"0.0.3\"");
                return None;
            }
        };
        Some(ModuleEntry {
            name: name.to_string(),
            path: None,
            version,
            registry: None,
            inline: true,
            limits,
            allowed_dependencies: None,
        })
    }

    fn resources(&mut self, value: Option<&Value>, list_name: &str, kind: Kind, out: &mut Vec<ResourceConfig>) {
        let Some(value) = value else { return };
        let Some(list) = value.as_array() else {
            self.error("", list_name, "must be a list");
            return;
        };
        for (i, entry) in list.iter().enumerate() {
            if let Some(r) = self.resource(entry, &format!("{list_name}[{i}]"), kind) {
                out.push(r);
            }
        }
    }

    fn resource(&mut self, entry: &Value, index: &str, kind: Kind) -> Option<ResourceConfig> {
        let Some(map) = entry.as_object() else {
            self.error(index, "", "must be an object");
            return None;
        };
        let name = map.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        let place = format!("{index} {name:?}");
        let before = self.errors.len();
        if let Err(why) = crate::core::names::check_name(&name) {
            self.error(&place, "name", why);
        }
        let api = self.api(map, &place, kind);
        let model = match map.get("model") {
            Some(Value::String(s)) => ModelName::parse(s)
                .map_err(|e| self.error(&place, "model", e.to_string()))
                .ok(),
            Some(Value::Object(m)) => {
                let part = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
                let s = format!("{}:{}:{}", part("namespace"), part("model_family"), part("name"));
                ModelName::parse(&s)
                    .map_err(|e| self.error(&place, "model", e.to_string()))
                    .ok()
            }
            None => {
                self.error(&place, "model", "is required");
                None
            }
            Some(_) => {
                self.error(&place, "model", "must be a string \"namespace:family:name\"");
                None
            }
        };
        let attributes = match map.get("attributes") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(a)) => a.clone(),
            Some(_) => {
                self.error(&place, "attributes", "must be an object");
                Map::new()
            }
        };
        let depends_on = match map.get("depends_on") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let names: Vec<String> = items.iter().filter_map(|v| v.as_str().map(String::from)).collect();
                if names.len() != items.len() {
                    self.error(&place, "depends_on", "must be a list of resource names");
                }
                names
            }
            Some(_) => {
                self.error(&place, "depends_on", "must be a list of resource names");
                Vec::new()
            }
        };
        let limits = self.limits(&place, map.get("limits"));
        let data_dir = match map.get("data_dir") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.error(&place, "data_dir", "must be true or false");
                false
            }
        };
        let capture = match &api {
            Some(api) => {
                let (file, place) = (self.file.clone(), place.clone());
                let mut found = Vec::new();
                let capture = capture::parse(api, map.get("service_configs"), |field, message| {
                    found.push(ConfigError {
                        file: file.clone(),
                        place: place.clone(),
                        field,
                        message,
                    })
                });
                self.errors.extend(found);
                capture
            }
            None => Vec::new(),
        };
        if self.errors.len() > before {
            return None;
        }
        let mut raw = entry.clone();
        if let Some(m) = raw.as_object_mut() {
            m.remove("service_configs");
        }
        Some(ResourceConfig {
            name,
            api: api?,
            model: model?,
            attributes,
            depends_on,
            limits,
            data_dir,
            capture,
            raw,
        })
    }

    fn api(&mut self, map: &Map<String, Value>, place: &str, kind: Kind) -> Option<Api> {
        match map.get("api") {
            Some(Value::String(s)) => match Api::parse(s) {
                Ok(api) if api.kind == kind => Some(api),
                Ok(api) => {
                    self.error(
                        place,
                        "api",
                        format!("{api} is a {}, listed among the {}s", api.kind.as_str(), kind.as_str()),
                    );
                    None
                }
                Err(e) => {
                    self.error(place, "api", e.to_string());
                    None
                }
            },
            Some(Value::Object(o)) => {
                let part = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                let s = format!("{}:{}:{}", part("namespace"), part("type"), part("subtype"));
                Api::parse(&s).map_err(|e| self.error(place, "api", e.to_string())).ok()
            }
            Some(_) => {
                self.error(place, "api", "must be a string \"namespace:type:subtype\"");
                None
            }
            None => {
                // The legacy form: `namespace` (default rdk) and `type` (the subtype).
                let namespace = map.get("namespace").and_then(Value::as_str).unwrap_or("rdk");
                match map.get("type").and_then(Value::as_str) {
                    Some(subtype) => {
                        let s = format!("{namespace}:{}:{subtype}", kind.as_str());
                        Api::parse(&s)
                            .map_err(|e| self.error(place, "type", e.to_string()))
                            .ok()
                    }
                    None if kind == Kind::Service => Some(Api::rdk_service("generic")),
                    None => {
                        self.error(place, "api", "is required (or the legacy `type`)");
                        None
                    }
                }
            }
        }
    }

    fn duplicates(&mut self, resources: &[ResourceConfig]) {
        let data_managers: Vec<_> = resources
            .iter()
            .filter(|r| r.api.to_string() == capture::DATA_MANAGER_API)
            .collect();
        if let [first, second, ..] = data_managers[..] {
            self.error(
                &format!("{} {:?}", second.api, second.name),
                "api",
                format!("a machine has one data manager, and {:?} is it", first.name),
            );
        }
        for (i, r) in resources.iter().enumerate() {
            if resources[..i].iter().any(|o| o.name == r.name && o.api == r.api) {
                self.error(
                    &format!("{} {:?}", r.api, r.name),
                    "name",
                    "is used twice for the same API",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MachineConfig, ConfigErrors> {
        MachineConfig::parse(Path::new("/m/machine.json"), text)
    }

    #[test]
    fn reads_viam_entries_in_both_api_forms() {
        let c = parse(
            r#"{"components": [
                {"name": "t", "api": "rdk:component:sensor", "model": "a:b:c", "attributes": {"x": 1}},
                {"name": "m", "type": "motor", "model": "fake", "depends_on": ["t"]}],
               "services": [{"name": "s", "api": "rdk:service:generic", "model": "a:b:d"}],
               "modules": [{"name": "mod", "path": "mods/x.wasm"}, {"name": "v", "version": "^1.2"}],
               "unknown_key": {"kept": true}}"#,
        )
        .unwrap();
        assert_eq!(c.resources.len(), 3);
        assert_eq!(c.resources[1].api.to_string(), "rdk:component:motor");
        assert_eq!(c.resources[1].model.as_str(), "rdk:builtin:fake");
        assert_eq!(c.resources[1].depends_on, vec!["t"]);
        assert_eq!(c.modules[0].path, Some(PathBuf::from("/m/mods/x.wasm")));
        assert_eq!(c.heartbeat_window, Duration::from_secs(2));
        assert!(
            c.modules[1]
                .version
                .as_ref()
                .unwrap()
                .matches(&semver::Version::new(1, 3, 0))
        );
        let bad = parse(r#"{"modules": [{"name": "v", "version": "one"}]}"#).unwrap_err();
        assert!(bad.to_string().contains("field `version`"), "{bad}");
    }

    #[test]
    fn lists_every_problem_with_its_place_and_field() {
        let errs = parse(
            r#"{"components": [
                {"name": "a", "api": "rdk:component:sensor"},
                {"name": "b:c", "api": "nope", "model": "x:y:z"},
                {"name": "d", "api": "rdk:service:generic", "model": "x:y:z", "limits": {"memory_mb": -1}}]}"#,
        )
        .unwrap_err();
        let text = errs.to_string();
        assert!(
            text.contains("components[0] \"a\": field `model`: is required"),
            "{text}"
        );
        assert!(text.contains("components[1] \"b:c\": field `name`"), "{text}");
        assert!(text.contains("components[1] \"b:c\": field `api`"), "{text}");
        assert!(text.contains("components[2] \"d\": field `api`"), "{text}");
        assert!(text.contains("field `limits.memory_mb`"), "{text}");
        assert!(text.starts_with("/m/machine.json"), "{text}");
    }

    #[test]
    fn rejects_bad_json_and_duplicates() {
        assert!(parse("{").unwrap_err().to_string().contains("not valid JSON"));
        let dup = r#"{"components": [{"name": "a", "api": "rdk:component:sensor", "model": "x:y:z"},
                                      {"name": "a", "api": "rdk:component:sensor", "model": "x:y:z"}]}"#;
        assert!(parse(dup).unwrap_err().to_string().contains("used twice"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("150ms"), Some(Duration::from_millis(150)));
        assert_eq!(parse_duration("2"), None);
    }

    #[test]
    fn registry_modules_name_their_registry_and_version() {
        use crate::config::versions::VersionSpec;
        let c = parse_registry_test(
            r#"{"registries": [{"url": "http://127.0.0.1:5000", "credentials_file": "creds.json"}],
                "modules": [{"type": "registry", "name": "thermo", "module_id": "acme:thermometer", "version": "1.2.3"},
                            {"type": "registry", "name": "gps", "module_id": "acme/gps"}]}"#,
        )
        .unwrap();
        let r = &c.registries[0];
        assert_eq!((r.name.as_str(), r.address.plain_http), ("127.0.0.1:5000", true));
        assert_eq!(r.credentials_file.as_deref(), Some(Path::new("/m/creds.json")));
        let thermo = c.modules[0].registry.as_ref().unwrap();
        assert_eq!(thermo.repository, "acme/thermometer");
        assert_eq!(thermo.version, VersionSpec::Exact(semver::Version::new(1, 2, 3)));
        assert_eq!(c.modules[1].registry.as_ref().unwrap().version, VersionSpec::Latest);
    }

    #[test]
    fn mistakes_name_the_entry_and_field() {
        let cases = [
            (
                r#"{"modules": [{"type": "registry", "name": "a", "module_id": "acme/a"}]}"#,
                "`type`: a registry module needs",
            ),
            (
                r#"{"registries": [{"url": "http://10.1.2.3:5000"}], "modules": []}"#,
                "registries[0]: field `url`: \"http://10.1.2.3:5000\": plain HTTP",
            ),
            (
                r#"{"registries": [{"url": "127.0.0.1:5000"}], "modules": [{"type": "registry", "name": "a", "module_id": "acme/a", "version": "one"}]}"#,
                "modules[0] \"a\": field `version`",
            ),
            (
                r#"{"modules": [{"name": "a", "type": 3}]}"#,
                "field `type`: 3 is not a module type",
            ),
            (
                r#"{"modules": [{"name": "a", "path": "a.wasm"}, {"name": "a", "path": "b.wasm"}]}"#,
                "modules[1] \"a\": field `name`: \"a\" names another module too",
            ),
        ];
        for (text, wanted) in cases {
            let e = parse_registry_test(text).unwrap_err();
            assert!(e.contains(wanted), "{text}\n→ {e}");
        }
    }

    fn parse_registry_test(text: &str) -> Result<MachineConfig, String> {
        MachineConfig::parse(Path::new("/m/machine.json"), text).map_err(|e| e.to_string())
    }
}
