//! One Parquet row per record, in row groups of [`ROWS_PER_GROUP`] or
//! [`BYTES_PER_GROUP`], whichever comes first (images are large):
//! the resource and method as strings, times as UTC microsecond timestamps,
//! a tabular record's readings as a JSON column (resources differ in their
//! fields, so no one flat schema fits them all; DuckDB, pandas and Spark
//! read JSON columns), an image as bytes with its MIME type.

use std::fs::File;
use std::sync::Arc;

use anyhow::Context;
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DataType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use super::sink::Sink;
use crate::capture::row::Row;

const ROWS_PER_GROUP: usize = 8192;
const BYTES_PER_GROUP: usize = 64 << 20;

const SCHEMA: &str = "
message armature_capture {
  REQUIRED BYTE_ARRAY component_type (UTF8);
  REQUIRED BYTE_ARRAY component_name (UTF8);
  REQUIRED BYTE_ARRAY method_name (UTF8);
  OPTIONAL INT64 time_requested (TIMESTAMP(MICROS,true));
  OPTIONAL INT64 time_received (TIMESTAMP(MICROS,true));
  OPTIONAL BYTE_ARRAY data (JSON);
  OPTIONAL BYTE_ARRAY mime_type (UTF8);
  OPTIONAL BYTE_ARRAY binary;
  REQUIRED BYTE_ARRAY tags (JSON);
  REQUIRED BYTE_ARRAY method_parameters (JSON);
}
";

/// A column's values not yet written: the present ones, and for an
/// optional column a definition level per row (1 present, 0 null).
#[derive(Default)]
struct Column<T> {
    values: Vec<T>,
    levels: Vec<i16>,
}

impl<T> Column<T> {
    fn push(&mut self, value: Option<T>) {
        self.levels.push(i16::from(value.is_some()));
        self.values.extend(value);
    }
}

#[derive(Default)]
struct Columns {
    component_type: Column<ByteArray>,
    component_name: Column<ByteArray>,
    method_name: Column<ByteArray>,
    time_requested: Column<i64>,
    time_received: Column<i64>,
    data: Column<ByteArray>,
    mime_type: Column<ByteArray>,
    binary: Column<ByteArray>,
    tags: Column<ByteArray>,
    method_parameters: Column<ByteArray>,
}

pub struct Writer {
    file: SerializedFileWriter<File>,
    pending: Columns,
    rows: usize,
    /// The pending readings' and images' bytes.
    bytes: usize,
}

impl Writer {
    pub fn new(file: File) -> anyhow::Result<Self> {
        let schema = Arc::new(parse_message_type(SCHEMA).context("the Parquet schema")?);
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                // Images do not repeat: a dictionary of them only costs memory.
                .set_column_dictionary_enabled(ColumnPath::from("binary"), false)
                .build(),
        );
        Ok(Self {
            file: SerializedFileWriter::new(file, schema, props)?,
            pending: Columns::default(),
            rows: 0,
            bytes: 0,
        })
    }

    /// Writes the pending rows as one row group, columns in schema order.
    fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let c = std::mem::take(&mut self.pending);
        self.rows = 0;
        self.bytes = 0;
        let mut group = self.file.next_row_group()?;
        let g = &mut group;
        write::<ByteArrayType>(g, c.component_type, false)?;
        write::<ByteArrayType>(g, c.component_name, false)?;
        write::<ByteArrayType>(g, c.method_name, false)?;
        write::<Int64Type>(g, c.time_requested, true)?;
        write::<Int64Type>(g, c.time_received, true)?;
        write::<ByteArrayType>(g, c.data, true)?;
        write::<ByteArrayType>(g, c.mime_type, true)?;
        write::<ByteArrayType>(g, c.binary, true)?;
        write::<ByteArrayType>(g, c.tags, false)?;
        write::<ByteArrayType>(g, c.method_parameters, false)?;
        group.close()?;
        Ok(())
    }
}

/// Writes the row group's next column; an optional one with its levels.
fn write<T: DataType>(
    group: &mut SerializedRowGroupWriter<'_, File>,
    col: Column<T::T>,
    optional: bool,
) -> anyhow::Result<()> {
    let mut writer = group.next_column()?.context("a column the schema lacks")?;
    let levels = optional.then_some(&col.levels[..]);
    writer.typed::<T>().write_batch(&col.values, levels, None)?;
    writer.close()?;
    Ok(())
}

fn micros(t: Option<prost_types::Timestamp>) -> Option<i64> {
    t.map(|t| {
        t.seconds
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(t.nanos / 1000))
    })
}

fn text(s: impl Into<Vec<u8>>) -> ByteArray {
    ByteArray::from(s.into())
}

impl Sink for Writer {
    fn row(&mut self, row: Row) -> anyhow::Result<()> {
        let data = row.data.map(|d| d.to_string());
        self.bytes += data.as_ref().map_or(0, String::len) + row.binary.as_ref().map_or(0, |(_, b)| b.len());
        let c = &mut self.pending;
        c.component_type.push(Some(text(row.component_type)));
        c.component_name.push(Some(text(row.component_name)));
        c.method_name.push(Some(text(row.method_name)));
        c.time_requested.push(micros(row.time_requested));
        c.time_received.push(micros(row.time_received));
        c.data.push(data.map(text));
        let (mime, bytes) = row.binary.unzip();
        c.mime_type.push(mime.map(text));
        c.binary.push(bytes.map(ByteArray::from));
        c.tags.push(Some(text(serde_json::to_string(&row.tags)?)));
        c.method_parameters
            .push(Some(text(serde_json::Value::Object(row.method_parameters).to_string())));
        self.rows += 1;
        if self.rows >= ROWS_PER_GROUP || self.bytes >= BYTES_PER_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> anyhow::Result<()> {
        self.flush()?;
        self.file.close()?;
        Ok(())
    }
}
