//! The Linux board: GPIO lines through the GPIO character device
//! (`/dev/gpiochipN`, uAPI v2, with the `gpiocdev` crate), edge events for
//! digital interrupts, and PWM through the sysfs PWM class.
//!
//! ```json
//! "attributes": {
//!   "chip": "gpiochip0",
//!   "digital_interrupts": { "button": { "pin": "3" } },
//!   "pwm": { "12": { "chip": 0, "channel": 0 } }
//! }
//! ```
//! A pin is a line offset ("3") or a line name ("led0"). Lines are requested
//! when first used — as an output by a write, as an input by a read — and
//! held until the board closes; interrupts are requested at start, with edge
//! detection, and watched by a thread each.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gpiocdev::line::{EdgeDetection, EdgeKind, Offset, Value};
use serde::Deserialize;

use super::gpio::{Analog, Edge, EdgeLog, GpioBackend, check_duty};
use super::{HwError, HwResult};

const CONSUMER: &str = "armature";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PwmChannel {
    /// N of `/sys/class/pwm/pwmchipN`.
    pub chip: u32,
    pub channel: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinuxBoardConfig {
    /// A chip name ("gpiochip0") or a path ("/dev/gpiochip0").
    pub chip: String,
    #[serde(default)]
    pub digital_interrupts: BTreeMap<String, super::gpio_sim::InterruptConfig>,
    /// Pins that have a PWM channel, and which.
    #[serde(default)]
    pub pwm: BTreeMap<String, PwmChannel>,
    /// Where the PWM class lives; tests point it elsewhere.
    #[serde(default = "default_pwm_root")]
    pub pwm_root: PathBuf,
}

fn default_pwm_root() -> PathBuf {
    PathBuf::from("/sys/class/pwm")
}

/// The chip device path for a configured chip name or path.
pub fn chip_path(chip: &str) -> PathBuf {
    if chip.contains('/') {
        PathBuf::from(chip)
    } else {
        Path::new("/dev").join(chip)
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> HwError {
    HwError::Unavailable(format!("{what}: {e}"))
}

struct Line {
    request: Arc<gpiocdev::Request>,
    offset: Offset,
    output: bool,
}

struct Pwm {
    channel: PwmChannel,
    exported: bool,
    duty: f64,
    hz: u64,
}

pub struct LinuxGpio {
    chip: gpiocdev::Chip,
    path: PathBuf,
    lines: HashMap<Offset, Line>,
    interrupts: BTreeMap<String, Offset>,
    /// Shared with the watcher threads.
    log: Arc<Mutex<EdgeLog>>,
    stop: Arc<AtomicBool>,
    /// The interrupts' watcher threads; each holds its line until it ends.
    watchers: Vec<std::thread::JoinHandle<()>>,
    pwm: BTreeMap<String, Pwm>,
    pwm_root: PathBuf,
}

impl LinuxGpio {
    pub fn open(config: LinuxBoardConfig) -> HwResult<Self> {
        let path = chip_path(&config.chip);
        let chip = gpiocdev::Chip::from_path(&path).map_err(|e| unavailable(&path.display().to_string(), e))?;
        let mut board = Self {
            chip,
            path,
            lines: HashMap::new(),
            interrupts: BTreeMap::new(),
            log: Arc::default(),
            stop: Arc::default(),
            watchers: Vec::new(),
            pwm: config
                .pwm
                .into_iter()
                .map(|(pin, channel)| {
                    (
                        pin,
                        Pwm {
                            channel,
                            exported: false,
                            duty: 0.0,
                            hz: 0,
                        },
                    )
                })
                .collect(),
            pwm_root: config.pwm_root,
        };
        for (name, i) in &config.digital_interrupts {
            board.watch(name, &i.pin)?;
        }
        Ok(board)
    }

    fn offset(&self, pin: &str) -> HwResult<Offset> {
        if let Ok(n) = pin.parse::<Offset>() {
            // The kernel answers EINVAL for an offset past the end, which
            // would read as a device fault; it is the caller's mistake.
            return match self.chip.info() {
                Ok(info) if n >= info.num_lines => Err(HwError::NotFound(format!(
                    "line {n} is past the end of {} ({} lines)",
                    self.path.display(),
                    info.num_lines
                ))),
                _ => Ok(n),
            };
        }
        self.chip
            .find_line_info(pin)
            .map(|info| info.offset)
            .ok_or_else(|| HwError::NotFound(format!("no line named {pin:?} on {}", self.path.display())))
    }

    fn request(&self, offset: Offset, output: Option<bool>) -> HwResult<gpiocdev::Request> {
        let mut b = gpiocdev::Request::builder();
        b.on_chip(&self.path).with_consumer(CONSUMER).with_line(offset);
        match output {
            Some(high) => b.as_output(if high { Value::Active } else { Value::Inactive }),
            None => b.as_input(),
        };
        b.request()
            .map_err(|e| unavailable(&format!("line {offset} of {}", self.path.display()), e))
    }

    /// Requests an interrupt's line with edge detection and counts its edges
    /// on a thread of its own.
    fn watch(&mut self, name: &str, pin: &str) -> HwResult<()> {
        let offset = self.offset(pin)?;
        let request = gpiocdev::Request::builder()
            .on_chip(&self.path)
            .with_consumer(CONSUMER)
            .with_line(offset)
            .as_input()
            .with_edge_detection(EdgeDetection::BothEdges)
            .request()
            .map_err(|e| unavailable(&format!("interrupt {name:?} on line {offset}"), e))?;
        let request = Arc::new(request);
        self.lines.insert(
            offset,
            Line {
                request: request.clone(),
                offset,
                output: false,
            },
        );
        self.interrupts.insert(name.to_string(), offset);
        self.log.lock().unwrap_or_else(|e| e.into_inner()).add(name, 0, None);
        let (log, stop, watched) = (self.log.clone(), self.stop.clone(), name.to_string());
        let watcher = std::thread::Builder::new()
            .name(format!("gpio-{offset}"))
            .spawn(move || watch_edges(&request, &watched, &log, &stop))
            .map_err(|e| HwError::Unavailable(format!("starting the watcher of {name:?}: {e}")))?;
        self.watchers.push(watcher);
        Ok(())
    }

    fn line(&mut self, pin: &str, output: Option<bool>) -> HwResult<&Line> {
        let offset = self.offset(pin)?;
        let wrong_direction = self.lines.get(&offset).is_some_and(|l| output.is_some() && !l.output);
        if self.interrupts.values().any(|o| *o == offset) && output.is_some() {
            return Err(HwError::InvalidArgument(format!(
                "pin {pin:?} is a digital interrupt (an input); it cannot be driven"
            )));
        }
        if wrong_direction {
            // An input becomes an output: give the line up, then request it again.
            self.lines.remove(&offset);
        }
        if !self.lines.contains_key(&offset) {
            let request = self.request(offset, output)?;
            self.lines.insert(
                offset,
                Line {
                    request: Arc::new(request),
                    offset,
                    output: output.is_some(),
                },
            );
        }
        self.lines
            .get(&offset)
            .ok_or_else(|| HwError::Unavailable(format!("line {offset} was not requested")))
    }

    fn pwm_channel(&mut self, pin: &str) -> HwResult<&mut Pwm> {
        self.pwm.get_mut(pin).ok_or_else(|| {
            HwError::Unimplemented(format!(
                "pin {pin:?} has no PWM channel on this board (configure it under `pwm`)"
            ))
        })
    }

    /// Writes the PWM state of `pin` to its sysfs channel.
    fn apply_pwm(&mut self, pin: &str) -> HwResult<()> {
        let root = self.pwm_root.clone();
        write_pwm(&root, self.pwm_channel(pin)?)
    }
}

/// Writes duty and period to a sysfs PWM channel, exporting it first.
fn write_pwm(root: &Path, p: &mut Pwm) -> HwResult<()> {
    let chip = root.join(format!("pwmchip{}", p.channel.chip));
    let dir = chip.join(format!("pwm{}", p.channel.channel));
    let write = |file: &Path, value: String| {
        std::fs::write(file, &value).map_err(|e| unavailable(&format!("writing {value:?} to {}", file.display()), e))
    };
    if !p.exported && !dir.exists() {
        write(&chip.join("export"), p.channel.channel.to_string())?;
    }
    p.exported = true;
    let (period, duty) = pwm_times_ns(p.hz, p.duty);
    if period == 0 {
        return write(&dir.join("enable"), "0".into());
    }
    // The kernel refuses a duty longer than the period: lower the duty
    // first, then set the period, then the duty that belongs to it.
    write(&dir.join("duty_cycle"), "0".into())?;
    write(&dir.join("period"), period.to_string())?;
    write(&dir.join("duty_cycle"), duty.to_string())?;
    write(&dir.join("enable"), "1".into())
}

/// Period and duty in nanoseconds for a frequency and a duty cycle; a
/// period of 0 means "off".
pub fn pwm_times_ns(hz: u64, duty: f64) -> (u64, u64) {
    if hz == 0 {
        return (0, 0);
    }
    let period = 1_000_000_000 / hz;
    (period, (period as f64 * duty).round() as u64)
}

fn watch_edges(request: &gpiocdev::Request, name: &str, log: &Mutex<EdgeLog>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match request.wait_edge_event(Duration::from_millis(100)) {
            Ok(false) => continue,
            Ok(true) => match request.read_edge_event() {
                Ok(event) => {
                    // The kernel's timestamp is monotonic; StreamTicks wants wall time.
                    let edge = (super::now_ns(), event.kind == EdgeKind::Rising);
                    log.lock().unwrap_or_else(|e| e.into_inner()).add(name, 1, Some(edge));
                }
                Err(e) => {
                    tracing::warn!(interrupt = name, "reading an edge event: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            },
            Err(e) => {
                tracing::warn!(interrupt = name, "waiting for edges: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

impl Drop for LinuxGpio {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wait for the watchers (at most one edge-wait period): until they
        // end they hold their lines, and a board opened next (a
        // reconfiguration) would get EBUSY for them.
        for watcher in self.watchers.drain(..) {
            let _ = watcher.join();
        }
    }
}

impl GpioBackend for LinuxGpio {
    fn set(&mut self, pin: &str, high: bool) -> HwResult<()> {
        if self.pwm.contains_key(pin) {
            self.pwm_channel(pin)?.duty = if high { 1.0 } else { 0.0 };
        }
        let line = self.line(pin, Some(high))?;
        let offset = line.offset;
        line.request
            .set_value(offset, if high { Value::Active } else { Value::Inactive })
            .map_err(|e| unavailable(&format!("setting line {offset}"), e))
    }

    fn get(&mut self, pin: &str) -> HwResult<bool> {
        let line = self.line(pin, None)?;
        let offset = line.offset;
        line.request
            .value(offset)
            .map(|v| v == Value::Active)
            .map_err(|e| unavailable(&format!("reading line {offset}"), e))
    }

    fn set_pwm(&mut self, pin: &str, duty: f64) -> HwResult<()> {
        let duty = check_duty(duty)?;
        self.pwm_channel(pin)?.duty = duty;
        self.apply_pwm(pin)
    }

    fn pwm(&mut self, pin: &str) -> HwResult<f64> {
        Ok(self.pwm_channel(pin)?.duty)
    }

    fn set_pwm_frequency(&mut self, pin: &str, hz: u64) -> HwResult<()> {
        if hz > 1_000_000_000 {
            return Err(HwError::InvalidArgument(format!(
                "{hz} Hz is above what sysfs PWM can express"
            )));
        }
        self.pwm_channel(pin)?.hz = hz;
        self.apply_pwm(pin)
    }

    fn pwm_frequency(&mut self, pin: &str) -> HwResult<u64> {
        Ok(self.pwm_channel(pin)?.hz)
    }

    fn read_analog(&mut self, reader: &str) -> HwResult<Analog> {
        Err(HwError::Unimplemented(format!(
            "the Linux board has no analog readers (asked for {reader:?})"
        )))
    }

    fn write_analog(&mut self, pin: &str, _value: i32) -> HwResult<()> {
        Err(HwError::Unimplemented(format!(
            "the Linux board cannot write analog values (asked for {pin:?})"
        )))
    }

    fn edge_count(&mut self, interrupt: &str) -> HwResult<i64> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).count(interrupt)
    }

    fn edges_since(&mut self, interrupts: &[String], since_ns: u64) -> HwResult<Vec<Edge>> {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .since(interrupts, since_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chip_names_become_device_paths() {
        assert_eq!(chip_path("gpiochip0"), Path::new("/dev/gpiochip0"));
        assert_eq!(chip_path("/dev/gpiochip3"), Path::new("/dev/gpiochip3"));
    }

    #[test]
    fn pwm_times_follow_frequency_and_duty() {
        assert_eq!(pwm_times_ns(0, 0.5), (0, 0));
        assert_eq!(pwm_times_ns(1000, 0.25), (1_000_000, 250_000));
        assert_eq!(pwm_times_ns(50, 1.0), (20_000_000, 20_000_000));
    }

    #[test]
    fn a_missing_chip_is_unavailable_not_a_panic() {
        let config: LinuxBoardConfig =
            serde_json::from_value(serde_json::json!({"chip": "/nonexistent/gpiochip9"})).unwrap();
        match LinuxGpio::open(config) {
            Err(HwError::Unavailable(m)) => assert!(m.contains("/nonexistent/gpiochip9"), "{m}"),
            Err(other) => panic!("expected unavailable, got {other:?}"),
            Ok(_) => panic!("a chip that does not exist opened"),
        }
    }

    /// The gpio-sim chip and its sysfs folder in the hardware VM
    /// (`cargo xtask hw-vm-test`), else None.
    fn gpio_sim() -> Option<(String, PathBuf)> {
        match (
            std::env::var("ARMATURE_HW_VM_GPIOCHIP"),
            std::env::var("ARMATURE_HW_VM_GPIO_SYSFS"),
        ) {
            (Ok(chip), Ok(sysfs)) => Some((chip, sysfs.into())),
            _ => None,
        }
    }

    fn sim_value(sysfs: &Path, line: u32) -> String {
        std::fs::read_to_string(sysfs.join(format!("sim_gpio{line}/value")))
            .unwrap()
            .trim()
            .to_string()
    }

    fn pull(sysfs: &Path, line: u32, up: bool) {
        std::fs::write(
            sysfs.join(format!("sim_gpio{line}/pull")),
            if up { "pull-up" } else { "pull-down" },
        )
        .unwrap();
    }

    fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let start = std::time::Instant::now();
        while !done() {
            assert!(start.elapsed() < Duration::from_secs(5), "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    const NEEDS_VM: &str = "this test needs the hardware VM: run it with `cargo xtask hw-vm-test`";

    #[test]
    #[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
    fn kernel_gpio_sim_lines_follow_writes_pulls_and_edges() {
        let (chip, sysfs) = gpio_sim().expect(NEEDS_VM);
        let config: LinuxBoardConfig = serde_json::from_value(serde_json::json!({
            "chip": chip,
            "digital_interrupts": {"button": {"pin": "5"}},
        }))
        .unwrap();
        let mut board = LinuxGpio::open(config).unwrap();

        board.set("0", true).unwrap();
        assert_eq!(sim_value(&sysfs, 0), "1");
        board.set("led0", false).unwrap();
        assert_eq!(sim_value(&sysfs, 0), "0", "a line by its name");
        assert!(!board.get("0").unwrap());

        // An input that then becomes an output, and back.
        pull(&sysfs, 7, true);
        assert!(board.get("7").unwrap());
        board.set("7", false).unwrap();
        assert_eq!(sim_value(&sysfs, 7), "0", "now driven, not pulled");

        // Edges on the interrupt's line, counted and kept in order.
        let before = crate::hardware::now_ns();
        pull(&sysfs, 5, true);
        wait_for("the rising edge", || board.edge_count("button").unwrap() == 1);
        pull(&sysfs, 5, false);
        wait_for("the falling edge", || board.edge_count("button").unwrap() == 2);
        let edges = board.edges_since(&["button".into()], before).unwrap();
        assert_eq!(edges.iter().map(|e| e.high).collect::<Vec<_>>(), [true, false]);
        assert!(!board.get("5").unwrap());
        assert!(matches!(board.set("5", true), Err(HwError::InvalidArgument(_))));

        assert!(matches!(board.set_pwm("1", 0.5), Err(HwError::Unimplemented(_))));
        assert!(matches!(board.get("nosuchline"), Err(HwError::NotFound(_))));
        assert!(matches!(board.get("8"), Err(HwError::NotFound(_))), "8 lines only");
    }

    #[test]
    #[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
    fn kernel_gpio_sim_lines_are_released_with_the_board() {
        let (chip, _) = gpio_sim().expect(NEEDS_VM);
        let open = || {
            LinuxGpio::open(
                serde_json::from_value(serde_json::json!({
                    "chip": chip,
                    "digital_interrupts": {"knob": {"pin": "4"}},
                }))
                .unwrap(),
            )
            .unwrap()
        };
        let mut first = open();
        first.set("2", true).unwrap();
        drop(first);
        // A new board (a reconfigured resource) takes the same lines at
        // once, the interrupt's included: its watcher has let go of it.
        open().set("2", false).unwrap();
    }

    #[test]
    fn sysfs_pwm_channels_get_period_duty_and_enable() {
        let root = std::env::temp_dir().join(format!("armature-pwm-{}", std::process::id()));
        let dir = root.join("pwmchip0").join("pwm1");
        std::fs::create_dir_all(&dir).unwrap();
        let mut p = Pwm {
            channel: PwmChannel { chip: 0, channel: 1 },
            exported: false,
            duty: 0.25,
            hz: 1000,
        };
        write_pwm(&root, &mut p).unwrap();
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        assert_eq!(
            (read("period"), read("duty_cycle"), read("enable")),
            ("1000000".into(), "250000".into(), "1".into())
        );
        p.hz = 0;
        write_pwm(&root, &mut p).unwrap();
        assert_eq!(read("enable"), "0");
        // A channel that is not there yet is exported through the chip.
        let mut q = Pwm {
            channel: PwmChannel { chip: 0, channel: 2 },
            exported: false,
            duty: 0.5,
            hz: 10,
        };
        assert!(
            write_pwm(&root, &mut q).is_err(),
            "pwm2 has no files until the kernel makes them"
        );
        assert_eq!(std::fs::read_to_string(root.join("pwmchip0/export")).unwrap(), "2");
        let _ = std::fs::remove_dir_all(&root);
    }
}
