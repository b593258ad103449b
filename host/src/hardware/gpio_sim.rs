//! The simulated board, the embedded default: pins hold their level, PWM
//! duty and frequency are recorded, analog readers play a waveform, digital
//! interrupts count edges, and pins can be wired to each other so that an
//! output drives an input (closed loops without hardware).
//!
//! ```json
//! "attributes": {
//!   "pins": ["11", "12", "13"],
//!   "analogs": { "a0": { "min": 0, "max": 1023, "period_ms": 2000, "waveform": "sine" } },
//!   "digital_interrupts": { "enc": { "pin": "13" } },
//!   "wires": { "11": "13" }
//! }
//! ```
//! Without `pins`, any pin name is accepted. A wired output copies its level
//! to its inputs; driven by PWM (0 < duty < 1, frequency > 0) it makes two
//! edges per period on them, which interrupts count.

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::TAU;
use std::time::Instant;

use serde::Deserialize;

use super::gpio::{Analog, Edge, EdgeLog, GpioBackend, check_duty};
use super::{HwError, HwResult, now_ns};

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Waveform {
    #[default]
    Sine,
    Square,
    Triangle,
    Sawtooth,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalogConfig {
    #[serde(default)]
    pub min: i32,
    #[serde(default = "default_max")]
    pub max: i32,
    #[serde(default = "default_period")]
    pub period_ms: u64,
    #[serde(default)]
    pub waveform: Waveform,
}

fn default_max() -> i32 {
    1023
}

fn default_period() -> u64 {
    1000
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterruptConfig {
    pub pin: String,
}

/// One output wired to one input, or to several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum WireTargets {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimBoardConfig {
    #[serde(default)]
    pub pins: Option<BTreeSet<String>>,
    #[serde(default)]
    pub analogs: BTreeMap<String, AnalogConfig>,
    #[serde(default)]
    pub digital_interrupts: BTreeMap<String, InterruptConfig>,
    #[serde(default)]
    pub wires: BTreeMap<String, WireTargets>,
}

impl SimBoardConfig {
    /// Checks the config; errors name the attribute at fault.
    pub fn check(&self) -> Result<(), String> {
        let known = |pin: &str| self.pins.as_ref().is_none_or(|p| p.contains(pin));
        for (name, a) in &self.analogs {
            if a.min >= a.max || a.period_ms == 0 {
                return Err(format!("attribute `analogs.{name}`: need min < max and period_ms > 0"));
            }
        }
        for (name, i) in &self.digital_interrupts {
            if !known(&i.pin) {
                return Err(format!(
                    "attribute `digital_interrupts.{name}.pin`: {:?} is not in `pins`",
                    i.pin
                ));
            }
        }
        for (from, to) in &self.wires {
            for pin in std::iter::once(from).chain(targets(to)) {
                if !known(pin) {
                    return Err(format!("attribute `wires.{from}`: pin {pin:?} is not in `pins`"));
                }
            }
            if targets(to).any(|t| t == from) {
                return Err(format!("attribute `wires.{from}`: a pin cannot be wired to itself"));
            }
        }
        Ok(())
    }
}

fn targets(t: &WireTargets) -> impl Iterator<Item = &String> {
    match t {
        WireTargets::One(one) => std::slice::from_ref(one).iter(),
        WireTargets::Many(many) => many.iter(),
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Pin {
    high: bool,
    duty: f64,
    frequency_hz: u64,
    /// Fraction of an edge accrued by PWM oscillation, carried over.
    carry: f64,
}

impl Pin {
    fn oscillates(&self) -> bool {
        self.frequency_hz > 0 && self.duty > 0.0 && self.duty < 1.0
    }
}

pub struct SimGpio {
    config: SimBoardConfig,
    pins: BTreeMap<String, Pin>,
    written: BTreeMap<String, i32>,
    edges: EdgeLog,
    start: Instant,
    last_advance: Instant,
}

impl SimGpio {
    pub fn new(config: SimBoardConfig) -> Result<Self, String> {
        config.check()?;
        let edges = EdgeLog::new(config.digital_interrupts.keys().cloned());
        Ok(Self {
            config,
            pins: BTreeMap::new(),
            written: BTreeMap::new(),
            edges,
            start: Instant::now(),
            last_advance: Instant::now(),
        })
    }

    fn check_pin(&self, name: &str) -> HwResult<()> {
        match &self.config.pins {
            Some(pins) if !pins.contains(name) => Err(HwError::NotFound(format!(
                "no pin {name:?} on this board (pins: {})",
                pins.iter().cloned().collect::<Vec<_>>().join(", ")
            ))),
            _ => Ok(()),
        }
    }

    fn pin(&mut self, name: &str) -> HwResult<&mut Pin> {
        self.check_pin(name)?;
        Ok(self.pins.entry(name.to_string()).or_default())
    }

    /// The pins whose level follows `pin`: itself and what it is wired to.
    fn driven_by(&self, pin: &str) -> Vec<String> {
        let mut out = vec![pin.to_string()];
        if let Some(t) = self.config.wires.get(pin) {
            out.extend(targets(t).cloned());
        }
        out
    }

    /// Counts `n` edges on every interrupt watching one of `pins`.
    fn count_edges(&mut self, pins: &[String], n: i64, level: Option<bool>) {
        let time_ns = now_ns();
        for (name, i) in &self.config.digital_interrupts {
            if pins.contains(&i.pin) {
                self.edges.add(name, n, level.map(|high| (time_ns, high)));
            }
        }
    }

    /// Accrues the edges PWM oscillation made since the last look.
    fn advance(&mut self) {
        let now = Instant::now();
        let dt = now.duration_since(self.last_advance).as_secs_f64();
        self.last_advance = now;
        let oscillating: Vec<(String, u64)> = self
            .pins
            .iter()
            .filter(|(_, p)| p.oscillates())
            .map(|(n, p)| (n.clone(), p.frequency_hz))
            .collect();
        for (name, hz) in oscillating {
            let Some(pin) = self.pins.get_mut(&name) else { continue };
            let edges = dt * 2.0 * hz as f64 + pin.carry;
            let whole = edges.floor();
            pin.carry = edges - whole;
            if whole >= 1.0 {
                let driven = self.driven_by(&name);
                self.count_edges(&driven, whole as i64, None);
            }
        }
    }

    fn drive(&mut self, pin: &str, high: bool, duty: f64) -> HwResult<()> {
        self.advance();
        let p = self.pin(pin)?;
        let changed = p.high != high;
        p.high = high;
        p.duty = duty;
        p.carry = 0.0;
        let driven = self.driven_by(pin);
        for target in &driven[1..] {
            let t = self.pins.entry(target.clone()).or_default();
            t.high = high;
        }
        if changed {
            self.count_edges(&driven, 1, Some(high));
        }
        Ok(())
    }

    fn snapshot(&mut self) -> serde_json::Value {
        self.advance();
        let pins: serde_json::Map<String, serde_json::Value> = self
            .pins
            .iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    serde_json::json!({"high": p.high, "duty": p.duty, "frequency_hz": p.frequency_hz}),
                )
            })
            .collect();
        serde_json::json!({ "pins": pins, "written": self.written, "interrupts": self.edges.counts() })
    }
}

impl GpioBackend for SimGpio {
    /// Pin levels, duty and frequency, written analog values, edge counts.
    fn status(&mut self) -> Option<serde_json::Value> {
        Some(self.snapshot())
    }

    fn set(&mut self, pin: &str, high: bool) -> HwResult<()> {
        self.drive(pin, high, if high { 1.0 } else { 0.0 })
    }

    fn get(&mut self, pin: &str) -> HwResult<bool> {
        Ok(self.pin(pin)?.high)
    }

    fn set_pwm(&mut self, pin: &str, duty: f64) -> HwResult<()> {
        let duty = check_duty(duty)?;
        self.drive(pin, duty > 0.0, duty)
    }

    fn pwm(&mut self, pin: &str) -> HwResult<f64> {
        Ok(self.pin(pin)?.duty)
    }

    fn set_pwm_frequency(&mut self, pin: &str, hz: u64) -> HwResult<()> {
        self.advance();
        let p = self.pin(pin)?;
        p.frequency_hz = hz;
        p.carry = 0.0;
        Ok(())
    }

    fn pwm_frequency(&mut self, pin: &str) -> HwResult<u64> {
        Ok(self.pin(pin)?.frequency_hz)
    }

    fn read_analog(&mut self, reader: &str) -> HwResult<Analog> {
        let a =
            self.config.analogs.get(reader).ok_or_else(|| {
                HwError::NotFound(format!("no analog reader {reader:?} (configure it under `analogs`)"))
            })?;
        let phase = (self.start.elapsed().as_millis() as f64 / a.period_ms as f64).fract();
        // Each waveform in [-1, 1] over one period.
        let unit = match a.waveform {
            Waveform::Sine => (phase * TAU).sin(),
            Waveform::Square => {
                if phase < 0.5 {
                    1.0
                } else {
                    -1.0
                }
            }
            Waveform::Triangle => 1.0 - 4.0 * (phase - 0.5).abs(),
            Waveform::Sawtooth => 2.0 * phase - 1.0,
        };
        let mid = (f64::from(a.min) + f64::from(a.max)) / 2.0;
        let amplitude = (f64::from(a.max) - f64::from(a.min)) / 2.0;
        Ok(Analog {
            value: (mid + amplitude * unit).round() as i32,
            min_range: 0.0,
            max_range: 3.3,
            step_size: 3.3 / (a.max - a.min) as f32,
        })
    }

    fn write_analog(&mut self, pin: &str, value: i32) -> HwResult<()> {
        // Written by an analog's own name (a DAC) or by a pin's.
        if !self.config.analogs.contains_key(pin) {
            self.check_pin(pin)?;
        }
        self.written.insert(pin.to_string(), value);
        Ok(())
    }

    fn edge_count(&mut self, interrupt: &str) -> HwResult<i64> {
        self.advance();
        self.edges.count(interrupt)
    }

    fn edges_since(&mut self, interrupts: &[String], since_ns: u64) -> HwResult<Vec<Edge>> {
        self.edges.since(interrupts, since_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(json: serde_json::Value) -> SimGpio {
        SimGpio::new(serde_json::from_value(json).expect("config")).expect("board")
    }

    #[test]
    fn a_wired_output_drives_its_input_and_counts_edges() {
        let mut b = board(serde_json::json!({
            "digital_interrupts": {"enc": {"pin": "13"}},
            "wires": {"11": "13"}
        }));
        b.set("11", true).unwrap();
        b.set("11", false).unwrap();
        b.set("11", false).unwrap();
        assert!(!b.get("13").unwrap());
        assert_eq!(b.edge_count("enc").unwrap(), 2);
        let edges = b.edges_since(&["enc".into()], 0).unwrap();
        assert_eq!(edges.iter().map(|e| e.high).collect::<Vec<_>>(), [true, false]);
    }

    #[test]
    fn pwm_oscillation_accrues_two_edges_per_period() {
        let mut b = board(serde_json::json!({"digital_interrupts": {"enc": {"pin": "5"}}, "wires": {"4": "5"}}));
        b.set_pwm_frequency("4", 1000).unwrap();
        b.set_pwm("4", 0.5).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let n = b.edge_count("enc").unwrap();
        // 50 ms at 1 kHz is 100 edges, give or take the sleep's slack.
        assert!((90..400).contains(&n), "{n} edges");
    }

    #[test]
    fn unknown_pins_and_bad_config_are_refused() {
        let mut b = board(serde_json::json!({"pins": ["1"]}));
        assert!(matches!(b.set("2", true), Err(HwError::NotFound(_))));
        assert!(matches!(b.set_pwm("1", 1.5), Err(HwError::InvalidArgument(_))));
        let bad: SimBoardConfig =
            serde_json::from_value(serde_json::json!({"pins": ["1"], "wires": {"1": "9"}})).unwrap();
        assert!(bad.check().unwrap_err().contains("wires.1"));
    }

    #[test]
    fn waveforms_stay_in_range() {
        for w in ["sine", "square", "triangle", "sawtooth"] {
            let mut b =
                board(serde_json::json!({"analogs": {"a": {"min": 10, "max": 20, "period_ms": 7, "waveform": w}}}));
            for _ in 0..20 {
                let v = b.read_analog("a").unwrap().value;
                assert!((10..=20).contains(&v), "{w}: {v}");
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
    }
}
