//! `armature data export`: captured records as JSON lines or Parquet, from
//! capture folders or from the JetStream stream sync published them to.

use std::path::{Path, PathBuf};

use super::{Format, Source, export};

/// `armature data …`.
#[derive(clap::Subcommand, Debug)]
pub enum DataCommand {
    /// Write captured records as JSON lines or Parquet, from capture folders or from
    /// the JetStream stream sync published them to.
    Export {
        /// A capture folder (the data manager's capture_dir).
        #[arg(long, conflicts_with = "nats", required_unless_present = "nats")]
        dir: Option<PathBuf>,
        /// A NATS server holding the stream, e.g. nats://127.0.0.1:4222.
        #[arg(long, requires = "stream")]
        nats: Option<String>,
        /// The stream sync publishes to.
        #[arg(long)]
        stream: Option<String>,
        /// A NATS credentials file.
        #[arg(long)]
        creds_file: Option<PathBuf>,
        /// jsonl: one JSON object per record; parquet: one row per record.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs an `armature data` command.
pub async fn run(command: DataCommand) -> anyhow::Result<()> {
    let DataCommand::Export {
        dir,
        nats,
        stream,
        creds_file,
        format,
        out,
    } = command;
    export_to(dir, nats, stream, creds_file, format, &out).await
}

async fn export_to(
    dir: Option<PathBuf>,
    nats: Option<String>,
    stream: Option<String>,
    creds_file: Option<PathBuf>,
    format: Format,
    out: &Path,
) -> anyhow::Result<()> {
    let source = match (dir, nats, stream) {
        (Some(dir), _, _) => Source::Dir(dir),
        (None, Some(url), Some(stream)) => Source::Nats {
            url,
            stream,
            creds_file,
        },
        _ => anyhow::bail!("give --dir, or --nats with --stream"),
    };
    let done = export(&source, format, out).await?;
    for why in &done.unreadable {
        eprintln!("warning: skipped {why}");
    }
    println!("exported {} records → {}", done.records, out.display());
    Ok(())
}
