//! One JSON object per line per record; images base64.

use std::fs::File;
use std::io::{BufWriter, Write};

use base64::Engine;
use serde_json::{Value as Json, json};

use super::{Row, Sink};
use crate::capture::query::time_json;

pub struct Writer(BufWriter<File>);

impl Writer {
    pub fn new(file: File) -> Self {
        Self(BufWriter::new(file))
    }
}

impl Sink for Writer {
    fn row(&mut self, row: Row) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.0, &line(row))?;
        self.0.write_all(b"\n")?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> anyhow::Result<()> {
        self.0.flush()?;
        Ok(())
    }
}

fn line(row: Row) -> Json {
    let mut out = json!({
        "component_type": row.component_type,
        "component_name": row.component_name,
        "method_name": row.method_name,
        "tags": row.tags,
        "method_parameters": row.method_parameters,
        "time_requested": time_json(row.time_requested),
        "time_received": time_json(row.time_received),
    });
    if let Some(data) = row.data {
        out["data"] = data;
    }
    if let Some((mime_type, bytes)) = row.binary {
        out["mime_type"] = json!(mime_type);
        out["binary_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    out
}
