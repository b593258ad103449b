//! The call deadline is wall-clock, whatever the guest is doing. The epoch
//! stops wasm that runs; these guests run none while they wait: one sleeps
//! for 30 s, one sleeps 5 ms at a time forever (a clock subscription polled
//! in a loop), one reads a silent serial port with a minute's timeout. Each
//! answers DEADLINE_EXCEEDED at its deadline, is rebuilt, and calls queued
//! behind it are answered then. The sleeper is the case only the host's
//! timer catches (it answered after 30 s before); the other two are caught
//! by the epoch between polls and by the serial read's own bound, and are
//! here because a user's driver does exactly that.

use std::ffi::CStr;
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use armature_tests::*;
use serde_json::json;
use tonic::Code;

const DEADLINE_MS: u64 = 400;
/// Far below the 30 s and 60 s the guests would wait; far above the
/// deadline plus a busy machine's scheduling.
const CUT_OFF_BY: Duration = Duration::from_secs(8);

fn blocked(name: &str, on_read: &str, attributes: serde_json::Value) -> serde_json::Value {
    let mut attributes = attributes;
    attributes["on_read"] = json!(on_read);
    json!({"name": name, "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
           "attributes": attributes, "limits": {"call_timeout_ms": DEADLINE_MS}})
}

/// A pseudo-terminal nobody writes to: its master end, kept open, and the
/// path of the end the host opens.
fn silent_pty() -> (OwnedFd, String) {
    let (mut master, mut slave) = (0, 0);
    let mut name = [0 as libc::c_char; 4096];
    // SAFETY: openpty writes two fds and a NUL-terminated name into buffers we own.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            name.as_mut_ptr(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both fds were just opened and are owned by nothing else.
    let (master, _slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    // SAFETY: openpty NUL-terminated the name.
    let path = unsafe { CStr::from_ptr(name.as_ptr()) }.to_string_lossy().into_owned();
    (master, path)
}

#[tokio::test]
async fn a_guest_waiting_in_a_host_call_is_stopped_at_its_deadline() {
    let (_master, tty) = silent_pty();
    let host = Armature::start(json!({
        "modules": [{"name": "hostile", "path": fixture("hostile")}],
        "components": [
            thermometer("healthy", 20.0),
            blocked("sleeper", "sleep", json!({})),
            blocked("napper", "nap-loop", json!({})),
            blocked("listener", "serial-wait", json!({"serial": {"path": tty, "baud": 9600}})),
        ],
    }));
    let mut sensors = host.sensors().await;
    let robot = host.robot().await;

    for name in ["sleeper", "napper", "listener"] {
        let started = Instant::now();
        let e = readings(&mut sensors, name).await.unwrap_err();
        let took = started.elapsed();
        assert_eq!(e.code(), Code::DeadlineExceeded, "{name}: {e:?}");
        assert!(e.message().contains("deadline"), "{name}: the error says why: {e:?}");
        assert!(
            took < CUT_OFF_BY,
            "{name} answered after {took:?}: its wait escaped the {DEADLINE_MS} ms deadline"
        );
        // Rebuilt: ready again, with the restart counted.
        eventually(Duration::from_secs(10), &format!("{name} rebuilt"), || {
            let mut robot = robot.clone();
            async move {
                let s = machine_status(&mut robot).await;
                (s[name].0 == READY && s[name].1.contains("restarts: 1")).then_some(())
            }
        })
        .await;
    }
    assert_eq!(
        readings(&mut sensors, "healthy").await.unwrap()["temperature"],
        json!(20.0)
    );
}

#[tokio::test]
async fn calls_do_not_queue_behind_a_sleeper_past_its_deadline() {
    let host = Armature::start(json!({
        "modules": [{"name": "hostile", "path": fixture("hostile")}],
        "components": [blocked("sleeper", "sleep", json!({}))],
    }));
    let sensors = host.sensors().await;
    let started = Instant::now();
    // One call enters the guest and sleeps; four more queue behind it.
    let calls: Vec<_> = (0..5)
        .map(|i| {
            let mut sensors = sensors.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(20 * i)).await;
                let r = readings(&mut sensors, "sleeper").await;
                (r, Instant::now())
            })
        })
        .collect();
    for call in calls {
        let (r, done) = call.await.unwrap();
        let e = r.unwrap_err();
        assert!(matches!(e.code(), Code::DeadlineExceeded | Code::Unavailable), "{e:?}");
        let waited = done - started;
        assert!(
            waited < CUT_OFF_BY,
            "a call waited {waited:?} behind a guest asleep for 30 s"
        );
    }
}

/// An idle host ticks its epoch slowly (`runtime/engine.rs`); the first call
/// after a quiet spell wakes the fast tick, so a guest that spins from then
/// on is still stopped at its deadline, and a healthy call beside it is
/// answered.
#[tokio::test]
async fn a_spinning_guest_after_a_quiet_spell_is_stopped_at_its_deadline() {
    let host = Armature::start(json!({
        "modules": [{"name": "hostile", "path": fixture("hostile")}],
        "components": [thermometer("healthy", 20.0), blocked("spinner", "spin", json!({}))],
    }));
    let mut sensors = host.sensors().await;
    // Longer than the ticker's idle threshold (1 s) with no guest entered.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let started = Instant::now();
    let e = readings(&mut sensors, "spinner").await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.code(), Code::DeadlineExceeded, "{e:?}");
    assert!(
        took < CUT_OFF_BY,
        "the spinner answered after {took:?}: the quiet host did not check its {DEADLINE_MS} ms deadline"
    );
    assert_eq!(
        readings(&mut sensors, "healthy").await.unwrap()["temperature"],
        json!(20.0)
    );
}
