//! A logic module: it polls the sensors it depends on in the background and
//! raises an alert whenever a reading crosses a threshold.
//!
//! ```json
//! { "name": "alerts", "api": "rdk:service:generic",
//!   "model": "armature:examples:threshold-alerts",
//!   "attributes": { "sensors": ["temp-1"], "reading": "temperature",
//!                   "thresholds": { "warning": 30.0, "critical": 40.0 },
//!                   "poll_ms": 100 } }
//! ```
//!
//! `"threshold": 40.0` is short for `"thresholds": {"critical": 40.0}`.
//! `"optional_sensors": [...]` are watched when they exist: the service
//! starts without them and is reconfigured when one appears.
//! DoCommand `{"command": "get_alerts", "severity": "critical"}` answers
//! `{"alerts": [{"sensor": "temp-1", "value": 42.5, "threshold": 40.0,
//! "severity": "critical"}]}`; without `severity` every alert is listed.

use std::time::Duration;

use armature_guest::prelude::*;

/// Most severe first.
const SEVERITIES: [&str; 3] = ["critical", "warning", "info"];

struct Settings {
    sensors: Vec<String>,
    optional_sensors: Vec<String>,
    reading: String,
    /// (severity, threshold), most severe first.
    thresholds: Vec<(&'static str, f64)>,
    poll: Duration,
}

impl Settings {
    fn parse(config: &Config) -> Result<Self> {
        let sensors: Vec<String> = config.get("sensors")?;
        if sensors.is_empty() {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `sensors` must name at least one sensor",
                config.name
            )));
        }
        let mut thresholds = Vec::new();
        let named: Option<Map> = config.get_opt("thresholds")?;
        for (severity, value) in named.unwrap_or_default() {
            let level = SEVERITIES.iter().find(|s| **s == severity).ok_or_else(|| {
                Error::invalid_argument(format!(
                    "resource {:?}: attribute `thresholds`: unknown severity {severity:?} (use {SEVERITIES:?})",
                    config.name
                ))
            })?;
            let limit = value.as_f64().ok_or_else(|| {
                Error::invalid_argument(format!(
                    "resource {:?}: attribute `thresholds.{severity}` must be a number",
                    config.name
                ))
            })?;
            thresholds.push((*level, limit));
        }
        if let Some(t) = config.get_opt::<f64>("threshold")? {
            thresholds.retain(|(s, _)| *s != "critical");
            thresholds.push(("critical", t));
        }
        if thresholds.is_empty() {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `threshold` or `thresholds` is required",
                config.name
            )));
        }
        thresholds.sort_by_key(|(s, _)| SEVERITIES.iter().position(|x| x == s));
        let poll_ms: u64 = config.get_or("poll_ms", 100)?;
        Ok(Self {
            sensors,
            optional_sensors: config.get_or("optional_sensors", Vec::new())?,
            reading: config.get_or("reading", "temperature".to_string())?,
            thresholds,
            poll: Duration::from_millis(poll_ms.max(10)),
        })
    }
}

struct Alert {
    sensor: String,
    value: f64,
    threshold: f64,
    severity: &'static str,
}

struct ThresholdAlerts {
    settings: Settings,
    deps: Deps,
    alerts: Vec<Alert>,
    polls: u64,
}

impl ThresholdAlerts {
    fn poll(&mut self) {
        self.polls += 1;
        let mut alerts = Vec::new();
        for name in self.settings.sensors.iter().chain(&self.settings.optional_sensors) {
            let Some(sensor) = self.deps.get(name) else { continue };
            let value = match sensor.get_readings(&Map::new()) {
                Ok(readings) => readings.get(&self.settings.reading).and_then(Json::as_f64),
                Err(e) => {
                    armature_guest::warn!("reading {name}: {e}");
                    None
                }
            };
            let Some(value) = value else { continue };
            let crossed = self.settings.thresholds.iter().find(|(_, limit)| value > *limit);
            if let Some((severity, threshold)) = crossed {
                alerts.push(Alert {
                    sensor: name.clone(),
                    value,
                    threshold: *threshold,
                    severity,
                });
            }
        }
        for a in &alerts {
            if !self
                .alerts
                .iter()
                .any(|old| old.sensor == a.sensor && old.severity == a.severity)
            {
                armature_guest::info!("{} alert: {} = {} > {}", a.severity, a.sensor, a.value, a.threshold);
            }
        }
        self.alerts = alerts;
    }
}

impl Model for ThresholdAlerts {
    const MODEL: &'static str = "armature:examples:threshold-alerts";

    fn validate(config: &Config) -> Result<Dependencies> {
        let settings = Settings::parse(config)?;
        Ok(Dependencies::required(settings.sensors).and_optional(settings.optional_sensors))
    }

    fn new(config: &Config, deps: Deps) -> Result<Self> {
        let settings = Settings::parse(config)?;
        armature_guest::tick_every(settings.poll);
        Ok(Self {
            settings,
            deps,
            alerts: Vec::new(),
            polls: 0,
        })
    }

    fn reconfigure(&mut self, config: &Config, deps: Deps) -> Result<Reconfigured> {
        self.settings = Settings::parse(config)?;
        self.deps = deps;
        self.alerts.clear();
        armature_guest::tick_every(self.settings.poll);
        Ok(Reconfigured::Applied)
    }

    fn tick(&mut self) -> Result<()> {
        self.poll();
        Ok(())
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("command").and_then(Json::as_str) {
            Some("get_alerts") => {
                let severity = command.get("severity").and_then(Json::as_str);
                let alerts: Vec<Json> = self
                    .alerts
                    .iter()
                    .filter(|a| severity.is_none_or(|s| s == a.severity))
                    .map(|a| {
                        json!({"sensor": a.sensor, "value": a.value, "threshold": a.threshold, "severity": a.severity})
                    })
                    .collect();
                Ok(readings! { "alerts" => alerts })
            }
            Some("stats") => Ok(readings! { "polls" => self.polls }),
            other => Err(Error::invalid_argument(format!(
                "unknown command {other:?}; try {{\"command\": \"get_alerts\"}}"
            ))),
        }
    }
}

armature_guest::export_module!(generic_service(ThresholdAlerts));
