//! The load generator, run as its own process (`armature-bench load ...`)
//! so that it never shares a process, a runtime or a CPU account with the
//! server it measures. Clients are tasks on one current-thread runtime, each
//! on its own HTTP/2 connection, each calling in a closed loop (the next
//! call as soon as the last answered). It reads the server's CPU time at the
//! start and the end of the timed window and prints one JSON line.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench::proto::viam::common::v1::{DoCommandRequest, GetReadingsRequest};
use bench::proto::viam::component::camera::v1::GetImagesRequest;
use bench::proto::viam::component::camera::v1::camera_service_client::CameraServiceClient;
use bench::proto::viam::component::sensor::v1::sensor_service_client::SensorServiceClient;
use bench::stats::quantile;
use bench::target::{Target, connect};
use serde::{Deserialize, Serialize};
use tonic::transport::Channel;

/// The call each client makes in its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// SensorService/GetReadings of the three numbers of [`bench::READINGS`].
    Readings,
    /// SensorService/DoCommand of [`bench::command`], answered with the same map.
    DoCommand,
    /// CameraService/GetImages: one frame of [`bench::FRAME`].
    GetImages,
}

impl Method {
    pub fn label(self) -> &'static str {
        match self {
            Method::Readings => "GetReadings",
            Method::DoCommand => "DoCommand",
            Method::GetImages => "GetImages",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        Ok(match s {
            "GetReadings" => Method::Readings,
            "DoCommand" => Method::DoCommand,
            "GetImages" => Method::GetImages,
            other => bail!("unknown method {other:?} (GetReadings, DoCommand, GetImages)"),
        })
    }
}

/// What to run; `to_args` and `parse` are each other's inverse.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub target: Target,
    pub method: Method,
    /// Each iteration calls `target`, then this: two sequential hops.
    pub then: Option<Target>,
    pub sensor: String,
    pub clients: usize,
    pub warmup: Duration,
    pub window: Duration,
    /// The server whose CPU time is read.
    pub server_pid: Option<u32>,
}

impl LoadSpec {
    pub fn to_args(&self) -> Vec<String> {
        let mut a = vec![
            "load".into(),
            "--target".into(),
            self.target.to_string(),
            "--method".into(),
            self.method.label().into(),
            "--sensor".into(),
            self.sensor.clone(),
            "--clients".into(),
            self.clients.to_string(),
            "--warmup-ms".into(),
            self.warmup.as_millis().to_string(),
            "--window-ms".into(),
            self.window.as_millis().to_string(),
        ];
        if let Some(t) = &self.then {
            a.extend(["--then".into(), t.to_string()]);
        }
        if let Some(pid) = self.server_pid {
            a.extend(["--pid".into(), pid.to_string()]);
        }
        a
    }

    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut spec = LoadSpec {
            target: Target::Tcp(String::new()),
            method: Method::Readings,
            then: None,
            sensor: String::new(),
            clients: 1,
            warmup: Duration::ZERO,
            window: Duration::from_secs(1),
            server_pid: None,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().with_context(|| format!("{flag} needs a value"))?;
            let ms = || value.parse().map(Duration::from_millis);
            match flag.as_str() {
                "--target" => spec.target = value.parse()?,
                "--then" => spec.then = Some(value.parse()?),
                "--method" => spec.method = value.parse()?,
                "--sensor" => spec.sensor = value.clone(),
                "--clients" => spec.clients = value.parse()?,
                "--warmup-ms" => spec.warmup = ms()?,
                "--window-ms" => spec.window = ms()?,
                "--pid" => spec.server_pid = Some(value.parse()?),
                other => bail!("unknown load flag {other}"),
            }
        }
        anyhow::ensure!(!spec.sensor.is_empty(), "--sensor is required");
        Ok(spec)
    }
}

/// One timed window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadResult {
    pub clients: usize,
    /// Calls answered inside the window (an iteration of two hops is one).
    pub calls: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub seconds: f64,
    pub calls_per_s: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    /// The server's utime + stime over the window, per call.
    pub server_cpu_us_per_call: Option<f64>,
    pub client_cpu_us_per_call: f64,
    /// Cores the rest of the machine kept busy during the window: all busy
    /// CPU time less the server's and the load generator's, over the window.
    pub other_load_cores: Option<f64>,
}

/// Entry point of `armature-bench load`.
pub fn main(args: &[String]) -> anyhow::Result<()> {
    let spec = LoadSpec::parse(args)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = runtime.block_on(run(spec))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

/// One connection, and the clients of both services on it.
#[derive(Clone)]
pub(crate) struct Client {
    sensor: SensorServiceClient<Channel>,
    camera: CameraServiceClient<Channel>,
}

impl Client {
    pub(crate) fn new(channel: Channel) -> Self {
        Self {
            sensor: SensorServiceClient::new(channel.clone()),
            camera: CameraServiceClient::new(channel),
        }
    }
}

/// Per client: (completed at, latency) of every good call, and the errors.
struct Samples {
    good: Vec<(Instant, Duration)>,
    errors: u64,
    first_error: Option<String>,
}

// A server that answers something else would not be measuring the same
// work: every answer is checked.
pub(crate) async fn call(client: &mut Client, method: Method, name: &str) -> anyhow::Result<()> {
    match method {
        Method::Readings => {
            let request = GetReadingsRequest {
                name: name.to_string(),
                extra: None,
            };
            let readings = client.sensor.get_readings(request).await?.into_inner().readings;
            if readings.len() != bench::READINGS.len() {
                bail!("expected {} readings, got {readings:?}", bench::READINGS.len());
            }
        }
        Method::DoCommand => {
            let command = bench::command();
            let request = DoCommandRequest {
                name: name.to_string(),
                command: Some(command.clone()),
            };
            let answer = client.sensor.do_command(request).await?.into_inner().result;
            if answer.as_ref() != Some(&command) {
                bail!("expected the command back, got {answer:?}");
            }
        }
        Method::GetImages => {
            let request = GetImagesRequest {
                name: name.to_string(),
                filter_source_names: Vec::new(),
                extra: None,
            };
            let images = client.camera.get_images(request).await?.into_inner().images;
            if images.len() != 1 || images[0].image.len() != bench::FRAME.len() {
                bail!(
                    "expected one frame of {} bytes, got {} images",
                    bench::FRAME.len(),
                    images.len()
                );
            }
        }
    }
    Ok(())
}

async fn client_loop(
    mut first: Client,
    mut then: Option<Client>,
    method: Method,
    name: String,
    end: Instant,
) -> Samples {
    let mut s = Samples {
        good: Vec::with_capacity(1 << 16),
        errors: 0,
        first_error: None,
    };
    while Instant::now() < end {
        let started = Instant::now();
        let mut r = call(&mut first, method, &name).await;
        if let (Ok(()), Some(second)) = (&r, then.as_mut()) {
            r = call(second, method, &name).await;
        }
        let done = Instant::now();
        match r {
            Ok(()) => s.good.push((done, done - started)),
            Err(e) => {
                s.errors += 1;
                s.first_error.get_or_insert_with(|| format!("{e:#}"));
                // A server that refuses fast must not turn the loop into a spin.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
    s
}

async fn run(spec: LoadSpec) -> anyhow::Result<LoadResult> {
    let mut clients = Vec::with_capacity(spec.clients);
    for _ in 0..spec.clients {
        let first = Client::new(connect(&spec.target).await?);
        let then = match &spec.then {
            Some(t) => Some(Client::new(connect(t).await?)),
            None => None,
        };
        clients.push((first, then));
    }
    let start = Instant::now();
    let end = start + spec.warmup + spec.window;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(first, then)| tokio::spawn(client_loop(first, then, spec.method, spec.sensor.clone(), end)))
        .collect();

    let cpu = |pid: Option<u32>| pid.map(bench::procfs::cpu_time).transpose();
    let me = Some(std::process::id());
    let busy = || bench::procfs::machine_busy().ok();
    tokio::time::sleep_until((start + spec.warmup).into()).await;
    let (t_a, server_a, self_a, busy_a) = (Instant::now(), cpu(spec.server_pid)?, cpu(me)?, busy());
    tokio::time::sleep_until(end.into()).await;
    let (t_b, server_b, self_b, busy_b) = (Instant::now(), cpu(spec.server_pid)?, cpu(me)?, busy());

    let mut latencies = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for t in tasks {
        let s = t.await.context("a client task failed")?;
        errors += s.errors;
        first_error = first_error.or(s.first_error);
        latencies.extend(
            s.good
                .into_iter()
                .filter(|(done, _)| *done >= t_a && *done <= t_b)
                .map(|(_, l)| l.as_secs_f64() * 1e6),
        );
    }
    latencies.sort_by(f64::total_cmp);
    let calls = latencies.len() as u64;
    let seconds = (t_b - t_a).as_secs_f64();
    let per_call = |d: std::time::Duration| d.as_secs_f64() * 1e6 / calls.max(1) as f64;
    let diff = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    let server = diff(server_a, server_b);
    let client = diff(self_a, self_b);
    let other_load_cores = match (diff(busy_a, busy_b), server, client) {
        (Some(all), Some(server), Some(client)) => {
            Some(all.saturating_sub(server).saturating_sub(client).as_secs_f64() / seconds)
        }
        _ => None,
    };
    Ok(LoadResult {
        clients: spec.clients,
        calls,
        errors,
        first_error,
        seconds,
        calls_per_s: calls as f64 / seconds,
        p50_us: quantile(&latencies, 0.50),
        p99_us: quantile(&latencies, 0.99),
        max_us: latencies.last().copied().unwrap_or(f64::NAN),
        server_cpu_us_per_call: server.map(per_call),
        client_cpu_us_per_call: client.map(per_call).unwrap_or(f64::NAN),
        other_load_cores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_round_trip() {
        let spec = LoadSpec {
            target: "unix:/tmp/x.sock".parse().unwrap(),
            method: Method::GetImages,
            then: Some("127.0.0.1:9".parse().unwrap()),
            sensor: "s".into(),
            clients: 8,
            warmup: Duration::from_millis(200),
            window: Duration::from_millis(1000),
            server_pid: Some(42),
        };
        let args = spec.to_args();
        let back = LoadSpec::parse(&args[1..]).unwrap();
        assert_eq!(back.to_args(), args);
    }
}
