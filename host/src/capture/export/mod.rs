//! `armature data export`: captured records from capture folders, or from
//! the JetStream stream sync published them to, written for tools that do
//! not read Viam's protobuf files: JSON lines ([`jsonl`]) or Parquet
//! ([`parquet`]).

mod jsonl;
mod parquet;

use std::path::{Path, PathBuf};

use anyhow::Context;
use prost::Message;
use serde_json::{Map, Value as Json};

use crate::capture::file::{self, CAPTURE, PROG};
use crate::grpc::proto::viam::app::datasync::v1::{DataCaptureMetadata, SensorData, sensor_data};
use crate::values;

/// Where records come from.
pub enum Source {
    Dir(PathBuf),
    Nats {
        url: String,
        stream: String,
        creds_file: Option<PathBuf>,
    },
}

/// The file format written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per record.
    Jsonl,
    /// One row per record, tabular data as a JSON column, images as bytes.
    Parquet,
}

/// One captured record with what its file says about it.
pub struct Row {
    pub component_type: String,
    pub component_name: String,
    pub method_name: String,
    pub tags: Vec<String>,
    pub method_parameters: Map<String, Json>,
    pub time_requested: Option<prost_types::Timestamp>,
    pub time_received: Option<prost_types::Timestamp>,
    /// A tabular record's readings.
    pub data: Option<Json>,
    /// A binary record's bytes and type.
    pub binary: Option<(String, Vec<u8>)>,
}

impl Row {
    fn new(meta: &DataCaptureMetadata, record: SensorData) -> Self {
        let method_parameters = meta
            .method_parameters
            .iter()
            .map(|(k, any)| {
                let v = prost_types::Value::decode(&any.value[..])
                    .map(|v| values::pb_to_json(&v))
                    .unwrap_or(Json::Null);
                (k.clone(), v)
            })
            .collect();
        let sensor = record.metadata.unwrap_or_default();
        let (data, binary) = match record.data {
            Some(sensor_data::Data::Struct(s)) => (Some(values::struct_to_json(&s)), None),
            Some(sensor_data::Data::Binary(b)) => (None, Some((meta.mime_type.clone(), b))),
            None => (None, None),
        };
        Self {
            component_type: meta.component_type.clone(),
            component_name: meta.component_name.clone(),
            method_name: meta.method_name.clone(),
            tags: meta.tags.clone(),
            method_parameters,
            time_requested: sensor.time_requested,
            time_received: sensor.time_received,
            data,
            binary,
        }
    }
}

/// Where rows go.
trait Sink {
    fn row(&mut self, row: Row) -> anyhow::Result<()>;
    fn finish(self: Box<Self>) -> anyhow::Result<()>;
}

/// Writes every record of `source` to `out` in `format`; returns how many.
pub async fn export(source: &Source, format: Format, out: &Path) -> anyhow::Result<u64> {
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut sink: Box<dyn Sink> = match format {
        Format::Jsonl => Box::new(jsonl::Writer::new(file)),
        Format::Parquet => Box::new(parquet::Writer::new(file)?),
    };
    let mut count = 0u64;
    let mut emit = |meta: &DataCaptureMetadata, record: SensorData| -> anyhow::Result<()> {
        sink.row(Row::new(meta, record))?;
        count += 1;
        Ok(())
    };
    match source {
        Source::Dir(dir) => {
            anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
            for path in file::files_under(dir, &[CAPTURE, PROG]) {
                let contents = file::read(&path)?;
                for record in contents.records {
                    emit(&contents.metadata, record)?;
                }
            }
        }
        Source::Nats {
            url,
            stream,
            creds_file,
        } => {
            let mut options = async_nats::ConnectOptions::new().name("armature data export");
            if let Some(creds) = creds_file {
                options = options
                    .credentials_file(creds)
                    .await
                    .with_context(|| format!("reading {}", creds.display()))?;
            }
            let client = options
                .connect(url.as_str())
                .await
                .with_context(|| format!("connecting to {url}"))?;
            let js = async_nats::jetstream::new(client);
            let handle = js
                .get_stream(stream)
                .await
                .with_context(|| format!("stream {stream:?} on {url}"))?;
            let state = handle
                .get_info()
                .await
                .with_context(|| format!("stream {stream:?} on {url}"))?
                .state;
            if state.messages > 0 {
                for seq in state.first_sequence..=state.last_sequence {
                    // A gap is a message deleted from the stream.
                    let Ok(message) = handle.get_raw_message(seq).await else {
                        continue;
                    };
                    let mut body = &message.payload[..];
                    let meta = DataCaptureMetadata::decode_length_delimited(&mut body)
                        .with_context(|| format!("message {seq} of {stream:?} is not a captured record"))?;
                    let record = SensorData::decode_length_delimited(&mut body)
                        .with_context(|| format!("message {seq} of {stream:?} is not a captured record"))?;
                    emit(&meta, record)?;
                }
            }
        }
    }
    sink.finish().with_context(|| format!("writing {}", out.display()))?;
    Ok(count)
}
