//! Scenario 3: a logic resource calling get-readings on the sensor it
//! depends on. The `armature:bench:caller` guest makes N such calls inside
//! one DoCommand; a call's cost is (time of DoCommand with N − time with 0)
//! / N, timed by this process from outside. The guest's own clock is
//! reported beside it.
//!
//! Baseline: a Viam module reaches another resource through its parent
//! (module → viam-server → module): two gRPC hops over Unix sockets,
//! approximated here by two sequential GetReadings to the floor's socket.
//! Both servers being the floor makes it a lower bound.

use std::time::Instant;

use anyhow::Context;
use prost_types::value::Kind;
use prost_types::{Struct, Value as PbValue};
use serde_json::{Value, json};

use bench::proto::viam::common::v1::DoCommandRequest;
use bench::proto::viam::service::generic::v1::generic_service_client::GenericServiceClient;
use bench::stats::Figure;
use bench::target::connect;

use super::run_load;
use crate::Ctx;
use crate::load::{LoadSpec, Method};
use crate::procs::{ArmatureSpec, start_armature, start_floor};
use crate::report::Row;

fn number(v: f64) -> PbValue {
    PbValue {
        kind: Some(Kind::NumberValue(v)),
    }
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let host = start_armature(
        ctx,
        ArmatureSpec {
            label: "deps",
            config: json!({
                "components": [{"name": "dep-sensor", "api": "rdk:component:sensor", "model": "armature:bench:sensor"}],
                "services": [{"name": "caller", "api": "rdk:service:generic", "model": "armature:bench:caller",
                              "attributes": {"sensor": "dep-sensor"}}],
            }),
            listen: format!("unix:{}", ctx.socket("deps.sock").display()),
            cache_dir: Some(ctx.warm_cache.clone()),
            watch: false,
            extra_args: Vec::new(),
        },
    )?;
    let mut client = GenericServiceClient::new(connect(&host.target).await?);
    let n: u64 = if ctx.quick { 2_000 } else { 20_000 };
    let mut timed = async |calls: u64| -> anyhow::Result<(f64, f64)> {
        let command = Struct {
            fields: [
                (
                    "command".to_string(),
                    PbValue {
                        kind: Some(Kind::StringValue("loop".into())),
                    },
                ),
                ("n".to_string(), number(calls as f64)),
            ]
            .into(),
        };
        let started = Instant::now();
        let result = client
            .do_command(DoCommandRequest {
                name: "caller".into(),
                command: Some(command),
            })
            .await
            .context("DoCommand loop on the caller")?
            .into_inner()
            .result
            .context("no result")?;
        let wall_us = started.elapsed().as_secs_f64() * 1e6;
        let guest_ns = match result.fields.get("elapsed_ns").and_then(|v| v.kind.as_ref()) {
            Some(Kind::NumberValue(ns)) => *ns,
            other => anyhow::bail!("the caller answered {other:?}"),
        };
        Ok((wall_us, guest_ns))
    };
    timed(n).await?; // warm-up
    let (mut outside, mut inside) = (Vec::new(), Vec::new());
    for _ in 0..ctx.runs.max(3) + 2 {
        let (empty_us, _) = timed(0).await?;
        let (full_us, guest_ns) = timed(n).await?;
        outside.push((full_us - empty_us) / n as f64);
        inside.push(guest_ns / 1e3 / n as f64);
    }
    drop(client);
    drop(host);

    let floor = start_floor(ctx)?;
    let mut pairs = Vec::new();
    for _ in 0..ctx.runs {
        let spec = LoadSpec {
            target: floor.unix.clone(),
            method: Method::Readings,
            then: Some(floor.unix.clone()),
            sensor: "dep-sensor".into(),
            clients: 1,
            warmup: ctx.warmup,
            window: ctx.window,
            server_pid: None,
        };
        pairs.push(run_load(ctx, &spec).await?.p50_us);
    }
    drop(floor);

    let s3 = "3 dependency call";
    let rows = vec![
        Row::new(s3, "get-readings on a dependency, per call", Figure::of(&outside, "µs"))
            .against("2 gRPC calls over unix (floor), p50", Figure::of(&pairs, "µs"))
            .at_most(3.0, "≤ 3 µs"),
        Row::new(s3, "same, timed inside the guest", Figure::of(&inside, "µs")),
    ];
    Ok((
        rows,
        json!({"calls_per_run": n, "outside_us_per_call": outside, "guest_us_per_call": inside, "two_hops_p50_us": pairs}),
    ))
}
