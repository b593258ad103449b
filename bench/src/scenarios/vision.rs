//! Scenario 14: the vision service and the seed's robot, on the two kinds
//! of frame a camera sends: a JPEG, and Viam's raw RGBA frame
//! (`image/vnd.viam.rgba`, no encode in the camera and no decode in the
//! detector).
//!
//! Detection: the color detector (`examples/color-detector`) finds a blob
//! on one 640×480 frame of the test-pattern camera, sent with
//! GetDetections; the guest's own clock times its decode and detection. The
//! same source files (`decode.rs`, `detect.rs`), built natively into this
//! binary, time the same work on the same frame: the ratio is the sandbox's
//! cost.
//!
//! Frame to command: `follow-color` asks the detector for detections on the
//! camera's next frame ten times a second and commands the sim base, each in
//! its own sandbox; its own clock times each tick (the vision call and the
//! base command), and the detector's clock splits the vision call into the
//! camera call (the camera drawing and encoding its frame, and a host hop),
//! decode and detection; the rest is the hop from follow-color to the
//! detector and back. The blob moves every 50 ms so that most ticks command
//! the base anew.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use armature::core::values::{json_to_struct, struct_to_json};
use bench::proto::viam::common::v1::DoCommandRequest;
use bench::proto::viam::component::camera::v1 as camera;
use bench::proto::viam::component::camera::v1::camera_service_client::CameraServiceClient;
use bench::proto::viam::service::generic::v1::generic_service_client::GenericServiceClient;
use bench::proto::viam::service::vision::v1 as vision;
use bench::proto::viam::service::vision::v1::vision_service_client::VisionServiceClient;
use bench::stats::{Figure, quantile};
use bench::target::connect;
use tonic::transport::Channel;

use crate::Ctx;
use crate::procs::{ArmatureSpec, start_armature};
use crate::report::Row;

#[path = "../../../examples/color-detector/src/decode.rs"]
#[allow(dead_code)]
mod decode;
#[path = "../../../examples/color-detector/src/detect.rs"]
#[allow(dead_code)]
mod detect;

const S14: &str = "14 vision";
const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;
const MIN_PIXELS: u32 = 100;
const JPEG: &str = "image/jpeg";
const RGBA: &str = "image/vnd.viam.rgba";

/// How a frame format is named in the table.
fn format_name(mime_type: &str) -> &'static str {
    if mime_type == RGBA { "raw RGBA frame" } else { "JPEG" }
}

/// What the detector's config below asks for: #FF8000 within ±9° of hue
/// (`hue_tolerance_pct` 0.05), the default cutoffs.
fn orange() -> detect::ColorMatch {
    detect::ColorMatch {
        hue: detect::hsv(0xFF, 0x80, 0x00).0,
        tolerance: 0.05 * 180.0,
        min_saturation: 0.2,
        min_value: 0.3,
    }
}

/// The machine: the camera sending `mime_type` frames, the sim base, the
/// detector, and with `follow` the logic service that steers the base.
fn config(modules: &std::path::Path, mime_type: &str, follow: bool) -> Value {
    let mut services = vec![json!(
        {"name": "detector", "api": "rdk:service:vision", "model": "armature:examples:color-detector",
         "attributes": {"detect_color": "#FF8000", "hue_tolerance_pct": 0.05,
                        "segment_size_px": MIN_PIXELS, "camera_name": "cam"}})];
    if follow {
        services.push(json!(
            {"name": "follow", "api": "rdk:service:generic", "model": "armature:examples:follow-color",
             "attributes": {"camera": "cam", "vision": "detector", "base": "base", "poll_ms": 100}}));
    }
    json!({
        "modules_dir": modules,
        "components": [
            {"name": "cam", "api": "rdk:component:camera", "model": "armature:examples:test-pattern",
             "attributes": {"width": WIDTH, "height": HEIGHT, "mime_type": mime_type}},
            {"name": "base", "api": "rdk:component:base", "model": "armature:examples:sim-base"},
        ],
        "services": services,
    })
}

fn args(v: Value) -> Option<prost_types::Struct> {
    match v {
        Value::Object(m) => Some(json_to_struct(&m)),
        _ => None,
    }
}

async fn command(channel: &Channel, service: &str, name: &str, cmd: Value) -> anyhow::Result<Value> {
    let request = DoCommandRequest {
        name: name.into(),
        command: args(cmd),
    };
    let result = match service {
        "camera" => CameraServiceClient::new(channel.clone()).do_command(request).await,
        "vision" => VisionServiceClient::new(channel.clone()).do_command(request).await,
        _ => GenericServiceClient::new(channel.clone()).do_command(request).await,
    }
    .with_context(|| format!("DoCommand on {name}"))?;
    Ok(result
        .into_inner()
        .result
        .map(|s| struct_to_json(&s))
        .unwrap_or(Value::Null))
}

fn number(v: &Value, key: &str) -> anyhow::Result<f64> {
    v[key].as_f64().with_context(|| format!("no {key} in {v}"))
}

fn numbers(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// A figure of one run's latencies: its p50, with the p99 as the top of
/// its range (the table prints median and range).
fn percentiles(samples: &[f64]) -> Option<Figure> {
    let mut s: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    let mut f = Figure::of(&s, "ms")?;
    f.median = quantile(&s, 0.5);
    f.max = quantile(&s, 0.99);
    Some(f)
}

/// A started machine of this scenario.
type Start<'a> = dyn Fn(&str, &str, bool) -> anyhow::Result<crate::procs::Armature> + 'a;

pub async fn run(ctx: &Ctx) -> anyhow::Result<(Vec<Row>, Value)> {
    let modules = ctx.work.join("vision-modules");
    std::fs::create_dir_all(&modules)?;
    for name in ["test-pattern-camera", "color-detector", "follow-color", "sim-devices"] {
        let file = format!("{name}.wasm");
        std::fs::copy(ctx.root.join("target/modules").join(&file), modules.join(&file))
            .with_context(|| format!("copying target/modules/{file}: run `cargo xtask bench`, which builds it"))?;
    }
    // The config lives in another folder: its modules folder is absolute.
    let modules = modules.canonicalize()?;
    let start = |label: &str, mime_type: &str, follow: bool| {
        start_armature(
            ctx,
            ArmatureSpec {
                label,
                config: config(&modules, mime_type, follow),
                listen: "127.0.0.1:0".into(),
                cache_dir: Some(ctx.warm_cache.clone()),
                watch: false,
                extra_args: Vec::new(),
            },
        )
    };
    let mut rows = Vec::new();
    let mut raw = serde_json::Map::new();
    for mime_type in [JPEG, RGBA] {
        let (detection_rows, detection_raw) = detection(ctx, &start, mime_type).await?;
        let (follow_rows, follow_raw) = frame_to_command(ctx, &start, mime_type).await?;
        rows.extend(detection_rows);
        rows.extend(follow_rows);
        raw.insert(
            format_name(mime_type).replace(' ', "_"),
            json!({"detection": detection_raw, "frame_to_command": follow_raw}),
        );
    }
    Ok((rows, Value::Object(raw)))
}

/// Detection on one frame, in the sandbox and natively.
async fn detection(ctx: &Ctx, start: &Start<'_>, mime_type: &str) -> anyhow::Result<(Vec<Row>, Value)> {
    let format = format_name(mime_type);
    let host = start("vision", mime_type, false)?;
    let channel = connect(&host.target).await?;
    command(
        &channel,
        "camera",
        "cam",
        json!({"command": "place_blob", "x": 200, "y": 240, "size": 60}),
    )
    .await?;
    let frame = CameraServiceClient::new(channel.clone())
        .get_images(camera::GetImagesRequest {
            name: "cam".into(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .images
        .into_iter()
        .next()
        .context("the camera sent no image")?;
    if frame.mime_type != mime_type {
        bail!("the camera sent {:?}, not {mime_type:?}", frame.mime_type);
    }

    // In the sandbox.
    let n = if ctx.quick { 10 } else { 40 };
    let mut vision_client = VisionServiceClient::new(channel.clone());
    let (mut guest_ms, mut decode_guest, mut detect_guest) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n + 3 {
        let found = vision_client
            .get_detections(vision::GetDetectionsRequest {
                name: "detector".into(),
                image: frame.image.clone(),
                mime_type: frame.mime_type.clone(),
                width: i64::from(WIDTH),
                height: i64::from(HEIGHT),
                extra: None,
            })
            .await?
            .into_inner()
            .detections;
        if found.len() != 1 {
            bail!("the detector found {} blobs on the {format}, not 1", found.len());
        }
        let status = command(&channel, "vision", "detector", json!({"command": "status"})).await?;
        if i >= 3 {
            let (d, t) = (number(&status, "last_decode_ms")?, number(&status, "last_detect_ms")?);
            decode_guest.push(d);
            detect_guest.push(t);
            guest_ms.push(d + t);
        }
    }
    drop(channel);
    drop(host);

    // The same work, native.
    let (mut native_ms, mut decode_native, mut detect_native) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n + 3 {
        let started = Instant::now();
        let rgb = decode::decode(&frame.mime_type, &frame.image).map_err(anyhow::Error::msg)?;
        let decoded = Instant::now();
        let blobs = detect::blobs(&rgb.data, rgb.width, rgb.height, &orange(), MIN_PIXELS);
        let done = Instant::now();
        if blobs.len() != 1 {
            bail!("natively, {} blobs were found on the {format}, not 1", blobs.len());
        }
        if i >= 3 {
            decode_native.push((decoded - started).as_secs_f64() * 1e3);
            detect_native.push((done - decoded).as_secs_f64() * 1e3);
            native_ms.push((done - started).as_secs_f64() * 1e3);
        }
    }

    let decode_what = if mime_type == RGBA {
        "reading the raw frame"
    } else {
        "JPEG decode"
    };
    let rows = vec![
        Row::new(
            S14,
            format!("detections on a 640×480 {format} in the sandbox (decode + detect, guest clock)"),
            Figure::of(&guest_ms, "ms"),
        )
        .against("the same Rust, native", Figure::of(&native_ms, "ms"))
        .within_both(10.0, 2.0, "≤ 10 ms and ≤ 2× native"),
        Row::new(S14, format!("of which {decode_what}"), Figure::of(&decode_guest, "ms"))
            .against("native", Figure::of(&decode_native, "ms")),
        Row::new(S14, "of which blob detection", Figure::of(&detect_guest, "ms"))
            .against("native", Figure::of(&detect_native, "ms")),
    ];
    let raw = json!({"guest_ms": guest_ms, "native_ms": native_ms, "frame_bytes": frame.image.len()});
    Ok((rows, raw))
}

/// Frame to command: follow-color at 10 frames a second, split by hop.
async fn frame_to_command(ctx: &Ctx, start: &Start<'_>, mime_type: &str) -> anyhow::Result<(Vec<Row>, Value)> {
    let format = format_name(mime_type);
    let seconds = if ctx.quick { 3 } else { 12 };
    let host = start("vision-follow", mime_type, true)?;
    let channel = connect(&host.target).await?;
    // Forget the ticks of start-up.
    command(&channel, "generic", "follow", json!({"command": "timings"})).await?;
    command(&channel, "vision", "detector", json!({"command": "timings"})).await?;
    let started = Instant::now();
    let mut step = 0u32;
    while started.elapsed() < Duration::from_secs(seconds) {
        // Left and right of centre, never centred: every tick steers.
        let x = [120, 200, 440, 520][(step % 4) as usize];
        command(
            &channel,
            "camera",
            "cam",
            json!({"command": "place_blob", "x": x, "y": 240, "size": 60}),
        )
        .await?;
        step += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let timings = command(&channel, "generic", "follow", json!({"command": "timings"})).await?;
    let detector = command(&channel, "vision", "detector", json!({"command": "timings"})).await?;
    let status = command(&channel, "generic", "follow", json!({"command": "status"})).await?;
    drop(channel);
    drop(host);
    let (tick, vision_call, base) = (
        numbers(&timings, "tick_ms"),
        numbers(&timings, "vision_ms"),
        numbers(&timings, "base_ms"),
    );
    let (camera_call, decode_ms, detect_ms) = (
        numbers(&detector, "camera_ms"),
        numbers(&detector, "decode_ms"),
        numbers(&detector, "detect_ms"),
    );
    if tick.len() < (seconds as usize) * 5 {
        bail!(
            "follow-color ticked {} times in {seconds} s (status {status})",
            tick.len()
        );
    }
    // Each tick is one frame of the detector's: what the vision call took
    // beyond the detector's own work is the hop there and back. (A failed
    // camera call leaves the two lists unpaired: then no figure.)
    let paired = camera_call.len() == vision_call.len() && decode_ms.len() == vision_call.len();
    let hops: Vec<f64> = match paired {
        true => (0..vision_call.len())
            .map(|i| vision_call[i] - camera_call[i] - decode_ms[i] - detect_ms[i])
            .collect(),
        false => Vec::new(),
    };
    let p99_met = percentiles(&tick).is_some_and(|f| f.max <= 20.0);
    let rows = vec![
        Row::new(
            S14,
            format!("frame to base command, {format}s at 10 fps: p50 (p99 as the range's top)"),
            percentiles(&tick),
        )
        .goal("p99 ≤ 20 ms", p99_met),
        Row::new(
            S14,
            "of which the camera call (the camera draws and encodes, a host hop)",
            percentiles(&camera_call),
        ),
        Row::new(S14, "of which the detector's decode", percentiles(&decode_ms)),
        Row::new(S14, "of which the detector's detection", percentiles(&detect_ms)),
        Row::new(
            S14,
            "of which the hop from follow-color to the detector and back",
            percentiles(&hops),
        ),
        Row::new(S14, "of which the base command", percentiles(&base)),
    ];
    let raw = json!({
        "tick_ms": tick, "vision_call_ms": vision_call, "base_ms": base,
        "camera_call_ms": camera_call, "decode_ms": decode_ms, "detect_ms": detect_ms,
    });
    Ok((rows, raw))
}
