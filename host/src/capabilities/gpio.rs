//! `gpio`: pins of the board granted by `board` and `pins`. Each call is
//! checked against the grant and then goes to the board resource's slot,
//! exactly like a Board API call from a client.

use std::sync::Arc;
use std::time::Duration;

use crate::apis::board::{Call, Reply};
use crate::capabilities::state::HostState;
use crate::capabilities::target::CallTarget;
use crate::core::bindings::armature::module::gpio::Host;
use crate::core::bindings::{Answer, GuestError};
use crate::core::error::CallError;

/// How often `wait-for-edge` looks at the edge count.
const EDGE_POLL: Duration = Duration::from_millis(5);
/// Longer names are not pins; refuse them before copying them anywhere.
const MAX_NAME: usize = 128;

impl HostState {
    /// The board slot, if `pin` is granted.
    fn granted_pin(&self, pin: &str) -> Result<Arc<dyn CallTarget>, GuestError> {
        let what = |extra: &str| {
            format!(
                "pin {:?}{extra}",
                crate::capabilities::guest_text::bounded(pin, MAX_NAME)
            )
        };
        match &self.grants.gpio {
            None => Err(self.grants.denials.refuse(
                &self.resource,
                "gpio",
                &what(" (no board is granted: set `board` and `pins` in its attributes)"),
            )),
            Some(g) if pin.len() > MAX_NAME || !g.pins.contains(pin) => Err(self.grants.denials.refuse(
                &self.resource,
                "gpio",
                &what(&format!(
                    " of board {:?} (granted: {})",
                    g.board.name().name,
                    g.pins.iter().cloned().collect::<Vec<_>>().join(", ")
                )),
            )),
            Some(g) => Ok(g.board.clone()),
        }
    }
}

/// Sends `call` to the granted board. Takes the grant check's result rather
/// than the sandbox state, which may not be held across an await.
async fn on_board(board: Result<Arc<dyn CallTarget>, GuestError>, call: Call) -> Result<Reply, GuestError> {
    let reply = board?.call(call.into()).await?;
    Ok(Reply::try_from(reply)?)
}

/// The value `pick` takes out of the board's reply; another reply is a host
/// bug, reported to the guest as an internal error.
fn take<T>(reply: Result<Reply, GuestError>, pick: impl FnOnce(Reply) -> Result<T, Reply>) -> Answer<T> {
    Ok(
        reply
            .and_then(|r| pick(r).map_err(|other| CallError::internal(format!("the board answered {other:?}")).into())),
    )
}

impl Host for HostState {
    async fn set(&mut self, pin: String, high: bool) -> Answer<()> {
        let r = on_board(
            self.granted_pin(&pin),
            Call::SetGpio {
                pin,
                high,
                extra: Vec::new(),
            },
        )
        .await;
        take(r, |r| match r {
            Reply::Unit => Ok(()),
            other => Err(other),
        })
    }

    async fn get(&mut self, pin: String) -> Answer<bool> {
        let r = on_board(self.granted_pin(&pin), Call::GetGpio { pin, extra: Vec::new() }).await;
        take(r, |r| match r {
            Reply::High(high) => Ok(high),
            other => Err(other),
        })
    }

    async fn set_pwm(&mut self, pin: String, duty: f64) -> Answer<()> {
        let r = on_board(
            self.granted_pin(&pin),
            Call::SetPwm {
                pin,
                duty,
                extra: Vec::new(),
            },
        )
        .await;
        take(r, |r| match r {
            Reply::Unit => Ok(()),
            other => Err(other),
        })
    }

    async fn get_pwm(&mut self, pin: String) -> Answer<f64> {
        let r = on_board(self.granted_pin(&pin), Call::GetPwm { pin, extra: Vec::new() }).await;
        take(r, |r| match r {
            Reply::Duty(duty) => Ok(duty),
            other => Err(other),
        })
    }

    async fn set_pwm_frequency(&mut self, pin: String, hz: u64) -> Answer<()> {
        let r = on_board(
            self.granted_pin(&pin),
            Call::SetPwmFrequency {
                pin,
                hz,
                extra: Vec::new(),
            },
        )
        .await;
        take(r, |r| match r {
            Reply::Unit => Ok(()),
            other => Err(other),
        })
    }

    async fn get_pwm_frequency(&mut self, pin: String) -> Answer<u64> {
        let r = on_board(self.granted_pin(&pin), Call::GetPwmFrequency { pin, extra: Vec::new() }).await;
        take(r, |r| match r {
            Reply::Frequency(hz) => Ok(hz),
            other => Err(other),
        })
    }

    async fn read_analog(&mut self, reader: String) -> Answer<i32> {
        let r = on_board(
            self.granted_pin(&reader),
            Call::ReadAnalog {
                reader,
                extra: Vec::new(),
            },
        )
        .await;
        take(r, |r| match r {
            Reply::Analog(a) => Ok(a.value),
            other => Err(other),
        })
    }

    async fn count_edges(&mut self, interrupt: String) -> Answer<i64> {
        let r = on_board(
            self.granted_pin(&interrupt),
            Call::GetDigitalInterruptValue {
                interrupt,
                extra: Vec::new(),
            },
        )
        .await;
        take(r, |r| match r {
            Reply::Count(count) => Ok(count),
            other => Err(other),
        })
    }

    async fn wait_for_edge(&mut self, interrupt: String, seen: i64, timeout_ms: u32) -> Answer<i64> {
        // The board API has no "wait", so poll the count: cheap for a
        // built-in board, and it works for a board served by a guest too.
        let until = tokio::time::Instant::now() + Duration::from_millis(timeout_ms.into()).min(self.time_left());
        loop {
            let count = match self.count_edges(interrupt.clone()).await? {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
            if count != seen || tokio::time::Instant::now() >= until {
                return Ok(Ok(count));
            }
            tokio::time::sleep(EDGE_POLL.min(until.saturating_duration_since(tokio::time::Instant::now()))).await;
        }
    }
}
