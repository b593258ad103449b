//! One collector: one method of one resource, sampled at its frequency by a
//! task of its own, written to its own folder. A sample is a call through
//! the resource's slot, as a client's would be (so a rebuilt or swapped
//! resource is simply the next sample's target), with Viam's
//! `fromDataManagement` in `extra`. A slow resource loses ticks rather than
//! queueing calls; it never delays another collector, which has its own task.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value as Json};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::apis::capturable::Capturable;
use crate::apis::capture::{DataKind, Payload};
use crate::capture::disk;
use crate::capture::file::CaptureFile;
use crate::config::ResourceName;
use crate::core::api::ApiKind;
use crate::core::error::{CallError, Code};
use crate::core::proto::viam::app::datasync::v1::{
    DataCaptureMetadata, DataType, SensorData, SensorMetadata, sensor_data,
};
use crate::core::values;
use crate::resources::machine::Machine;

/// Buffered samples reach the kernel at least this often: what a `kill -9`
/// can lose.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// What a collector does; two collectors with equal specs are the same.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub resource: ResourceName,
    pub kind: ApiKind,
    pub method: &'static str,
    pub params: Map<String, Json>,
    pub period: Duration,
    /// `<capture_dir>/<api>/<name>/<Method>`, `:` written `_`.
    pub dir: PathBuf,
    pub tags: Vec<String>,
    pub max_file_bytes: u64,
}

/// Counts, for status.
#[derive(Debug, Default)]
pub struct Stats {
    pub captured: AtomicU64,
    pub errors: AtomicU64,
    /// Failed samples in a row now (0 when the last one succeeded).
    pub failing: AtomicU64,
}

pub struct Collector {
    pub spec: Spec,
    /// The method's row in the capture table.
    pub method: Capturable,
    pub stats: Arc<Stats>,
    writer: Arc<Mutex<Writer>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Collector {
    /// Starts sampling `method` as `spec` says.
    pub fn start(spec: Spec, method: Capturable, machine: Weak<Machine>) -> Self {
        let stats = Arc::new(Stats::default());
        let writer = Arc::new(Mutex::new(Writer::new(&spec, method.kind)));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(
            spec.clone(),
            method.clone(),
            machine,
            writer.clone(),
            stats.clone(),
            stopped,
        ));
        Self {
            spec,
            method,
            stats,
            writer,
            stop,
            task,
        }
    }

    /// Closes the file being written (`.prog` → `.capture`); the next
    /// sample starts a new one. Viam does this before every sync.
    pub fn close_file(&self) {
        lock(&self.writer).close();
    }

    /// Stops sampling, waits for a call in flight, and closes the file.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        lock(&self.writer).close();
    }
}

fn lock(w: &Mutex<Writer>) -> std::sync::MutexGuard<'_, Writer> {
    w.lock().unwrap_or_else(|e| e.into_inner())
}

async fn run(
    spec: Spec,
    method: Capturable,
    machine: Weak<Machine>,
    writer: Arc<Mutex<Writer>>,
    stats: Arc<Stats>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut extra = spec.params.clone();
    extra.insert("fromDataManagement".into(), Json::Bool(true));
    let extra = values::map_to_nodes(&extra);
    let mut ticks = tokio::time::interval(spec.period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut flushes = tokio::time::interval(FLUSH_EVERY);
    flushes.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut streak = Streak::default();
    loop {
        tokio::select! {
            biased;
            _ = stopped.changed() => return,
            _ = flushes.tick() => {
                lock(&writer).flush();
                continue;
            }
            _ = ticks.tick() => {}
        }
        let Some(machine) = machine.upgrade() else { return };
        let requested = SystemTime::now();
        let sample = async {
            let slot = machine
                .lookup(spec.kind, &spec.resource.name)
                .ok_or_else(|| CallError::new(Code::NotFound, "the resource is not in the config"))?;
            // Still being built (at start, or after a change): no sample
            // yet, and no failure either.
            if slot.is_configuring() {
                return Ok(None);
            }
            let reply = slot.call(method.call(&spec.params, extra.clone())).await?;
            method.payload(reply, &spec.params).map(Some)
        };
        tokio::pin!(sample);
        // Flushes go on while a slow call is awaited. A stop waits for the
        // sample in flight (at most the call's deadline) and writes it: the
        // resource was read, so the reading is kept.
        let outcome = loop {
            tokio::select! {
                biased;
                outcome = &mut sample => break outcome,
                _ = flushes.tick() => lock(&writer).flush(),
            }
        };
        let received = SystemTime::now();
        match outcome {
            Ok(None) => {}
            Ok(Some(payload)) => {
                let written = match payload {
                    Payload::Tabular(_) => lock(&writer).write(payload, requested, received),
                    // Image files: created, written and renamed off the async workers.
                    Payload::Binary(_) => {
                        let writer = writer.clone();
                        tokio::task::spawn_blocking(move || lock(&writer).write(payload, requested, received))
                            .await
                            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
                    }
                };
                match written {
                    Ok(()) => {
                        stats.captured.fetch_add(1, Ordering::Relaxed);
                        streak.ok(&spec, &stats);
                    }
                    Err(e) => {
                        disk::report_if_full(&e);
                        streak.failed(&spec, &stats, format!("writing {}: {e}", spec.dir.display()));
                    }
                }
            }
            // A filter module declining this sample: not an error (Viam's
            // NoCaptureToStoreError).
            Err(e) if e.code == Code::FailedPrecondition && e.message.contains("no capture from filter module") => {}
            Err(e) => streak.failed(&spec, &stats, e.to_string()),
        }
    }
}

/// Logs a run of failures once when it starts and once when it ends.
#[derive(Default)]
struct Streak {
    since: Option<Instant>,
}

impl Streak {
    fn failed(&mut self, spec: &Spec, stats: &Stats, error: String) {
        stats.errors.fetch_add(1, Ordering::Relaxed);
        let failing = stats.failing.fetch_add(1, Ordering::Relaxed);
        if failing == 0 {
            self.since = Some(Instant::now());
            tracing::warn!(resource = %spec.resource, method = spec.method, "capture failing (logged once until it recovers): {error}");
        }
    }

    fn ok(&mut self, spec: &Spec, stats: &Stats) {
        let failed = stats.failing.swap(0, Ordering::Relaxed);
        if failed > 0 {
            let lasted = self.since.take().map(|s| s.elapsed()).unwrap_or_default();
            tracing::info!(resource = %spec.resource, method = spec.method, failed, ?lasted, "capture recovered");
        }
    }
}

/// The collector's files: one open tabular file at a time, closed past the
/// size limit; one file per image.
struct Writer {
    dir: PathBuf,
    metadata: DataCaptureMetadata,
    max_file_bytes: u64,
    current: Option<CaptureFile>,
    /// Buffered samples not yet handed to the kernel.
    dirty: bool,
    /// Flushes or closes are failing (logged once until one works). A file
    /// that cannot be closed stays open and is closed later: one bad close
    /// never stops capture (Viam's RSDK-14184) nor loses what it holds.
    flush_failing: bool,
}

impl Writer {
    fn new(spec: &Spec, kind: DataKind) -> Self {
        let any_value = |v: &Json| prost_types::Any {
            type_url: "type.googleapis.com/google.protobuf.Value".into(),
            value: prost::Message::encode_to_vec(&values::json_to_pb(v)),
        };
        let metadata = DataCaptureMetadata {
            component_type: spec.resource.api.to_string(),
            component_name: spec.resource.name.clone(),
            method_name: spec.method.to_string(),
            r#type: match kind {
                DataKind::Tabular => DataType::TabularSensor,
                DataKind::Binary => DataType::BinarySensor,
            } as i32,
            method_parameters: spec.params.iter().map(|(k, v)| (k.clone(), any_value(v))).collect(),
            file_extension: match kind {
                DataKind::Tabular => ".dat".into(),
                DataKind::Binary => String::new(),
            },
            tags: spec.tags.clone(),
            mime_type: String::new(),
        };
        Self {
            dir: spec.dir.clone(),
            metadata,
            max_file_bytes: spec.max_file_bytes,
            current: None,
            dirty: false,
            flush_failing: false,
        }
    }

    fn write(&mut self, payload: Payload, requested: SystemTime, received: SystemTime) -> std::io::Result<()> {
        let sensor_metadata = |annotations| SensorMetadata {
            time_requested: Some(requested.into()),
            time_received: Some(received.into()),
            annotations,
            ..Default::default()
        };
        match payload {
            Payload::Tabular(data) => {
                let file = match &mut self.current {
                    Some(f) => f,
                    none => none.insert(CaptureFile::create(&self.dir, &self.metadata)?),
                };
                file.append(&SensorData {
                    metadata: Some(sensor_metadata(None)),
                    data: Some(sensor_data::Data::Struct(data)),
                })?;
                self.dirty = true;
                if file.size() > self.max_file_bytes {
                    self.close();
                }
            }
            Payload::Binary(blobs) => {
                for blob in blobs {
                    let metadata = DataCaptureMetadata {
                        file_extension: extension(&blob.mime_type).into(),
                        mime_type: blob.mime_type,
                        ..self.metadata.clone()
                    };
                    let mut file = CaptureFile::create(&self.dir, &metadata)?;
                    let prog = file.path().to_path_buf();
                    let written = file
                        .append(&SensorData {
                            metadata: Some(sensor_metadata(blob.annotations)),
                            data: Some(sensor_data::Data::Binary(blob.data)),
                        })
                        .and_then(|()| file.close().map(drop).map_err(|e| e.error));
                    if let Err(e) = written {
                        // Half an image is no sample: nothing is left behind.
                        let _ = std::fs::remove_file(prog.with_extension(crate::capture::file::CAPTURE));
                        let _ = std::fs::remove_file(&prog);
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self) {
        if !self.dirty {
            return;
        }
        if let Some(f) = &mut self.current {
            // What could not be written stays buffered for the next flush.
            if let Err(e) = f.flush() {
                let path = f.path().to_path_buf();
                self.write_failed(&path, "flushing captured data", &e);
                return;
            }
            self.flush_failing = false;
        }
        self.dirty = false;
    }

    fn close(&mut self) {
        let Some(f) = self.current.take() else { return };
        match f.close() {
            Ok(_) => {
                self.dirty = false;
                self.flush_failing = false;
            }
            // Kept open with what it holds: later samples go into it while
            // the buffer has room, and the next close tries again.
            Err(failed) => {
                let path = failed.file.path().to_path_buf();
                self.current = Some(failed.file);
                self.write_failed(&path, "closing a capture file", &failed.error);
            }
        }
    }

    /// A flush or close that failed: a full disk asks for the disk-full
    /// policy at once; logged once until one works.
    fn write_failed(&mut self, path: &std::path::Path, what: &str, e: &std::io::Error) {
        disk::report_if_full(e);
        if !std::mem::replace(&mut self.flush_failing, true) {
            tracing::warn!(file = %path.display(), "{what} (logged once until writes work again): {e}");
        }
    }
}

/// Viam's extension for a MIME type (its upload-time mapping).
fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => ".jpeg",
        "image/png" => ".png",
        "image/vnd.viam.dep" => ".dep",
        "image/vnd.viam.rgba" => ".rgba",
        "pointcloud/pcd" => ".pcd",
        _ => "",
    }
}
