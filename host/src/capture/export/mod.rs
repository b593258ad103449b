//! `armature data export`: captured records from capture folders, or from
//! the JetStream stream sync published them to, written for tools that do
//! not read Viam's protobuf files: JSON lines ([`jsonl`]) or Parquet
//! ([`parquet`]).

pub mod cli;
mod jsonl;
mod parquet;
mod sink;

use std::path::{Path, PathBuf};

use anyhow::Context;
use prost::Message;

use crate::capture::file::{self, CAPTURE, PROG};
use crate::capture::row::Row;
use crate::core::proto::viam::app::datasync::v1::{DataCaptureMetadata, SensorData};
use sink::Sink;

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

/// What an export wrote and what it could not read.
pub struct Exported {
    pub records: u64,
    /// Capture files skipped, each with why (the rest is still exported).
    pub unreadable: Vec<String>,
}

/// Writes every record of `source` to `out` in `format`.
pub async fn export(source: &Source, format: Format, out: &Path) -> anyhow::Result<Exported> {
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut sink: Box<dyn Sink> = match format {
        Format::Jsonl => Box::new(jsonl::Writer::new(file)),
        Format::Parquet => Box::new(parquet::Writer::new(file)?),
    };
    let mut count = 0u64;
    let mut unreadable = Vec::new();
    let mut emit = |meta: &DataCaptureMetadata, record: SensorData| -> anyhow::Result<()> {
        sink.row(Row::new(meta, record))?;
        count += 1;
        Ok(())
    };
    match source {
        Source::Dir(dir) => {
            anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
            for path in file::files_under(dir, &[CAPTURE, PROG]) {
                let contents = match file::read(&path) {
                    Ok(c) => c,
                    Err(e) => {
                        unreadable.push(e.to_string());
                        continue;
                    }
                };
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
    Ok(Exported {
        records: count,
        unreadable,
    })
}
