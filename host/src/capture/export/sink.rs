//! Where an export's rows go: one writer per file format.

use crate::capture::row::Row;

pub(super) trait Sink {
    fn row(&mut self, row: Row) -> anyhow::Result<()>;
    fn finish(self: Box<Self>) -> anyhow::Result<()>;
}
