//! viam.component.board.v1.BoardService

use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::core::api::ApiKind;
use crate::core::bindings::exports::armature::module::board::PowerMode;
use crate::core::call::{Call, Reply};
use crate::core::proto::viam::common::v1 as common;
use crate::core::proto::viam::component::board::v1 as pb;
use crate::core::proto::viam::component::board::v1::board_service_server::BoardService;
use crate::core::values::struct_to_nodes as extra;
use crate::grpc::common::{do_command, get_geometries};
use crate::grpc::host::Host;
use crate::grpc::motion::CONTROL_PERIOD;
use crate::grpc::status::from_call_error;
use tonic::codegen::BoxStream;

pub struct BoardApi(pub Host);

const KIND: ApiKind = ApiKind::Board;

fn no_pin(board: &str, pin: &str) -> Result<(), Status> {
    if pin.is_empty() {
        return Err(Status::invalid_argument(format!("board {board:?}: pin name is empty")));
    }
    Ok(())
}

#[tonic::async_trait]
impl BoardService for BoardApi {
    async fn set_gpio(&self, request: Request<pb::SetGpioRequest>) -> Result<Response<pb::SetGpioResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        let call = Call::SetGpio {
            pin: r.pin,
            high: r.high,
            extra: extra(r.extra.as_ref()),
        };
        self.0.call_as(KIND, &r.name, call, Reply::into_unit).await?;
        Ok(Response::new(pb::SetGpioResponse {}))
    }

    async fn get_gpio(&self, request: Request<pb::GetGpioRequest>) -> Result<Response<pb::GetGpioResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        let call = Call::GetGpio {
            pin: r.pin,
            extra: extra(r.extra.as_ref()),
        };
        let high = self.0.call_as(KIND, &r.name, call, Reply::into_bool).await?;
        Ok(Response::new(pb::GetGpioResponse { high }))
    }

    async fn pwm(&self, request: Request<pb::PwmRequest>) -> Result<Response<pb::PwmResponse>, Status> {
        let r = request.into_inner();
        no_pin(&r.name, &r.pin)?;
        let call = Call::GetPwm {
            pin: r.pin,
            extra: extra(r.extra.as_ref()),
        };
        let duty_cycle_pct = self.0.call_as(KIND, &r.name, call, Reply::into_f64).await?;
        Ok(Response::new(pb::PwmResponse { duty_cycle_pct }))
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
        self.0.call_as(KIND, &r.name, call, Reply::into_unit).await?;
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
        let frequency_hz = self.0.call_as(KIND, &r.name, call, Reply::into_u64).await?;
        Ok(Response::new(pb::PwmFrequencyResponse { frequency_hz }))
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
        self.0.call_as(KIND, &r.name, call, Reply::into_unit).await?;
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
        let a = self
            .0
            .call_as(KIND, &r.board_name, call, Reply::into_analog_reading)
            .await?;
        Ok(Response::new(pb::ReadAnalogReaderResponse {
            value: a.value,
            min_range: a.min_range,
            max_range: a.max_range,
            step_size: a.step_size,
        }))
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
        self.0.call_as(KIND, &r.name, call, Reply::into_unit).await?;
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
        let value = self.0.call_as(KIND, &r.board_name, call, Reply::into_i64).await?;
        Ok(Response::new(pb::GetDigitalInterruptValueResponse { value }))
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
        let slot = self.0.slot(KIND, &r.name)?;
        // Check the names now, so that a bad one fails the call rather than the stream.
        for name in &r.pin_names {
            let call = Call::GetDigitalInterruptValue {
                interrupt: name.clone(),
                extra: extra(None),
            };
            slot.call(call).await.map_err(|e| from_call_error(&slot, e))?;
        }
        let since_start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        tokio::spawn(async move {
            let mut since = since_start;
            loop {
                let call = Call::ReadTicks {
                    interrupts: r.pin_names.clone(),
                    since_ns: since,
                };
                match slot.call(call).await.and_then(|t| t.into_ticks()) {
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
                    Err(e) => {
                        let _ = tx.send(Err(from_call_error(&slot, e))).await;
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
        self.0.call_as(KIND, &r.name, call, Reply::into_unit).await?;
        Ok(Response::new(pb::SetPowerModeResponse {}))
    }

    async fn do_command(
        &self,
        request: Request<common::DoCommandRequest>,
    ) -> Result<Response<common::DoCommandResponse>, Status> {
        do_command(&self.0, KIND, request.into_inner()).await
    }

    async fn get_geometries(
        &self,
        request: Request<common::GetGeometriesRequest>,
    ) -> Result<Response<common::GetGeometriesResponse>, Status> {
        get_geometries(&self.0, KIND, request.into_inner()).await
    }
}
