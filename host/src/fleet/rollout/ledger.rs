//! Writing to the config bucket through a server that may go away: the
//! rollout's own progress key, and machines' configs, by compare-and-set.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_nats::jetstream::kv::{self, UpdateErrorKind};

use super::progress::Progress;
use crate::fleet::connect::Buckets;
use crate::fleet::keys::CONFIG_BUCKET;

/// How long a fleet server that went away is waited for before the CLI
/// gives up (the rollout can then be resumed).
pub(super) const SERVER_PATIENCE: Duration = Duration::from_secs(120);

pub(super) enum UpdateFailure {
    /// Someone else wrote the key since the revision given.
    Conflict,
    Unreachable(anyhow::Error),
}

/// Compare-and-set, tried again while the server is away. A conflict after
/// a retry may be this very write, applied before its answer was lost: the
/// key holding exactly these bytes counts as written.
pub(super) async fn update(store: &kv::Store, key: &str, bytes: &[u8], revision: u64) -> Result<u64, UpdateFailure> {
    let start = Instant::now();
    let mut retried = false;
    loop {
        match store.update(key, bytes.to_vec().into(), revision).await {
            Ok(written) => return Ok(written),
            Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {
                if retried
                    && let Ok(Some(entry)) = store.entry(key).await
                    && entry.value == bytes
                {
                    return Ok(entry.revision);
                }
                return Err(UpdateFailure::Conflict);
            }
            Err(e) if start.elapsed() > SERVER_PATIENCE => {
                return Err(UpdateFailure::Unreachable(anyhow::anyhow!(
                    "{CONFIG_BUCKET} {key}: {e} (gave up after {} s)",
                    SERVER_PATIENCE.as_secs()
                )));
            }
            Err(e) => {
                if !retried {
                    eprintln!("{CONFIG_BUCKET} {key}: {e}; trying again while the fleet server is away");
                }
                retried = true;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// A live entry, read again while the server is away.
pub(super) async fn read(store: &kv::Store, key: &str) -> anyhow::Result<Option<kv::Entry>> {
    let start = Instant::now();
    loop {
        match crate::fleet::kv::live(store, CONFIG_BUCKET, key).await {
            Ok(entry) => return Ok(entry),
            Err(e) if start.elapsed() > SERVER_PATIENCE => return Err(e.into()),
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// The progress key and its revision, written with compare-and-set so that
/// two CLIs never drive one rollout.
pub(super) struct Ledger<'a> {
    store: &'a kv::Store,
    key: String,
    revision: u64,
}

impl<'a> Ledger<'a> {
    pub(super) fn at(buckets: &'a Buckets, key: String, revision: u64) -> Self {
        Self {
            store: &buckets.config,
            key,
            revision,
        }
    }

    /// Writes a new rollout's progress over a finished one (or none).
    pub(super) async fn begin(
        buckets: &'a Buckets,
        key: String,
        previous: Option<u64>,
        progress: &Progress,
    ) -> anyhow::Result<Self> {
        let bytes = serde_json::to_vec(progress)?;
        let store = &buckets.config;
        let revision = match previous {
            Some(revision) => store
                .update(&key, bytes.into(), revision)
                .await
                .map_err(|e| e.to_string()),
            None => store.create(&key, bytes.into()).await.map_err(|e| e.to_string()),
        }
        .map_err(|e| anyhow::anyhow!("{CONFIG_BUCKET} {key}: another rollout started meanwhile ({e})"))?;
        Ok(Self { store, key, revision })
    }

    pub(super) async fn save(&mut self, progress: &Progress) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec(progress).context("encoding the rollout's progress")?;
        match update(self.store, &self.key, &bytes, self.revision).await {
            Ok(revision) => {
                self.revision = revision;
                Ok(())
            }
            Err(UpdateFailure::Conflict) => bail!(
                "another CLI is driving the rollout of {} ({CONFIG_BUCKET} {} changed under this one)",
                progress.module,
                self.key
            ),
            Err(UpdateFailure::Unreachable(e)) => Err(e.context("saving the rollout's progress (resume it later)")),
        }
    }
}
