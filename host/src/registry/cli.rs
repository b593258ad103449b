//! `armature registry push | pull | list | search`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use semver::Version;

use super::artifact::{Listing, Package, Visibility};
use super::client::RegistryClient;
use super::credentials::Credentials;
use crate::config::module_ref::{ModuleRef, RegistryAddress, registry_and_namespace};
use crate::config::versions::{VersionSpec, tag_for, tag_version};
use crate::runtime::component::Runtime;

/// `--credentials FILE`, else `ARMATURE_REGISTRY_USERNAME`/`_PASSWORD`,
/// else none.
fn client(address: RegistryAddress, credentials: Option<&Path>) -> anyhow::Result<RegistryClient> {
    let otherwise = Credentials::from_env().unwrap_or_default();
    Ok(RegistryClient::with_credentials_file(address, credentials, otherwise)?)
}

pub struct PushOptions {
    pub file: PathBuf,
    pub reference: String,
    pub version: Option<Version>,
    pub visibility: Visibility,
    pub description: Option<String>,
    pub credentials: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
}

/// Pushes a component after checking that this host loads it: a module
/// that would not serve never reaches a machine through the registry.
pub async fn push(o: &PushOptions) -> anyhow::Result<()> {
    let started = Instant::now();
    let reference = ModuleRef::parse(&o.reference)?;
    let embedded = crate::resources::modules::embedded_version(&o.file);
    let from_tag = match &reference.tag {
        Some(t) => Some(tag_version(t).with_context(|| {
            format!("the tag {t:?} is not a semver version such as 1.2.0 (registry modules are versioned by semver)")
        })?),
        None => None,
    };
    let version = match (&o.version, &from_tag) {
        (Some(a), Some(b)) if a != b => bail!("--version {a} and the reference's tag {b} disagree"),
        (Some(v), _) | (None, Some(v)) => v.clone(),
        (None, None) => embedded.clone().with_context(|| {
            format!(
                "{} carries no version: give --version, or the tag (…/{}:1.0.0)",
                o.file.display(),
                reference.repository
            )
        })?,
    };
    if let Some(inside) = embedded.as_ref().filter(|e| **e != version) {
        bail!(
            "{} says it is version {inside} (its `version` section), not {version}",
            o.file.display()
        );
    }
    let tag = tag_for(&version).map_err(anyhow::Error::msg)?;
    let name = reference
        .repository
        .rsplit('/')
        .next()
        .unwrap_or(&reference.repository)
        .to_string();

    // The registry's answers first: they are quick, compiling is not.
    let client = client(reference.registry.clone(), o.credentials.as_deref())?;
    if o.visibility == Visibility::Private && !client.requires_credentials().await? {
        bail!(
            "registry {} lets anyone read what it holds, so a private module would be public there: push it to a registry that requires credentials, or give --visibility public or unlisted",
            reference.registry
        );
    }
    let existing = match client.tags(&reference.repository).await {
        Ok(tags) => tags,
        Err(super::client::RegistryError::NotFound { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if let Some(taken) = existing.iter().find(|t| tag_version(t).as_ref() == Some(&version)) {
        bail!(
            "{}:{taken} is already in registry {}: a version, once pushed, does not change (machines pinned to it rely on that); push a new version",
            reference.repository,
            reference.registry
        );
    }

    let runtime = Runtime::new(o.cache_dir.clone())?;
    let module = runtime
        .load(&name, &o.file, Some(version.clone()))
        .await
        .with_context(|| format!("{} is not a module this host can load", o.file.display()))?;
    let (imports, exports) = module.world();
    let package = Package {
        name,
        version: version.clone(),
        models: module
            .models
            .iter()
            .map(|(a, m)| (a.to_string(), m.to_string()))
            .collect(),
        description: o.description.clone().unwrap_or_default(),
        visibility: o.visibility,
        imports,
        exports,
    };
    let bytes = std::fs::read(&o.file).with_context(|| format!("reading {}", o.file.display()))?;
    let digest = client.push(&reference.repository, &tag, &package, bytes).await?;
    println!(
        "pushed {}/{}:{tag} ({digest}, {} models, {}) in {:.2} s",
        reference.registry,
        reference.repository,
        package.models.len(),
        package.visibility,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `armature registry pull REGISTRY/NAMESPACE/NAME[:VERSION] --out FILE`:
/// the component a version spec resolves to (the tag, else "latest"),
/// checked against its digest, written whole or not at all.
pub async fn pull(reference: &str, out: &Path, credentials: Option<&Path>) -> anyhow::Result<()> {
    let started = Instant::now();
    let r = ModuleRef::parse(reference)?;
    let spec: VersionSpec = r.tag.as_deref().unwrap_or("latest").parse()?;
    let client = client(r.registry.clone(), credentials)?;
    let tag = client.tag_for_spec(&r.repository, &spec).await?;
    let (manifest, digest) = client.manifest(&r.repository, &tag).await?;
    let layer = super::artifact::wasm_layer(&manifest).map_err(|reason| super::client::RegistryError::NotWasm {
        module: format!("{}:{tag}", r.repository),
        reason,
    })?;
    let bytes = client.component(&r.repository, layer).await?;
    super::store::write_whole(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "pulled {}/{}:{tag} ({digest}, {} bytes) → {} in {:.2} s",
        r.registry,
        r.repository,
        bytes.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One module as `list` and `search` show it.
#[derive(Debug, serde::Serialize)]
struct Row {
    module: String,
    versions: Vec<String>,
    visibility: String,
    description: String,
    models: Vec<String>,
}

/// A repository's semver versions, oldest first, and its newest version's
/// manifest; None when it holds no module (no semver tag, or a container
/// image sharing the registry).
async fn newest(
    client: &RegistryClient,
    repository: &str,
) -> Result<Option<(Vec<Version>, oci_client::manifest::OciImageManifest)>, super::client::RegistryError> {
    let mut versions: Vec<(Version, String)> = client
        .tags(repository)
        .await?
        .into_iter()
        .filter_map(|t| Some((tag_version(&t)?, t)))
        .collect();
    versions.sort();
    let Some((_, tag)) = versions.last() else {
        return Ok(None);
    };
    let (manifest, _) = client.manifest(repository, tag).await?;
    if super::artifact::wasm_layer(&manifest).is_err() {
        return Ok(None);
    }
    Ok(Some((versions.into_iter().map(|(v, _)| v).collect(), manifest)))
}

/// Every listed module under `REGISTRY[/NAMESPACE]`, newest version's facts.
async fn rows(target: &str, credentials: Option<&Path>) -> anyhow::Result<Vec<Row>> {
    let (address, namespace) = registry_and_namespace(target)?;
    let client = client(address, credentials)?;
    let prefix = namespace.map(|n| format!("{}/", n.trim_end_matches('/')));
    let mut out = Vec::new();
    for repository in client.repositories().await? {
        if prefix.as_ref().is_some_and(|p| !repository.starts_with(p.as_str())) {
            continue;
        }
        // One repository that cannot be read does not hide the others.
        let (versions, manifest) = match newest(&client, &repository).await {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(e) => {
                eprintln!("warning: skipped {repository}: {e}");
                continue;
            }
        };
        let listing = Listing::of(&manifest);
        if listing.visibility == Visibility::Unlisted {
            continue;
        }
        out.push(Row {
            module: repository,
            versions: versions.iter().map(ToString::to_string).collect(),
            visibility: listing.visibility.to_string(),
            description: listing.description,
            models: listing.models,
        });
    }
    Ok(out)
}

fn print(rows: &[Row], json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(rows)?);
        return Ok(());
    }
    println!("{:<32} {:<24} {:<10} MODELS", "MODULE", "VERSIONS", "VISIBILITY");
    for r in rows {
        let models: Vec<&str> = r
            .models
            .iter()
            .map(|m| m.split_once(' ').map_or(m.as_str(), |(_, model)| model))
            .collect();
        println!(
            "{:<32} {:<24} {:<10} {}",
            r.module,
            r.versions.join(", "),
            r.visibility,
            models.join(", ")
        );
    }
    Ok(())
}

/// `armature registry list REGISTRY[/NAMESPACE]`: unlisted modules are left out.
pub async fn list(target: &str, credentials: Option<&Path>, json: bool) -> anyhow::Result<()> {
    print(&rows(target, credentials).await?, json)
}

/// `armature registry search REGISTRY TEXT`: listed modules whose name,
/// description or models contain TEXT (any case).
pub async fn search(target: &str, text: &str, credentials: Option<&Path>, json: bool) -> anyhow::Result<()> {
    let needle = text.to_lowercase();
    let found: Vec<Row> = rows(target, credentials)
        .await?
        .into_iter()
        .filter(|r| {
            r.module.to_lowercase().contains(&needle)
                || r.description.to_lowercase().contains(&needle)
                || r.models.iter().any(|m| m.to_lowercase().contains(&needle))
        })
        .collect();
    print(&found, json)
}

/// `armature registry …`.
#[derive(clap::Subcommand)]
pub enum RegistryCommand {
    /// Push a component as a wasm OCI artifact, tagged with its version.
    Push {
        /// The component (.wasm).
        file: PathBuf,
        /// REGISTRY/NAMESPACE/NAME[:VERSION], e.g. 127.0.0.1:5000/acme/thermometer:1.2.0
        /// (plain HTTP for loopback registries, HTTPS elsewhere).
        reference: String,
        /// The version, when neither the reference nor the component's
        /// `version` section gives it.
        #[arg(long)]
        version: Option<semver::Version>,
        /// private: on a registry that requires credentials; public: listed;
        /// unlisted: usable by name, not listed.
        #[arg(long, value_enum, default_value = "private")]
        visibility: Visibility,
        /// A line about the module, shown by list and search.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        credentials: RegistryCredentials,
        #[command(flatten)]
        cache: crate::runtime::cache::CacheArgs,
    },
    /// Download the component a version resolves to, checked against its digest.
    Pull {
        /// REGISTRY/NAMESPACE/NAME[:VERSION]; VERSION may be a range,
        /// "latest" (the default) or "latest-with-prerelease".
        reference: String,
        /// Where to write the .wasm (e.g. into a modules folder).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        credentials: RegistryCredentials,
    },
    /// List the modules of a registry (or of one namespace): versions,
    /// visibility, models.
    List {
        /// REGISTRY[/NAMESPACE], e.g. 127.0.0.1:5000/acme
        target: String,
        #[command(flatten)]
        credentials: RegistryCredentials,
        #[arg(long)]
        json: bool,
    },
    /// Find modules whose name, description or models contain TEXT.
    Search {
        registry: String,
        text: String,
        #[command(flatten)]
        credentials: RegistryCredentials,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
pub struct RegistryCredentials {
    /// A JSON file: {"username": …, "password": …} or {"token": …}
    /// (else ARMATURE_REGISTRY_USERNAME and ARMATURE_REGISTRY_PASSWORD).
    #[arg(long)]
    pub credentials: Option<PathBuf>,
}

/// Runs an `armature registry` command.
pub async fn run(command: RegistryCommand) -> anyhow::Result<()> {
    match command {
        RegistryCommand::Push {
            file,
            reference,
            version,
            visibility,
            description,
            credentials,
            cache,
        } => {
            push(&PushOptions {
                file,
                reference,
                version,
                visibility,
                description,
                credentials: credentials.credentials,
                cache_dir: cache.dir(),
            })
            .await?
        }
        RegistryCommand::Pull {
            reference,
            out,
            credentials,
        } => pull(&reference, &out, credentials.credentials.as_deref()).await?,
        RegistryCommand::List {
            target,
            credentials,
            json,
        } => list(&target, credentials.credentials.as_deref(), json).await?,
        RegistryCommand::Search {
            registry,
            text,
            credentials,
            json,
        } => search(&registry, &text, credentials.credentials.as_deref(), json).await?,
    }
    Ok(())
}
