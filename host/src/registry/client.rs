//! Talking to an OCI registry (the Distribution API) through `oci-client`:
//! push a module, list its versions, fetch a manifest, fetch and verify a
//! component. Every failure becomes a [`RegistryError`] that names the
//! registry or module and says what to do; credentials never appear in one.

use std::sync::Once;
use std::time::Duration;

use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::{Client, Reference};

use super::artifact::{self, Package};
use super::credentials::Credentials;
use crate::config::module_ref::RegistryAddress;
use crate::config::versions::{VersionSpec, tag_version};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const READ_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("registry {registry} is unreachable: {reason}")]
    Unreachable { registry: String, reason: String },
    #[error("registry {registry} needs credentials (give a credentials file)")]
    NeedsCredentials { registry: String },
    #[error("registry {registry} refused the credentials{file}")]
    BadCredentials { registry: String, file: String },
    #[error("{module}: not found on registry {registry}")]
    NotFound { registry: String, module: String },
    #[error("{module}: not a wasm component artifact: {reason}")]
    NotWasm { module: String, reason: String },
    #[error("{module}: digest mismatch: the manifest names {expected}, the bytes served hash to {actual}")]
    DigestMismatch {
        module: String,
        expected: String,
        actual: String,
    },
    #[error("{module}: no version matches {spec:?} (semver tags: {found})")]
    NoMatch {
        module: String,
        spec: String,
        found: String,
    },
    #[error("{module}: this machine refused that version before; push a newer one")]
    Refused { module: String },
    #[error("registry {registry}: {reason}")]
    Other { registry: String, reason: String },
}

impl RegistryError {
    /// Whether the registry could not be reached at all (so that cached
    /// versions should serve), rather than answering with a refusal.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }
}

/// One registry, with one set of credentials.
pub struct RegistryClient {
    oci: Client,
    address: RegistryAddress,
    credentials: Credentials,
    /// Named in a refusal, so the user knows which file to fix.
    credentials_file: Option<String>,
}

/// reqwest is built without a TLS provider of its own; use ring, as tonic does.
pub fn install_tls_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when a provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl RegistryClient {
    pub fn new(
        address: RegistryAddress,
        credentials: Credentials,
        credentials_file: Option<String>,
    ) -> Result<Self, RegistryError> {
        install_tls_provider();
        let protocol = if address.plain_http {
            oci_client::client::ClientProtocol::Http
        } else {
            oci_client::client::ClientProtocol::Https
        };
        let config = oci_client::client::ClientConfig {
            protocol,
            connect_timeout: Some(CONNECT_TIMEOUT),
            read_timeout: Some(READ_TIMEOUT),
            // Distribution takes a monolithic upload in one request.
            use_monolithic_push: true,
            ..Default::default()
        };
        // `Client::new` would fall back to a default (HTTPS) client on error.
        let oci = Client::try_from(config).map_err(|e| RegistryError::Other {
            registry: address.host.clone(),
            reason: format!("cannot make an HTTP client: {e}"),
        })?;
        Ok(Self {
            oci,
            address,
            credentials,
            credentials_file,
        })
    }

    /// A client with the credentials in `file` (errors name the file, never
    /// its contents), or with `otherwise` when there is no file.
    pub fn with_credentials_file(
        address: RegistryAddress,
        file: Option<&std::path::Path>,
        otherwise: Credentials,
    ) -> Result<Self, RegistryError> {
        let credentials = match file {
            Some(f) => Credentials::read(f).map_err(|e| RegistryError::Other {
                registry: address.host.clone(),
                reason: e.to_string(),
            })?,
            None => otherwise,
        };
        Self::new(address, credentials, file.map(|f| f.display().to_string()))
    }

    pub fn address(&self) -> &RegistryAddress {
        &self.address
    }

    fn reference(&self, repository: &str, tag: &str) -> Reference {
        Reference::with_tag(self.address.host.clone(), repository.to_string(), tag.to_string())
    }

    fn by_digest(&self, repository: &str, digest: &str) -> Reference {
        Reference::with_digest(self.address.host.clone(), repository.to_string(), digest.to_string())
    }

    /// Turns a client error into what the user is told.
    fn explain(&self, module: &str, e: OciDistributionError) -> RegistryError {
        let registry = self.address.host.clone();
        let refused = || {
            if self.credentials.is_anonymous() {
                RegistryError::NeedsCredentials {
                    registry: registry.clone(),
                }
            } else {
                RegistryError::BadCredentials {
                    registry: registry.clone(),
                    file: self
                        .credentials_file
                        .as_ref()
                        .map(|f| format!(" in {f}"))
                        .unwrap_or_default(),
                }
            }
        };
        let not_found = || RegistryError::NotFound {
            registry: registry.clone(),
            module: module.to_string(),
        };
        match e {
            OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => {
                refused()
            }
            OciDistributionError::ServerError { code: 401 | 403, .. } => refused(),
            OciDistributionError::ServerError { code: 404, .. } => not_found(),
            // A proxy whose registry is down, a registry restarting.
            OciDistributionError::ServerError { code, .. } if code >= 500 => RegistryError::Unreachable {
                registry,
                reason: format!("it answers HTTP {code}"),
            },
            OciDistributionError::ImageManifestNotFoundError(reason)
            | OciDistributionError::UnsupportedMediaTypeError(reason)
            | OciDistributionError::IncompatibleLayerMediaTypeError(reason) => RegistryError::NotWasm {
                module: module.to_string(),
                reason,
            },
            OciDistributionError::ImageIndexParsingNoPlatformResolverError => RegistryError::NotWasm {
                module: module.to_string(),
                reason: "it is an image index (a multi-platform image), not one component".into(),
            },
            OciDistributionError::RegistryError { ref envelope, .. } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    refused()
                } else if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::NameUnknown | OciErrorCode::ManifestUnknown | OciErrorCode::NotFound
                    )
                }) {
                    not_found()
                } else {
                    RegistryError::Other {
                        registry,
                        reason: envelope.to_string(),
                    }
                }
            }
            // Refused, timed out, or cut off midway: the network, not the registry's answer.
            OciDistributionError::RequestError(ref r)
                if r.is_connect() || r.is_timeout() || r.is_request() || r.is_body() =>
            {
                RegistryError::Unreachable {
                    registry,
                    reason: source_chain(r),
                }
            }
            OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError {
                expected,
                actual,
            }) => RegistryError::DigestMismatch {
                module: module.to_string(),
                expected,
                actual,
            },
            other => RegistryError::Other {
                registry,
                reason: other.to_string(),
            },
        }
    }

    /// Whether the registry turns away a client without credentials: where
    /// it does not, anything pushed there is readable by anyone.
    pub async fn requires_credentials(&self) -> Result<bool, RegistryError> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(READ_TIMEOUT)
            .build()
            .map_err(|e| RegistryError::Other {
                registry: self.address.host.clone(),
                reason: e.to_string(),
            })?;
        let answer = http
            .get(format!("{}/v2/", self.address.url()))
            .send()
            .await
            .map_err(|e| RegistryError::Unreachable {
                registry: self.address.host.clone(),
                reason: source_chain(&e),
            })?;
        Ok(matches!(answer.status().as_u16(), 401 | 403))
    }

    /// Pushes `bytes` as `repository:tag`; returns the manifest's digest.
    pub async fn push(
        &self,
        repository: &str,
        tag: &str,
        package: &Package,
        bytes: Vec<u8>,
    ) -> Result<String, RegistryError> {
        let (layer, config, manifest) = artifact::build(package, bytes);
        let reference = self.reference(repository, tag);
        self.oci
            .push(&reference, &[layer], config, &self.credentials.auth(), Some(manifest))
            .await
            .map_err(|e| self.explain(repository, e))?;
        self.oci
            .fetch_manifest_digest(&reference, &self.credentials.auth())
            .await
            .map_err(|e| self.explain(repository, e))
    }

    /// Every tag of a repository (semver or not).
    pub async fn tags(&self, repository: &str) -> Result<Vec<String>, RegistryError> {
        let reference = self.reference(repository, "latest");
        self.oci
            .list_tags(&reference, &self.credentials.auth(), None, None)
            .await
            .map(|r| r.tags)
            .map_err(|e| self.explain(repository, e))
    }

    /// The tag `spec` picks among the repository's tags (a pin `1.2.3`
    /// finds `1.2.3` or `v1.2.3`).
    pub async fn tag_for_spec(&self, repository: &str, spec: &VersionSpec) -> Result<String, RegistryError> {
        let tags = self.tags(repository).await?;
        if let Some((_, tag)) = spec.pick(&tags) {
            return Ok(tag.to_string());
        }
        let semver: Vec<&str> = tags
            .iter()
            .filter(|t| tag_version(t).is_some())
            .map(String::as_str)
            .collect();
        Err(RegistryError::NoMatch {
            module: repository.to_string(),
            spec: spec.to_string(),
            found: if semver.is_empty() {
                "none".into()
            } else {
                semver.join(", ")
            },
        })
    }

    /// Every repository the registry lists (its `_catalog`, all pages).
    pub async fn repositories(&self) -> Result<Vec<String>, RegistryError> {
        let reference = self.reference("catalog/probe", "latest");
        let mut all = Vec::new();
        let mut last: Option<String> = None;
        loop {
            let page = self
                .oci
                .catalog(&reference, &self.credentials.auth(), Some(500), last.as_deref())
                .await
                .map_err(|e| self.explain("the catalog", e))?;
            // A registry may cap the page below what was asked: go on
            // until a page brings nothing new.
            let next = page.repositories.last().cloned();
            if next.is_none() || next == last {
                return Ok(all);
            }
            all.extend(page.repositories);
            last = next;
        }
    }

    /// The manifest `repository:tag` (or `repository@sha256:…`) names, and its digest.
    pub async fn manifest(&self, repository: &str, tag: &str) -> Result<(OciImageManifest, String), RegistryError> {
        let reference = if tag.starts_with("sha256:") {
            self.by_digest(repository, tag)
        } else {
            self.reference(repository, tag)
        };
        self.oci
            .pull_image_manifest(&reference, &self.credentials.auth())
            .await
            .map_err(|e| self.explain(&format!("{repository}:{tag}"), e))
    }

    /// The component a manifest names, checked against its size and digest.
    pub async fn component(&self, repository: &str, layer: &OciDescriptor) -> Result<Vec<u8>, RegistryError> {
        let size = usize::try_from(layer.size)
            .ok()
            .filter(|s| *s <= MAX_COMPONENT_BYTES)
            .ok_or_else(|| RegistryError::NotWasm {
                module: repository.to_string(),
                reason: format!(
                    "its layer claims {} bytes; a component may have up to {} MiB",
                    layer.size,
                    MAX_COMPONENT_BYTES >> 20
                ),
            })?;
        // The registry decides how much it sends: stop at what the manifest said.
        let mut out = Bounded {
            bytes: Vec::with_capacity(size),
            limit: size,
        };
        self.oci
            .pull_blob(&self.by_digest(repository, &layer.digest), layer, &mut out)
            .await
            .map_err(|e| self.explain(repository, e))?;
        verify(repository, &layer.digest, &out.bytes)?;
        Ok(out.bytes)
    }
}

/// The largest component a registry may hand a host (a Python module with
/// its interpreter is ~20–40 MiB).
pub const MAX_COMPONENT_BYTES: usize = 512 << 20;

/// A buffer that refuses to grow past `limit`.
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
}

impl tokio::io::AsyncWrite for Bounded {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.bytes.len() + buf.len() > self.limit {
            return std::task::Poll::Ready(Err(std::io::Error::other(format!(
                "the registry sent more than the {} bytes the manifest names",
                self.limit
            ))));
        }
        self.bytes.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Checks that `bytes` hash to `digest` (`sha256:<hex>`).
pub fn verify(module: &str, digest: &str, bytes: &[u8]) -> Result<(), RegistryError> {
    let actual = super::store::oci_digest(bytes);
    if actual == digest {
        Ok(())
    } else {
        Err(RegistryError::DigestMismatch {
            module: module.to_string(),
            expected: digest.to_string(),
            actual,
        })
    }
}

/// An error and its causes on one line ("connection refused" sits deep).
fn source_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
        next = cause.source();
    }
    text
}
