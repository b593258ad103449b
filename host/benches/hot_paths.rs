//! Micro-benchmarks of the per-call hot paths, in-process (no network), so
//! that a change to them shows without the noise of a whole gRPC server:
//!
//! - `values`: the conversions every call makes (request `extra` → nodes,
//!   a guest's three readings → protobuf);
//! - `dispatch`: GetReadings from the gRPC layer's entry (`grpc::common::
//!   get_readings`: lookup, slot, sandbox, guest, conversion) and from the
//!   slot alone;
//! - `dependency`: a guest calling get-readings on its dependency, per call.
//!
//! `cargo bench -p armature-host --bench hot_paths`. The last two need the
//! benchmark guest (`target/bench/modules/bench-guest.wasm`, built by
//! `cargo xtask bench`); without it they are skipped.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use prost_types::value::Kind;
use prost_types::{Struct, Value as PbValue};

use armature::apis::call::Call;
use armature::apis::resources::Resources;
use armature::config::MachineConfig;
use armature::core::api::ApiKind;
use armature::core::bindings::Node;
use armature::core::proto::viam::common::v1::{DoCommandRequest, GetReadingsRequest};
use armature::core::values;
use armature::grpc::Host;
use armature::resources::machine::Machine;
use armature::resources::sessions::Sessions;
use armature::runtime::component::Runtime;

fn three_readings() -> Vec<Node> {
    vec![
        Node::Object(vec![
            ("temperature".into(), 1),
            ("humidity".into(), 2),
            ("pressure".into(), 3),
        ]),
        Node::Number(21.5),
        Node::Number(40.25),
        Node::Number(1013.25),
    ]
}

fn bench_values(c: &mut Criterion) {
    let mut g = c.benchmark_group("values");
    g.bench_function("extra (none) to nodes", |b| {
        b.iter(|| values::struct_to_nodes(std::hint::black_box(None)))
    });
    let readings = three_readings();
    g.bench_function("three readings to protobuf", |b| {
        b.iter_batched(|| readings.clone(), values::nodes_to_fields, BatchSize::SmallInput)
    });
    let command = Struct {
        fields: [
            (
                "command".to_string(),
                PbValue {
                    kind: Some(Kind::StringValue("set".into())),
                },
            ),
            (
                "celsius".to_string(),
                PbValue {
                    kind: Some(Kind::NumberValue(42.5)),
                },
            ),
        ]
        .into(),
    };
    g.bench_function("DoCommand struct round trip", |b| {
        b.iter(|| values::nodes_to_struct(values::struct_to_nodes(Some(std::hint::black_box(&command)))))
    });
    g.finish();
}

/// A machine running the benchmark guest: `sensor-1` and `caller` (which
/// depends on it), or None when the guest is not built.
fn machine(rt: &tokio::runtime::Runtime) -> Option<Host> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let modules = root.join("target/bench/modules");
    if !modules.join("bench-guest.wasm").exists() {
        eprintln!(
            "skipping dispatch and dependency: {} has no bench-guest.wasm (run `cargo xtask bench`)",
            modules.display()
        );
        return None;
    }
    let dir = tempfile::tempdir().ok()?;
    let config = serde_json::json!({
        "modules_dir": modules,
        "components": [{"name": "sensor-1", "api": "rdk:component:sensor", "model": "armature:bench:sensor"}],
        "services": [{"name": "caller", "api": "rdk:service:generic", "model": "armature:bench:caller",
                      "attributes": {"sensor": "sensor-1"}}],
    });
    let path = dir.path().join("machine.json");
    std::fs::write(&path, config.to_string()).ok()?;
    let config = MachineConfig::load(&path).ok()?;
    rt.block_on(async {
        let runtime = Runtime::new(None).ok()?;
        let machine = Machine::start(
            runtime,
            config,
            None,
            dir.path().join("state"),
            Vec::new(),
            armature::builtin::MODELS,
        )
        .await;
        Some(Host::new(machine, Sessions::new(Duration::from_secs(2))))
    })
}

/// Times `iters` runs of `f` on the runtime, in one `block_on`.
fn timed<F: AsyncFnMut()>(rt: &tokio::runtime::Runtime, iters: u64, mut f: F) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            f().await;
        }
        start.elapsed()
    })
}

fn bench_dispatch(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let Some(host) = machine(&rt) else { return };
    let mut g = c.benchmark_group("dispatch");
    g.bench_function("GetReadings, gRPC layer to guest and back", |b| {
        b.iter_custom(|iters| {
            timed(&rt, iters, async || {
                let request = GetReadingsRequest {
                    name: "sensor-1".into(),
                    extra: None,
                };
                let r = host.get_readings(ApiKind::Sensor, request).await;
                assert!(r.is_ok());
            })
        })
    });
    let slot = host.slot(ApiKind::Sensor, "sensor-1").expect("sensor-1 is configured");
    g.bench_function("GetReadings, slot to guest and back", |b| {
        b.iter_custom(|iters| {
            timed(&rt, iters, async || {
                let r = slot.call(Call::GetReadings(values::struct_to_nodes(None))).await;
                assert!(r.is_ok());
            })
        })
    });
    g.finish();

    // The caller guest makes `n` dependency calls inside one DoCommand: the
    // time of `iters` calls is DoCommand with n = iters less DoCommand with 0.
    let mut g = c.benchmark_group("dependency");
    let loop_of = |n: u64| DoCommandRequest {
        name: "caller".into(),
        command: Some(Struct {
            fields: [
                (
                    "command".to_string(),
                    PbValue {
                        kind: Some(Kind::StringValue("loop".into())),
                    },
                ),
                (
                    "n".to_string(),
                    PbValue {
                        kind: Some(Kind::NumberValue(n as f64)),
                    },
                ),
            ]
            .into(),
        }),
    };
    g.bench_function("get-readings on a dependency, per call", |b| {
        b.iter_custom(|iters| {
            let run = |n| {
                timed(&rt, 1, async || {
                    let r = host.do_command(ApiKind::GenericService, loop_of(n)).await;
                    assert!(r.is_ok());
                })
            };
            run(iters).saturating_sub(run(0))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = bench_values, bench_dispatch
}
criterion_main!(benches);
