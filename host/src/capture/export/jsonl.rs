//! One JSON object per line per record; images base64.

use std::fs::File;
use std::io::{BufWriter, Write};

use serde_json::{Value as Json, json};

use super::sink::Sink;
use crate::capture::row::Row;

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

fn line(mut row: Row) -> Json {
    let mut out = row.sample_json(true);
    out["component_type"] = json!(row.component_type);
    out["component_name"] = json!(row.component_name);
    out["method_name"] = json!(row.method_name);
    out["tags"] = json!(row.tags);
    out["method_parameters"] = Json::Object(row.method_parameters);
    out
}
