//! Boards on the host's GPIO backends: `armature:builtin:sim` (simulated)
//! and `armature:builtin:linux` (GPIO character device and sysfs PWM).

use super::shared::{attributes, common};
use crate::apis::board::{Call as BoardCall, Reply as BoardReply};
use crate::apis::call::{Call, Reply};
use crate::config::ResourceConfig;
use crate::core::bindings::exports::armature::module::board;
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
        let own = match call {
            Call::Board(c) => c,
            Call::DoCommand(_) => {
                return match b.status() {
                    Some(serde_json::Value::Object(status)) => Ok(Reply::Value(values::map_to_nodes(&status))),
                    _ => Err(CallError::unimplemented("this board has no commands")),
                };
            }
            other => return common(&other, "a board"),
        };
        Ok(Reply::Board(match own {
            BoardCall::SetGpio { pin, high, .. } => b.set(&pin, high).map(|()| BoardReply::Unit)?,
            BoardCall::GetGpio { pin, .. } => BoardReply::High(b.get(&pin)?),
            BoardCall::SetPwm { pin, duty, .. } => b.set_pwm(&pin, duty).map(|()| BoardReply::Unit)?,
            BoardCall::GetPwm { pin, .. } => BoardReply::Duty(b.pwm(&pin)?),
            BoardCall::SetPwmFrequency { pin, hz, .. } => b.set_pwm_frequency(&pin, hz).map(|()| BoardReply::Unit)?,
            BoardCall::GetPwmFrequency { pin, .. } => BoardReply::Frequency(b.pwm_frequency(&pin)?),
            BoardCall::ReadAnalog { reader, .. } => {
                let a = b.read_analog(&reader)?;
                BoardReply::Analog(board::AnalogReading {
                    value: a.value,
                    min_range: a.min_range,
                    max_range: a.max_range,
                    step_size: a.step_size,
                })
            }
            BoardCall::WriteAnalog { pin, value, .. } => b.write_analog(&pin, value).map(|()| BoardReply::Unit)?,
            BoardCall::GetDigitalInterruptValue { interrupt, .. } => BoardReply::Count(b.edge_count(&interrupt)?),
            BoardCall::ReadTicks { interrupts, since_ns } => BoardReply::Ticks(
                b.edges_since(&interrupts, since_ns)?
                    .into_iter()
                    .map(|e| board::Tick {
                        name: e.interrupt,
                        time_ns: e.time_ns,
                        high: e.high,
                    })
                    .collect(),
            ),
            BoardCall::SetPowerMode { .. } => {
                return Err(CallError::unimplemented("this board cannot change its power mode"));
            }
        }))
    }
}
