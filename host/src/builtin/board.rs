//! Boards on the host's GPIO backends: `armature:builtin:sim` (simulated)
//! and `armature:builtin:linux` (GPIO character device and sysfs PWM).

use super::shared::{attributes, common};
use crate::config::ResourceConfig;
use crate::core::bindings::exports::armature::module::board;
use crate::core::call::{Call, Reply};
use crate::core::error::CallError;
use crate::core::values;
use crate::hardware::gpio::GpioBackend;
use crate::hardware::gpio_linux::{LinuxBoardConfig, LinuxGpio};
use crate::hardware::gpio_sim::{SimBoardConfig, SimGpio};
use crate::resources::native::{BuiltinModel, NativeResource};

const BOARD: &str = "rdk:component:board";

pub const SIM: BuiltinModel = BuiltinModel {
    api: BOARD,
    model: "armature:builtin:sim",
    validate: |c| attributes::<SimBoardConfig>(c)?.check(),
    build: |c| {
        let board = SimGpio::new(attributes(c)?)?;
        Ok(Box::new(Board {
            backend: Box::new(board),
            sim: true,
        }))
    },
    exclusive: false,
};

pub const LINUX: BuiltinModel = BuiltinModel {
    api: BOARD,
    model: "armature:builtin:linux",
    validate: |c| attributes::<LinuxBoardConfig>(c).map(drop),
    build: |c: &ResourceConfig| {
        let board = LinuxGpio::open(attributes(c)?).map_err(|e| e.to_string())?;
        Ok(Box::new(Board {
            backend: Box::new(board),
            sim: false,
        }))
    },
    exclusive: true,
};

struct Board {
    backend: Box<dyn GpioBackend>,
    sim: bool,
}

impl NativeResource for Board {
    fn blocks(&self) -> bool {
        // Simulated pins are memory; Linux lines are ioctls and sysfs writes.
        !self.sim
    }

    fn call(&mut self, call: Call) -> Result<Reply, CallError> {
        let b = &mut self.backend;
        Ok(match call {
            Call::SetGpio { pin, high, .. } => b.set(&pin, high).map(|()| Reply::Unit)?,
            Call::GetGpio { pin, .. } => Reply::Bool(b.get(&pin)?),
            Call::SetPwm { pin, duty, .. } => b.set_pwm(&pin, duty).map(|()| Reply::Unit)?,
            Call::GetPwm { pin, .. } => Reply::F64(b.pwm(&pin)?),
            Call::SetPwmFrequency { pin, hz, .. } => b.set_pwm_frequency(&pin, hz).map(|()| Reply::Unit)?,
            Call::GetPwmFrequency { pin, .. } => Reply::U64(b.pwm_frequency(&pin)?),
            Call::ReadAnalog { reader, .. } => {
                let a = b.read_analog(&reader)?;
                Reply::AnalogReading(board::AnalogReading {
                    value: a.value,
                    min_range: a.min_range,
                    max_range: a.max_range,
                    step_size: a.step_size,
                })
            }
            Call::WriteAnalog { pin, value, .. } => b.write_analog(&pin, value).map(|()| Reply::Unit)?,
            Call::GetDigitalInterruptValue { interrupt, .. } => Reply::I64(b.edge_count(&interrupt)?),
            Call::ReadTicks { interrupts, since_ns } => Reply::Ticks(
                b.edges_since(&interrupts, since_ns)?
                    .into_iter()
                    .map(|e| board::Tick {
                        name: e.interrupt,
                        time_ns: e.time_ns,
                        high: e.high,
                    })
                    .collect(),
            ),
            Call::SetPowerMode { .. } => {
                return Err(CallError::unimplemented("this board cannot change its power mode"));
            }
            Call::DoCommand(_) => match b.status() {
                Some(serde_json::Value::Object(status)) => Reply::Value(values::map_to_nodes(&status)),
                _ => return Err(CallError::unimplemented("this board has no commands")),
            },
            other => return common(&other, "a board"),
        })
    }
}
