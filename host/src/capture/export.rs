//! `armature data export`: captured records as one JSON object per line,
//! from capture folders or from the JetStream stream sync wrote them to, for
//! tools that do not read Viam's protobuf files.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use prost::Message;
use serde_json::{Map, Value as Json, json};

use crate::capture::file::{self, CAPTURE, PROG};
use crate::capture::query;
use crate::grpc::proto::viam::app::datasync::v1::{DataCaptureMetadata, SensorData};
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

/// Writes every record of `source` to `out` as JSON lines; returns how many.
pub async fn export(source: &Source, out: &Path) -> anyhow::Result<u64> {
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut out_w = std::io::BufWriter::new(file);
    let mut count = 0u64;
    let mut emit = |meta: &DataCaptureMetadata, record: SensorData| -> anyhow::Result<()> {
        serde_json::to_writer(&mut out_w, &line(meta, record))?;
        out_w.write_all(b"\n")?;
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
    out_w.flush()?;
    drop(out_w);
    Ok(count)
}

/// One record as a JSON object.
pub fn line(meta: &DataCaptureMetadata, record: SensorData) -> Json {
    let params: Map<String, Json> = meta
        .method_parameters
        .iter()
        .map(|(k, any)| {
            let v = prost_types::Value::decode(&any.value[..])
                .map(|v| values::pb_to_json(&v))
                .unwrap_or(Json::Null);
            (k.clone(), v)
        })
        .collect();
    let mut out = json!({
        "component_type": meta.component_type,
        "component_name": meta.component_name,
        "method_name": meta.method_name,
        "tags": meta.tags,
        "method_parameters": params,
    });
    let binary = query::sample_into(&mut out, record);
    if let Some(b) = binary {
        out["mime_type"] = json!(meta.mime_type);
        out["binary_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(b));
    }
    out
}
