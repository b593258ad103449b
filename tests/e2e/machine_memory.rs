//! One memory budget for every guest of the machine (`limits.machine_memory_mb`).
//! Five resources each want to hold 40 MiB against a 100 MiB budget: two get
//! it, the others fail to build and say that the machine's budget is spent;
//! one whose memory grows per call gets RESOURCE_EXHAUSTED naming the budget;
//! a healthy sensor answers throughout; the host's RSS stays under the budget
//! plus a fixed overhead (without the budget it would pass 220 MB).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use armature_tests::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

const BUDGET_MB: u64 = 100;
const HOLD_MB: u64 = 40;
/// The host itself: runtime, compiled code, gRPC, and a healthy sensor.
const HOST_OVERHEAD_MB: u64 = 80;

fn hostile(name: &str, attributes: serde_json::Value) -> serde_json::Value {
    json!({"name": name, "api": "rdk:component:sensor", "model": "armature-test:hostile:sensor",
           "attributes": attributes})
}

async fn metrics(addr: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connecting for /metrics");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn guests_share_one_budget_and_the_rest_keep_serving() {
    let mut components = vec![thermometer("healthy", 20.0)];
    for i in 0..5 {
        components.push(hostile(
            &format!("holder-{i}"),
            json!({"on_construct": "hold", "hold_mb": HOLD_MB}),
        ));
    }
    components.push(hostile("grower", json!({"on_read": "hold", "hold_mb": HOLD_MB})));
    // Only the modules this machine uses: the host's RSS is measured, and
    // every module in the folder is loaded (the Python ones map 36 MB each).
    let modules = tempfile::tempdir().unwrap();
    std::fs::copy(
        modules_dir().join("thermometer.wasm"),
        modules.path().join("thermometer.wasm"),
    )
    .unwrap();
    let mut host = Armature::start(json!({
        "modules_dir": modules.path(),
        "limits": {"machine_memory_mb": BUDGET_MB},
        "modules": [{"name": "hostile", "path": fixture("hostile")}],
        "components": components,
    }));
    let mut sensors = host.sensors().await;
    let robot = host.robot().await;

    // The healthy sensor is read all along; not one call may fail.
    let failures = Arc::new(AtomicU64::new(0));
    let reads = Arc::new(AtomicU64::new(0));
    let reader = {
        let (mut sensors, failures, reads) = (sensors.clone(), failures.clone(), reads.clone());
        tokio::spawn(async move {
            loop {
                if readings(&mut sensors, "healthy").await.is_err() {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
                reads.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    // Two holders fit; the other three are refused, naming the budget.
    let status = eventually(Duration::from_secs(20), "two holders built, three refused", || {
        let mut robot = robot.clone();
        async move {
            let s = machine_status(&mut robot).await;
            let holders: Vec<_> = (0..5).map(|i| s[&format!("holder-{i}")].clone()).collect();
            let ready = holders.iter().filter(|(state, _)| *state == READY).count();
            let refused = holders
                .iter()
                .filter(|(state, error)| *state != READY && error.contains("machine_memory_mb"))
                .count();
            (ready == 2 && refused == 3).then_some(s)
        }
    })
    .await;
    assert_eq!(status["healthy"].0, READY);
    let refused = (0..5)
        .map(|i| &status[&format!("holder-{i}")])
        .find(|(state, _)| *state != READY)
        .unwrap();
    assert!(
        refused.1.contains(&format!("{BUDGET_MB} MiB")),
        "the refusal names the budget: {refused:?}"
    );

    // A resource whose memory grows per call: its growth is refused.
    let e = readings(&mut sensors, "grower").await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
    assert!(e.message().contains("machine_memory_mb"), "{e:?}");

    // GetMachineStatus and /metrics show the budget and its use.
    let full = robot
        .clone()
        .get_machine_status(robot::GetMachineStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    let memory = full.armature_guest_memory.expect("the budget in GetMachineStatus");
    assert_eq!(memory.budget_bytes, BUDGET_MB << 20);
    assert!(memory.used_bytes <= memory.budget_bytes, "{memory:?}");
    assert!(memory.used_bytes >= 2 * (HOLD_MB << 20), "{memory:?}");
    assert!(memory.refusals >= 4, "{memory:?}");
    let text = metrics(&host.addr).await;
    assert!(
        text.contains(&format!("armature_machine_memory_budget_bytes {}", BUDGET_MB << 20)),
        "{text}"
    );
    assert!(text.contains("armature_machine_memory_used_bytes "), "{text}");
    assert!(text.contains("armature_machine_memory_refusals_total "), "{text}");

    // The refused ones keep being retried; the host stays within the budget.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_mb = host.rss() >> 20;
    assert!(
        rss_mb < BUDGET_MB + HOST_OVERHEAD_MB,
        "host RSS {rss_mb} MB with a {BUDGET_MB} MiB guest budget"
    );

    reader.abort();
    assert!(reads.load(Ordering::Relaxed) > 10);
    assert_eq!(failures.load(Ordering::Relaxed), 0, "the healthy sensor failed calls");
    assert!(host.alive());
}

#[tokio::test]
async fn the_budget_belongs_at_the_top_level() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("machine.json");
    std::fs::write(
        &path,
        json!({"components": [{"name": "t", "api": "rdk:component:sensor", "model": "x:y:z",
                               "limits": {"machine_memory_mb": 10}}],
               "limits": {"machine_memory_mb": 0}})
        .to_string(),
    )
    .unwrap();
    let out = std::process::Command::new(armature_bin())
        .args(["check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(text.contains("limits.machine_memory_mb"), "{text}");
    assert!(text.contains("top-level"), "{text}");
    assert!(text.contains("positive whole number"), "{text}");
}
