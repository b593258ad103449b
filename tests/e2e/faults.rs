//! A guest that traps, one that loops forever and one that allocates without
//! end: each fails only its own calls, is rebuilt, and the host and the
//! other resources keep serving.

use std::time::Duration;

use armature_tests::*;
use serde_json::json;
use tonic::Code;

fn hostile(name: &str, on_read: &str) -> serde_json::Value {
    json!({"name": name, "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
           "attributes": {"on_read": on_read},
           "limits": {"call_timeout_ms": 300, "memory_mb": 32}})
}

fn config() -> serde_json::Value {
    json!({
        "modules": [{"name": "hostile", "path": fixture("hostile")}],
        "components": [
            thermometer("healthy", 20.0),
            hostile("panics", "panic"),
            hostile("spins", "spin"),
            hostile("hogs", "hog"),
            hostile("recurses", "recurse"),
        ],
    })
}

#[tokio::test]
async fn each_fault_fails_only_its_own_call_with_the_right_status() {
    let mut host = Armature::start(config());
    let mut sensors = host.sensors().await;

    let e = readings(&mut sensors, "panics").await.unwrap_err();
    assert_eq!(e.code(), Code::Internal, "{e:?}");
    assert!(
        e.message().contains("panics on purpose"),
        "the guest's panic message is reported: {e:?}"
    );

    let e = readings(&mut sensors, "spins").await.unwrap_err();
    assert_eq!(e.code(), Code::DeadlineExceeded, "{e:?}");

    let e = readings(&mut sensors, "hogs").await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");

    let e = readings(&mut sensors, "recurses").await.unwrap_err();
    assert_eq!(e.code(), Code::Internal, "{e:?}");
    assert!(e.message().contains("stack overflow"), "{e:?}");

    // The healthy resource never noticed.
    assert_eq!(
        readings(&mut sensors, "healthy").await.unwrap()["temperature"],
        json!(20.0)
    );
    assert!(host.alive());
}

#[tokio::test]
async fn a_faulted_resource_is_rebuilt_and_reports_its_restarts() {
    let host = Armature::start(config());
    let mut sensors = host.sensors().await;
    let robot = host.robot().await;
    readings(&mut sensors, "panics").await.unwrap_err();
    // Rebuilt with backoff: READY again, with the restart counted, and the
    // next call enters the new sandbox (and panics again, on purpose).
    let status = eventually(Duration::from_secs(5), "panics rebuilt", || {
        let mut robot = robot.clone();
        async move {
            let s = machine_status(&mut robot).await;
            (s["panics"].0 == READY && s["panics"].1.contains("restarts: 1")).then_some(s)
        }
    })
    .await;
    assert_eq!(status["healthy"].0, READY);
    let e = readings(&mut sensors, "panics").await.unwrap_err();
    assert_eq!(e.code(), Code::Internal);
}

#[tokio::test]
async fn healthy_resources_answer_while_hostile_ones_misbehave() {
    let host = Armature::start(config());
    let channel = host.channel().await;
    let mut attackers = Vec::new();
    for name in ["panics", "spins", "hogs", "recurses"] {
        let mut client = SensorServiceClient::new(channel.clone());
        attackers.push(tokio::spawn(async move {
            for _ in 0..8 {
                let _ = readings(&mut client, name).await;
            }
        }));
    }
    let mut healthy = SensorServiceClient::new(channel.clone());
    let mut ok = 0;
    for _ in 0..200 {
        let r = readings(&mut healthy, "healthy")
            .await
            .expect("the healthy sensor never fails");
        assert_eq!(r["temperature"], json!(20.0));
        ok += 1;
    }
    for a in attackers {
        a.await.unwrap();
    }
    assert_eq!(ok, 200);
}

/// A client that gives up while the guest is running (its deadline passes,
/// or it goes away) must not leave the resource half-entered: the call runs
/// to its end in the host, and the next call is served normally.
#[tokio::test]
async fn a_caller_giving_up_mid_call_leaves_the_resource_healthy() {
    let host = Armature::start(json!({
        "modules": [{"name": "hostile", "path": fixture("hostile")}],
        "components": [{"name": "slow", "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
                        "attributes": {"on_read": "slow", "slow_ms": 300},
                        "limits": {"call_timeout_ms": 5000}}],
    }));
    let channel = host.channel().await;
    let mut sensors = SensorServiceClient::new(channel.clone());
    for _ in 0..3 {
        let mut request = tonic::Request::new(common::GetReadingsRequest {
            name: "slow".into(),
            extra: None,
        });
        request.set_timeout(Duration::from_millis(50));
        let e = sensors.get_readings(request).await.unwrap_err();
        assert!(matches!(e.code(), Code::DeadlineExceeded | Code::Cancelled), "{e:?}");
    }
    let r = readings(&mut sensors, "slow")
        .await
        .expect("served after callers gave up");
    assert!(r["spins"].as_f64().is_some_and(|s| s > 0.0), "{r}");
    let mut robot = host.robot().await;
    let status = machine_status(&mut robot).await;
    assert_eq!(status["slow"].0, READY, "{status:?}");
    assert!(status["slow"].1.is_empty(), "no fault, no restart: {status:?}");
}
