//! `armature:examples:sim-board`: a single-board computer's header, simulated.
//!
//! ```json
//! "attributes": {
//!   "pins": ["11", "12", "13", "37"],
//!   "analogs": { "a1": { "min": 0, "max": 1023, "period_ms": 2000 } },
//!   "digital_interrupts": { "di37": { "pin": "37" } }
//! }
//! ```
//! Pins hold their level, PWM duty and frequency. Analog readers play a sine
//! wave. A digital interrupt counts the edges of its pin (drive the pin with
//! SetGPIO) and remembers them for StreamTicks. Without `pins`, any pin name
//! is accepted.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::f64::consts::TAU;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use armature_guest::prelude::*;
use serde::Deserialize;

/// Edges kept for StreamTicks.
const TICK_HISTORY: usize = 4096;

#[derive(Default, Clone, Copy)]
struct Pin {
    high: bool,
    duty: f64,
    frequency_hz: u64,
}

#[derive(Deserialize)]
struct AnalogConfig {
    #[serde(default)]
    min: i32,
    #[serde(default = "default_max")]
    max: i32,
    #[serde(default = "default_period")]
    period_ms: u64,
}

fn default_max() -> i32 {
    1023
}

fn default_period() -> u64 {
    1000
}

#[derive(Deserialize)]
struct InterruptConfig {
    pin: String,
}

pub struct SimBoard {
    allowed: Option<BTreeSet<String>>,
    pins: BTreeMap<String, Pin>,
    analogs: BTreeMap<String, AnalogConfig>,
    written: BTreeMap<String, i32>,
    /// Interrupt name → (pin, count).
    interrupts: BTreeMap<String, (String, i64)>,
    ticks: VecDeque<Tick>,
    start: Instant,
    power_mode: PowerMode,
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

impl SimBoard {
    fn pin(&mut self, name: &str) -> Result<&mut Pin> {
        if let Some(allowed) = &self.allowed
            && !allowed.contains(name)
        {
            return Err(Error::not_found(format!(
                "no pin {name:?} on this board (pins: {allowed:?})"
            )));
        }
        Ok(self.pins.entry(name.to_string()).or_default())
    }
}

impl Model for SimBoard {
    const MODEL: &'static str = "armature:examples:sim-board";

    fn validate(config: &Config) -> Result<Dependencies> {
        Self::new(config, Deps::default())?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let allowed: Option<BTreeSet<String>> = config.get_opt("pins")?;
        let analogs: BTreeMap<String, AnalogConfig> = config.get_or("analogs", BTreeMap::new())?;
        for (name, a) in &analogs {
            if a.min >= a.max || a.period_ms == 0 {
                return Err(Error::invalid_argument(format!(
                    "resource {:?}: attribute `analogs.{name}`: need min < max and period_ms > 0",
                    config.name
                )));
            }
        }
        let interrupts: BTreeMap<String, InterruptConfig> = config.get_or("digital_interrupts", BTreeMap::new())?;
        for (name, i) in &interrupts {
            if let Some(allowed) = &allowed
                && !allowed.contains(&i.pin)
            {
                return Err(Error::invalid_argument(format!(
                    "resource {:?}: attribute `digital_interrupts.{name}.pin`: {:?} is not in `pins`",
                    config.name, i.pin
                )));
            }
        }
        Ok(Self {
            allowed,
            pins: BTreeMap::new(),
            analogs,
            written: BTreeMap::new(),
            interrupts: interrupts.into_iter().map(|(n, i)| (n, (i.pin, 0))).collect(),
            ticks: VecDeque::new(),
            start: Instant::now(),
            power_mode: PowerMode::Normal,
        })
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("command").and_then(Json::as_str) {
            Some("status") => Ok(readings! {
                "power_mode" => match self.power_mode {
                    PowerMode::Normal => "normal",
                    PowerMode::OfflineDeep => "offline_deep",
                },
                "written" => self.written.clone(),
                "pins" => self.pins.iter().map(|(k, p)| (k.clone(), json!({"high": p.high, "duty": p.duty, "frequency_hz": p.frequency_hz}))).collect::<Map>(),
            }),
            other => Err(Error::invalid_argument(format!(
                "unknown command {other:?}; try {{\"command\": \"status\"}}"
            ))),
        }
    }
}

impl Board for SimBoard {
    fn set_gpio(&mut self, pin: &str, high: bool, _extra: &Map) -> Result<()> {
        let p = self.pin(pin)?;
        let changed = p.high != high;
        p.high = high;
        p.duty = if high { 1.0 } else { 0.0 };
        if changed {
            let time_ns = now_ns();
            for (name, (watched, count)) in self.interrupts.iter_mut() {
                if watched == pin {
                    *count += 1;
                    if self.ticks.len() == TICK_HISTORY {
                        self.ticks.pop_front();
                    }
                    self.ticks.push_back(Tick {
                        name: name.clone(),
                        time_ns,
                        high,
                    });
                }
            }
        }
        Ok(())
    }

    fn get_gpio(&mut self, pin: &str, _extra: &Map) -> Result<bool> {
        Ok(self.pin(pin)?.high)
    }

    fn get_pwm(&mut self, pin: &str, _extra: &Map) -> Result<f64> {
        Ok(self.pin(pin)?.duty)
    }

    fn set_pwm(&mut self, pin: &str, duty_cycle_pct: f64, _extra: &Map) -> Result<()> {
        let p = self.pin(pin)?;
        p.duty = duty_cycle_pct;
        p.high = duty_cycle_pct > 0.0;
        Ok(())
    }

    fn get_pwm_frequency(&mut self, pin: &str, _extra: &Map) -> Result<u64> {
        Ok(self.pin(pin)?.frequency_hz)
    }

    fn set_pwm_frequency(&mut self, pin: &str, frequency_hz: u64, _extra: &Map) -> Result<()> {
        self.pin(pin)?.frequency_hz = frequency_hz;
        Ok(())
    }

    fn read_analog(&mut self, reader: &str, _extra: &Map) -> Result<AnalogReading> {
        let a = self
            .analogs
            .get(reader)
            .ok_or_else(|| Error::not_found(format!("no analog reader {reader:?} (configure it under `analogs`)")))?;
        let phase = self.start.elapsed().as_millis() as f64 / a.period_ms as f64 * TAU;
        let mid = (f64::from(a.min) + f64::from(a.max)) / 2.0;
        let amplitude = (f64::from(a.max) - f64::from(a.min)) / 2.0;
        Ok(AnalogReading {
            value: (mid + amplitude * phase.sin()).round() as i32,
            min_range: 0.0,
            max_range: 3.3,
            step_size: 3.3 / (a.max - a.min) as f32,
        })
    }

    fn write_analog(&mut self, pin: &str, value: i32, _extra: &Map) -> Result<()> {
        // An analog is written by its own name (a DAC) or by a pin's.
        if !self.analogs.contains_key(pin) {
            self.pin(pin)?;
        }
        self.written.insert(pin.to_string(), value);
        Ok(())
    }

    fn get_digital_interrupt_value(&mut self, interrupt: &str, _extra: &Map) -> Result<i64> {
        self.interrupts
            .get(interrupt)
            .map(|(_, count)| *count)
            .ok_or_else(|| Error::not_found(format!("no digital interrupt {interrupt:?}")))
    }

    fn read_ticks(&mut self, interrupts: &[String], since_ns: u64) -> Result<Vec<Tick>> {
        for name in interrupts {
            if !self.interrupts.contains_key(name) {
                return Err(Error::not_found(format!("no digital interrupt {name:?}")));
            }
        }
        Ok(self
            .ticks
            .iter()
            .filter(|t| t.time_ns > since_ns && interrupts.contains(&t.name))
            .cloned()
            .collect())
    }

    fn set_power_mode(&mut self, mode: PowerMode, _duration_ns: Option<u64>, _extra: &Map) -> Result<()> {
        self.power_mode = mode;
        Ok(())
    }
}
