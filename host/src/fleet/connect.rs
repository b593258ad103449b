//! Reaching the fleet's nats-server and opening (or creating) its buckets.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_nats::jetstream::{self, kv};

use crate::config::module_ref::redacted;
use crate::fleet::keys::{CONFIG_BUCKET, STATUS_BUCKET};

/// Config history kept per key: what a rollback or an audit can go back to.
const CONFIG_HISTORY: i64 = 16;

/// Where the fleet lives: `nats://HOST:PORT` and an optional credentials file.
#[derive(Clone)]
pub struct FleetTarget {
    pub url: String,
    pub creds: Option<PathBuf>,
}

impl std::fmt::Debug for FleetTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetTarget")
            .field("url", &redacted(&self.url))
            .field("creds", &self.creds)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("fleet server {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("fleet credentials {}: {reason}", file.display())]
    Credentials { file: PathBuf, reason: String },
    #[error("fleet bucket {bucket}: {reason}")]
    Bucket { bucket: String, reason: String },
    #[error("{bucket} {key}: {reason}")]
    Key {
        bucket: String,
        key: String,
        reason: String,
    },
}

impl FleetError {
    pub fn key(bucket: &str, key: &str, reason: impl std::fmt::Display) -> Self {
        Self::Key {
            bucket: bucket.into(),
            key: key.into(),
            reason: reason.to_string(),
        }
    }
}

/// An open connection and the two buckets.
#[derive(Clone)]
pub struct Buckets {
    pub config: kv::Store,
    pub status: kv::Store,
}

/// The credentials file: a NATS `.creds` file (user JWT and nkey seed), or
/// JSON `{"user": …, "password": …}` or `{"token": …}` for a server with
/// plain `authorization`. Its contents appear in no error.
async fn with_credentials(
    options: async_nats::ConnectOptions,
    file: &Path,
) -> Result<async_nats::ConnectOptions, FleetError> {
    let failed = |reason: String| FleetError::Credentials {
        file: file.to_path_buf(),
        reason,
    };
    let text = tokio::fs::read_to_string(file)
        .await
        .map_err(|e| failed(format!("cannot read it: {e}")))?;
    if text.contains("BEGIN NATS USER JWT") {
        return options
            .credentials_file(file)
            .await
            .map_err(|_| failed("not a valid NATS credentials file".into()));
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Plain {
        user: Option<String>,
        password: Option<String>,
        token: Option<String>,
    }
    let plain: Plain = serde_json::from_str(&text)
        .map_err(|_| failed("neither a NATS .creds file nor JSON {\"user\", \"password\"} or {\"token\"}".into()))?;
    match plain {
        Plain {
            user: Some(u),
            password: Some(p),
            token: None,
        } => Ok(options.user_and_password(u, p)),
        Plain {
            user: None,
            password: None,
            token: Some(t),
        } => Ok(options.token(t)),
        _ => Err(failed("give \"user\" and \"password\", or \"token\"".into())),
    }
}

/// Connects and opens both buckets, creating them if this is the first
/// machine or command to reach the server.
pub async fn connect(target: &FleetTarget) -> Result<Buckets, FleetError> {
    let url = redacted(&target.url);
    let mut options = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(3))
        .name("armature");
    if let Some(file) = &target.creds {
        options = with_credentials(options, file).await?;
    }
    let client = options
        .connect(target.url.as_str())
        .await
        .map_err(|e| FleetError::Connect {
            url: url.clone(),
            reason: crate::core::redact::urls_in(&e.to_string()).into_owned(),
        })?;
    let js = jetstream::new(client);
    Ok(Buckets {
        config: bucket(&js, CONFIG_BUCKET, CONFIG_HISTORY).await?,
        status: bucket(&js, STATUS_BUCKET, 1).await?,
    })
}

/// Opens a bucket, creating it when missing. Two machines creating it at
/// once both succeed: the server accepts an identical stream config twice.
async fn bucket(js: &jetstream::Context, name: &str, history: i64) -> Result<kv::Store, FleetError> {
    if let Ok(store) = js.get_key_value(name).await {
        return Ok(store);
    }
    let created = js
        .create_key_value(kv::Config {
            bucket: name.into(),
            history,
            storage: jetstream::stream::StorageType::File,
            ..Default::default()
        })
        .await;
    match created {
        Ok(store) => Ok(store),
        // Someone else created it meanwhile, perhaps with other settings.
        Err(e) => js.get_key_value(name).await.map_err(|_| FleetError::Bucket {
            bucket: name.into(),
            reason: crate::core::redact::urls_in(&e.to_string()).into_owned(),
        }),
    }
}
