//! rdk:component:board, `viam.component.board.v1.BoardService`. StreamTicks
//! is served by polling the board's tick buffer once per control period.

use serde_json::json;
use tokio_stream::wrappers::ReceiverStream;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::apis::capture::{CaptureMethod, DataKind, any_params, param, tab, unexpected as unexpected_sample};
use crate::apis::resources::{CONTROL_PERIOD, Resources, unexpected};
use crate::apis::wire::{Unary, extra as wire};
use crate::core::api::ApiKind;
use crate::core::bindings::armature::module::calls as dep;
use crate::core::bindings::exports::armature::module::board::{AnalogReading, PowerMode, Tick};
use crate::core::bindings::{Answer, Module, Value};
use crate::core::error::CallError;
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::board::v1 as pb;
use crate::core::proto::viam::component::board::v1::board_service_server::BoardService;
use crate::core::values::struct_to_nodes as extra;

const KIND: ApiKind = ApiKind::Board;

#[derive(Debug, Clone)]
pub enum Call {
    SetGpio {
        pin: String,
        high: bool,
        extra: Value,
    },
    GetGpio {
        pin: String,
        extra: Value,
    },
    GetPwm {
        pin: String,
        extra: Value,
    },
    SetPwm {
        pin: String,
        duty: f64,
        extra: Value,
    },
    GetPwmFrequency {
        pin: String,
        extra: Value,
    },
    SetPwmFrequency {
        pin: String,
        hz: u64,
        extra: Value,
    },
    ReadAnalog {
        reader: String,
        extra: Value,
    },
    WriteAnalog {
        pin: String,
        value: i32,
        extra: Value,
    },
    GetDigitalInterruptValue {
        interrupt: String,
        extra: Value,
    },
    /// The edges seen on `interrupts` since `since_ns` (StreamTicks polls it).
    ReadTicks {
        interrupts: Vec<String>,
        since_ns: u64,
    },
    SetPowerMode {
        mode: PowerMode,
        duration_ns: Option<u64>,
        extra: Value,
    },
}

#[derive(Debug, Clone)]
pub enum Reply {
    Unit,
    High(bool),
    Duty(f64),
    Frequency(u64),
    Analog(AnalogReading),
    Count(i64),
    Ticks(Vec<Tick>),
}

impl Call {
    pub fn method(&self) -> &'static str {
        match self {
            Call::SetGpio { .. } => "SetGPIO",
            Call::GetGpio { .. } => "GetGPIO",
            Call::GetPwm { .. } => "PWM",
            Call::SetPwm { .. } => "SetPWM",
            Call::GetPwmFrequency { .. } => "PWMFrequency",
            Call::SetPwmFrequency { .. } => "SetPWMFrequency",
            Call::ReadAnalog { .. } => "ReadAnalogReader",
            Call::WriteAnalog { .. } => "WriteAnalog",
            Call::GetDigitalInterruptValue { .. } => "GetDigitalInterruptValue",
            Call::ReadTicks { .. } => "StreamTicks",
            Call::SetPowerMode { .. } => "SetPowerMode",
        }
    }
}

/// Enters the guest's `board` interface.
pub async fn enter<T: Send + 'static>(g: &Module, s: &mut Store<T>, r: ResourceAny, call: Call) -> Answer<Reply> {
    let b = &g.board;
    let unit = |()| Reply::Unit;
    Ok(match call {
        Call::SetGpio { pin, high, extra } => b.call_set_gpio(s, r, &pin, high, &extra).await?.map(unit),
        Call::GetGpio { pin, extra } => b.call_get_gpio(s, r, &pin, &extra).await?.map(Reply::High),
        Call::GetPwm { pin, extra } => b.call_get_pwm(s, r, &pin, &extra).await?.map(Reply::Duty),
        Call::SetPwm { pin, duty, extra } => b.call_set_pwm(s, r, &pin, duty, &extra).await?.map(unit),
        Call::GetPwmFrequency { pin, extra } => b
            .call_get_pwm_frequency(s, r, &pin, &extra)
            .await?
            .map(Reply::Frequency),
        Call::SetPwmFrequency { pin, hz, extra } => b.call_set_pwm_frequency(s, r, &pin, hz, &extra).await?.map(unit),
        Call::ReadAnalog { reader, extra } => b.call_read_analog(s, r, &reader, &extra).await?.map(Reply::Analog),
        Call::WriteAnalog { pin, value, extra } => b.call_write_analog(s, r, &pin, value, &extra).await?.map(unit),
        Call::GetDigitalInterruptValue { interrupt, extra } => b
            .call_get_digital_interrupt_value(s, r, &interrupt, &extra)
            .await?
            .map(Reply::Count),
        Call::ReadTicks { interrupts, since_ns } => {
            b.call_read_ticks(s, r, &interrupts, since_ns).await?.map(Reply::Ticks)
        }
        Call::SetPowerMode {
            mode,
            duration_ns,
            extra,
        } => b.call_set_power_mode(s, r, mode, duration_ns, &extra).await?.map(unit),
    })
}

pub const CAPTURE: &[CaptureMethod<Call, Reply>] = &[
    CaptureMethod {
        name: "Analogs",
        kind: DataKind::Tabular,
        required: &["reader_name"],
        check: any_params,
        call: |p, extra| Call::ReadAnalog {
            reader: param(p, "reader_name"),
            extra,
        },
        payload: |r, _| match r {
            Reply::Analog(a) => tab(
                json!({"value": a.value, "min_range": a.min_range, "max_range": a.max_range, "step_size": a.step_size}),
            ),
            other => Err(unexpected_sample(other)),
        },
    },
    CaptureMethod {
        name: "Gpios",
        kind: DataKind::Tabular,
        required: &["pin_name"],
        check: any_params,
        call: |p, extra| Call::GetGpio {
            pin: param(p, "pin_name"),
            extra,
        },
        payload: |r, _| match r {
            Reply::High(high) => tab(json!({"high": high})),
            other => Err(unexpected_sample(other)),
        },
    },
];

fn no_pin(board: &str, pin: &str) -> Result<(), Status> {
    if pin.is_empty() {
        return Err(Status::invalid_argument(format!("board {board:?}: pin name is empty")));
    }
    Ok(())
}

pub struct BoardApi<R>(pub R);

impl<R: Resources> BoardApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    /// A call whose reply is unit.
    async fn command(&self, name: &str, call: Call) -> Result<(), Status> {
        match self.0.ask(KIND, name, call).await? {
            Reply::Unit => Ok(()),
            other => Err(unexpected(KIND, other)),
        }
    }
}

#[tonic::async_trait]
impl<R: Resources> BoardService for BoardApi<R>
where
    R::Call: From<Call>,
    R::Reply: TryInto<Reply, Error = CallError>,
{
    async fn set_gpio(&self, request: Request<pb::SetGpioRequest>) -> Result<Response<pb::SetGpioResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        let call = Call::SetGpio {
            pin: r.pin,
            high: r.high,
            extra: extra(r.extra.as_ref()),
        };
        self.command(&r.name, call).await?;
        Ok(Response::new(pb::SetGpioResponse {}))
    }

    async fn get_gpio(&self, request: Request<pb::GetGpioRequest>) -> Result<Response<pb::GetGpioResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        let call = Call::GetGpio {
            pin: r.pin,
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.name, call).await? {
            Reply::High(high) => Ok(Response::new(pb::GetGpioResponse { high })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn pwm(&self, request: Request<pb::PwmRequest>) -> Result<Response<pb::PwmResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        let call = Call::GetPwm {
            pin: r.pin,
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.name, call).await? {
            Reply::Duty(duty_cycle_pct) => Ok(Response::new(pb::PwmResponse { duty_cycle_pct })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn set_pwm(&self, request: Request<pb::SetPwmRequest>) -> Result<Response<pb::SetPwmResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        if !(0.0..=1.0).contains(&r.duty_cycle_pct) {
            return Err(Status::invalid_argument(format!(
                "board {:?}: duty_cycle_pct must be within [0, 1], got {}",
                r.name, r.duty_cycle_pct
            )));
        }
        let call = Call::SetPwm {
            pin: r.pin,
            duty: r.duty_cycle_pct,
            extra: extra(r.extra.as_ref()),
        };
        self.command(&r.name, call).await?;
        Ok(Response::new(pb::SetPwmResponse {}))
    }

    async fn pwm_frequency(
        &self,
        request: Request<pb::PwmFrequencyRequest>,
    ) -> Result<Response<pb::PwmFrequencyResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        let call = Call::GetPwmFrequency {
            pin: r.pin,
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.name, call).await? {
            Reply::Frequency(frequency_hz) => Ok(Response::new(pb::PwmFrequencyResponse { frequency_hz })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn set_pwm_frequency(
        &self,
        request: Request<pb::SetPwmFrequencyRequest>,
    ) -> Result<Response<pb::SetPwmFrequencyResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        // uint64 on the wire: a "negative" frequency from a client arrives as a huge one.
        if r.frequency_hz > i64::MAX as u64 {
            return Err(Status::invalid_argument(format!(
                "board {:?}: frequency_hz {} is out of range (negative?)",
                r.name, r.frequency_hz
            )));
        }
        let call = Call::SetPwmFrequency {
            pin: r.pin,
            hz: r.frequency_hz,
            extra: extra(r.extra.as_ref()),
        };
        self.command(&r.name, call).await?;
        Ok(Response::new(pb::SetPwmFrequencyResponse {}))
    }

    async fn read_analog_reader(
        &self,
        request: Request<pb::ReadAnalogReaderRequest>,
    ) -> Result<Response<pb::ReadAnalogReaderResponse>, Status> {
        let r = request.into_inner();
        let call = Call::ReadAnalog {
            reader: r.analog_reader_name,
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.board_name, call).await? {
            Reply::Analog(a) => Ok(Response::new(pb::ReadAnalogReaderResponse {
                value: a.value,
                min_range: a.min_range,
                max_range: a.max_range,
                step_size: a.step_size,
            })),
            other => Err(unexpected(KIND, other)),
        }
    }

    async fn write_analog(
        &self,
        request: Request<pb::WriteAnalogRequest>,
    ) -> Result<Response<pb::WriteAnalogResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        let call = Call::WriteAnalog {
            pin: r.pin,
            value: r.value,
            extra: extra(r.extra.as_ref()),
        };
        self.command(&r.name, call).await?;
        Ok(Response::new(pb::WriteAnalogResponse {}))
    }

    async fn get_digital_interrupt_value(
        &self,
        request: Request<pb::GetDigitalInterruptValueRequest>,
    ) -> Result<Response<pb::GetDigitalInterruptValueResponse>, Status> {
        let r = request.into_inner();
        let call = Call::GetDigitalInterruptValue {
            interrupt: r.digital_interrupt_name,
            extra: extra(r.extra.as_ref()),
        };
        match self.0.ask(KIND, &r.board_name, call).await? {
            Reply::Count(value) => Ok(Response::new(pb::GetDigitalInterruptValueResponse { value })),
            other => Err(unexpected(KIND, other)),
        }
    }

    /// Polls the board's tick buffer once per control period and streams
    /// every new edge, until the client goes away.
    async fn stream_ticks(
        &self,
        request: Request<pb::StreamTicksRequest>,
    ) -> Result<Response<BoxStream<pb::StreamTicksResponse>>, Status> {
        let r = request.into_inner();
        if r.pin_names.is_empty() {
            return Err(Status::invalid_argument(format!(
                "board {:?}: name at least one digital interrupt",
                r.name
            )));
        }
        // Check the names now, so that a bad one fails the call rather than the stream.
        for interrupt in &r.pin_names {
            let call = Call::GetDigitalInterruptValue {
                interrupt: interrupt.clone(),
                extra: extra(None),
            };
            self.0.ask::<_, Reply>(KIND, &r.name, call).await?;
        }
        let since_start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let resources = self.0.clone();
        tokio::spawn(async move {
            let mut since = since_start;
            loop {
                let call = Call::ReadTicks {
                    interrupts: r.pin_names.clone(),
                    since_ns: since,
                };
                let ticks = match resources.ask(KIND, &r.name, call).await {
                    Ok(Reply::Ticks(ticks)) => Ok(ticks),
                    Ok(other) => Err(unexpected(KIND, other)),
                    Err(e) => Err(e),
                };
                match ticks {
                    Ok(ticks) => {
                        for t in ticks {
                            since = since.max(t.time_ns);
                            let msg = pb::StreamTicksResponse {
                                pin_name: t.name,
                                time: t.time_ns,
                                high: t.high,
                            };
                            if tx.send(Ok(msg)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        return;
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(CONTROL_PERIOD) => {}
                    _ = tx.closed() => return,
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn set_power_mode(
        &self,
        request: Request<pb::SetPowerModeRequest>,
    ) -> Result<Response<pb::SetPowerModeResponse>, Status> {
        let r = request.into_inner();
        let mode = match pb::PowerMode::try_from(r.power_mode) {
            Ok(pb::PowerMode::Normal) => PowerMode::Normal,
            Ok(pb::PowerMode::OfflineDeep) => PowerMode::OfflineDeep,
            _ => {
                return Err(Status::invalid_argument(format!(
                    "board {:?}: power_mode must be NORMAL or OFFLINE_DEEP, got {}",
                    r.name, r.power_mode
                )));
            }
        };
        let duration_ns = match r.duration {
            None => None,
            Some(d) => Some(
                std::time::Duration::try_from(d)
                    .map_err(|_| {
                        Status::invalid_argument(format!("board {:?}: duration must not be negative", r.name))
                    })?
                    .as_nanos() as u64,
            ),
        };
        let call = Call::SetPowerMode {
            mode,
            duration_ns,
            extra: extra(r.extra.as_ref()),
        };
        self.command(&r.name, call).await?;
        Ok(Response::new(pb::SetPowerModeResponse {}))
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        self.0.do_command(KIND, request.into_inner()).await.map(Response::new)
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        self.0
            .get_geometries(KIND, request.into_inner())
            .await
            .map(Response::new)
    }
}

// A dependent guest's calls (`calls` import), in the same shapes. Tick
// streams are the host's own (StreamTicks): not a dependency's method.

impl From<dep::BoardMethod> for Call {
    fn from(m: dep::BoardMethod) -> Self {
        use dep::BoardMethod as M;
        match m {
            M::SetGpio((pin, high, extra)) => Call::SetGpio { pin, high, extra },
            M::GetGpio((pin, extra)) => Call::GetGpio { pin, extra },
            M::GetPwm((pin, extra)) => Call::GetPwm { pin, extra },
            M::SetPwm((pin, duty, extra)) => Call::SetPwm { pin, duty, extra },
            M::GetPwmFrequency((pin, extra)) => Call::GetPwmFrequency { pin, extra },
            M::SetPwmFrequency((pin, hz, extra)) => Call::SetPwmFrequency { pin, hz, extra },
            M::ReadAnalog((reader, extra)) => Call::ReadAnalog { reader, extra },
            M::WriteAnalog((pin, value, extra)) => Call::WriteAnalog { pin, value, extra },
            M::GetDigitalInterruptValue((interrupt, extra)) => Call::GetDigitalInterruptValue { interrupt, extra },
            M::SetPowerMode((mode, duration_ns, extra)) => Call::SetPowerMode {
                mode: match mode {
                    dep::PowerMode::Normal => PowerMode::Normal,
                    dep::PowerMode::OfflineDeep => PowerMode::OfflineDeep,
                },
                duration_ns,
                extra,
            },
        }
    }
}

impl TryFrom<Reply> for dep::BoardAnswer {
    type Error = CallError;
    fn try_from(r: Reply) -> Result<Self, CallError> {
        use dep::BoardAnswer as A;
        Ok(match r {
            Reply::Unit => A::Unit,
            Reply::High(h) => A::High(h),
            Reply::Duty(d) => A::Duty(d),
            Reply::Frequency(f) => A::Frequency(f),
            Reply::Analog(a) => A::Analog(dep::AnalogReading {
                value: a.value,
                min_range: a.min_range,
                max_range: a.max_range,
                step_size: a.step_size,
            }),
            Reply::Count(c) => A::Count(c),
            Reply::Ticks(_) => return Err(CallError::internal("ticks are not a dependency's answer")),
        })
    }
}

/// The call on a board another server serves (module mode).
pub async fn remote(u: &impl Unary, name: String, call: Call) -> Result<Reply, Status> {
    Ok(match call {
        Call::SetGpio { pin, high, extra } => {
            let request = pb::SetGpioRequest {
                name,
                pin,
                high,
                extra: wire(extra)?,
            };
            let _: pb::SetGpioResponse = u.unary("SetGPIO", request).await?;
            Reply::Unit
        }
        Call::GetGpio { pin, extra } => {
            let request = pb::GetGpioRequest {
                name,
                pin,
                extra: wire(extra)?,
            };
            let r: pb::GetGpioResponse = u.unary("GetGPIO", request).await?;
            Reply::High(r.high)
        }
        Call::GetPwm { pin, extra } => {
            let request = pb::PwmRequest {
                name,
                pin,
                extra: wire(extra)?,
            };
            let r: pb::PwmResponse = u.unary("PWM", request).await?;
            Reply::Duty(r.duty_cycle_pct)
        }
        Call::SetPwm { pin, duty, extra } => {
            let request = pb::SetPwmRequest {
                name,
                pin,
                duty_cycle_pct: duty,
                extra: wire(extra)?,
            };
            let _: pb::SetPwmResponse = u.unary("SetPWM", request).await?;
            Reply::Unit
        }
        Call::GetPwmFrequency { pin, extra } => {
            let request = pb::PwmFrequencyRequest {
                name,
                pin,
                extra: wire(extra)?,
            };
            let r: pb::PwmFrequencyResponse = u.unary("PWMFrequency", request).await?;
            Reply::Frequency(r.frequency_hz)
        }
        Call::SetPwmFrequency { pin, hz, extra } => {
            let request = pb::SetPwmFrequencyRequest {
                name,
                pin,
                frequency_hz: hz,
                extra: wire(extra)?,
            };
            let _: pb::SetPwmFrequencyResponse = u.unary("SetPWMFrequency", request).await?;
            Reply::Unit
        }
        Call::ReadAnalog { reader, extra } => {
            let request = pb::ReadAnalogReaderRequest {
                board_name: name,
                analog_reader_name: reader,
                extra: wire(extra)?,
            };
            let r: pb::ReadAnalogReaderResponse = u.unary("ReadAnalogReader", request).await?;
            Reply::Analog(AnalogReading {
                value: r.value,
                min_range: r.min_range,
                max_range: r.max_range,
                step_size: r.step_size,
            })
        }
        Call::WriteAnalog { pin, value, extra } => {
            let request = pb::WriteAnalogRequest {
                name,
                pin,
                value,
                extra: wire(extra)?,
            };
            let _: pb::WriteAnalogResponse = u.unary("WriteAnalog", request).await?;
            Reply::Unit
        }
        Call::GetDigitalInterruptValue { interrupt, extra } => {
            let request = pb::GetDigitalInterruptValueRequest {
                board_name: name,
                digital_interrupt_name: interrupt,
                extra: wire(extra)?,
            };
            let r: pb::GetDigitalInterruptValueResponse = u.unary("GetDigitalInterruptValue", request).await?;
            Reply::Count(r.value)
        }
        Call::ReadTicks { .. } => {
            return Err(Status::unimplemented(
                "ticks of a board viam-server serves are not streamed to modules",
            ));
        }
        Call::SetPowerMode {
            mode,
            duration_ns,
            extra,
        } => {
            let power_mode = match mode {
                PowerMode::Normal => pb::PowerMode::Normal,
                PowerMode::OfflineDeep => pb::PowerMode::OfflineDeep,
            };
            let request = pb::SetPowerModeRequest {
                name,
                power_mode: power_mode as i32,
                duration: duration_ns.map(|ns| prost_types::Duration {
                    seconds: (ns / 1_000_000_000) as i64,
                    nanos: (ns % 1_000_000_000) as i32,
                }),
                extra: wire(extra)?,
            };
            let _: pb::SetPowerModeResponse = u.unary("SetPowerMode", request).await?;
            Reply::Unit
        }
    })
}
