//! A module as an OCI artifact, in the CNCF TAG Runtime "Wasm OCI Artifact"
//! layout that wkg, wasmCloud and cargo-component push: an OCI image
//! manifest whose config is `application/vnd.wasm.config.v0+json` and whose
//! one layer is the component, `application/wasm`. What the registry's
//! listing shows (version, models, description, visibility) travels as
//! manifest annotations, so listing a module needs no blob download.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use oci_client::client::{Config, ImageLayer};
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciImageManifest};
use semver::Version;

pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";

const VERSION: &str = "org.opencontainers.image.version";
const DESCRIPTION: &str = "org.opencontainers.image.description";
const CREATED: &str = "org.opencontainers.image.created";
const TITLE: &str = "org.opencontainers.image.title";
/// The models, one `api model` pair per line.
const MODELS: &str = "dev.armature.module.models";
const VISIBILITY: &str = "dev.armature.module.visibility";

/// Viam's three: `private` modules live on registries that require
/// credentials, `public` ones are listed, `unlisted` ones are usable by
/// name but left out of `list` and `search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Visibility {
    #[default]
    Private,
    Public,
    Unlisted,
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Private => "private",
            Self::Public => "public",
            Self::Unlisted => "unlisted",
        })
    }
}

impl Visibility {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "private" => Some(Self::Private),
            "public" => Some(Self::Public),
            // Viam's meta.json spelling.
            "unlisted" | "public_unlisted" => Some(Self::Unlisted),
            _ => None,
        }
    }
}

/// What a push records about a module.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    pub version: Version,
    /// `(api, model)` pairs, as the module declares them.
    pub models: Vec<(String, String)>,
    pub description: String,
    pub visibility: Visibility,
    /// The component's import and export names, for the config blob.
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// The layer, config blob and manifest for `bytes` (a component).
pub fn build(package: &Package, bytes: Vec<u8>) -> (ImageLayer, Config, OciImageManifest) {
    let layer_annotations = BTreeMap::from([(TITLE.to_string(), format!("{}.wasm", package.name))]);
    let layer = ImageLayer::new(bytes, LAYER_MEDIA_TYPE.to_string(), Some(layer_annotations));
    let created = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let config_json = serde_json::json!({
        "created": created,
        "architecture": "wasm",
        "os": "wasip2",
        "layerDigests": [layer.sha256_digest()],
        "component": {"imports": package.imports, "exports": package.exports},
    });
    let config = Config::new(
        serde_json::to_vec(&config_json).unwrap_or_default(),
        CONFIG_MEDIA_TYPE.to_string(),
        None,
    );
    let models: Vec<String> = package
        .models
        .iter()
        .map(|(api, model)| format!("{api} {model}"))
        .collect();
    let annotations = BTreeMap::from([
        (VERSION.to_string(), package.version.to_string()),
        (DESCRIPTION.to_string(), package.description.clone()),
        (CREATED.to_string(), created),
        (MODELS.to_string(), models.join("\n")),
        (VISIBILITY.to_string(), package.visibility.to_string()),
    ]);
    let mut manifest = OciImageManifest::build(std::slice::from_ref(&layer), &config, Some(annotations));
    manifest.media_type = Some(OCI_IMAGE_MEDIA_TYPE.to_string());
    (layer, config, manifest)
}

/// What a manifest says of its module, for `list` and `search`.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub version: Option<String>,
    pub description: String,
    pub models: Vec<String>,
    pub visibility: Visibility,
}

impl Listing {
    pub fn of(manifest: &OciImageManifest) -> Self {
        let get = |key: &str| manifest.annotations.as_ref().and_then(|a| a.get(key)).cloned();
        Self {
            version: get(VERSION),
            description: get(DESCRIPTION).unwrap_or_default(),
            models: get(MODELS)
                .map(|m| m.lines().map(str::to_string).filter(|l| !l.is_empty()).collect())
                .unwrap_or_default(),
            // A module pushed by another tool says nothing: not ours to advertise.
            visibility: get(VISIBILITY)
                .and_then(|v| Visibility::parse(&v))
                .unwrap_or(Visibility::Unlisted),
        }
    }
}

/// The one `application/wasm` layer of a wasm artifact's manifest, or why
/// this manifest is not one (a container image, a multi-layer artifact,
/// the older wasm-to-oci media types).
pub fn wasm_layer(manifest: &OciImageManifest) -> Result<&oci_client::manifest::OciDescriptor, String> {
    if manifest.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(format!(
            "its config is {:?}, not a wasm component's {CONFIG_MEDIA_TYPE:?}",
            manifest.config.media_type
        ));
    }
    match manifest.layers.as_slice() {
        [layer] if layer.media_type == LAYER_MEDIA_TYPE => Ok(layer),
        [layer] => Err(format!("its layer is {:?}, not {LAYER_MEDIA_TYPE:?}", layer.media_type)),
        layers => Err(format!(
            "it has {} layers; a wasm artifact has exactly one",
            layers.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> Package {
        Package {
            name: "thermometer".into(),
            version: Version::new(1, 2, 0),
            models: vec![("rdk:component:sensor".into(), "acme:demo:thermometer".into())],
            description: "a thermometer".into(),
            visibility: Visibility::Public,
            imports: vec!["wasi:io/streams@0.2.6".into()],
            exports: vec!["armature:module/model@0.1.0".into()],
        }
    }

    #[test]
    fn the_manifest_is_the_cncf_layout_and_lists_itself() {
        let (layer, config, manifest) = build(&package(), b"\0asm\x0d\0\x01\0".to_vec());
        assert_eq!(manifest.media_type.as_deref(), Some(OCI_IMAGE_MEDIA_TYPE));
        assert_eq!(manifest.config.media_type, CONFIG_MEDIA_TYPE);
        assert_eq!(wasm_layer(&manifest).unwrap().digest, layer.sha256_digest());
        let config: serde_json::Value = serde_json::from_slice(&config.data).unwrap();
        assert_eq!(config["os"], "wasip2");
        assert_eq!(config["layerDigests"][0], layer.sha256_digest());
        let listing = Listing::of(&manifest);
        assert_eq!(listing.version.as_deref(), Some("1.2.0"));
        assert_eq!(listing.models, vec!["rdk:component:sensor acme:demo:thermometer"]);
        assert_eq!(listing.visibility, Visibility::Public);
    }

    #[test]
    fn other_artifacts_are_refused_with_the_reason() {
        let (_, _, mut manifest) = build(&package(), vec![1, 2, 3]);
        manifest.config.media_type = "application/vnd.oci.image.config.v1+json".into();
        assert!(wasm_layer(&manifest).unwrap_err().contains("config"));
        let (_, _, mut manifest) = build(&package(), vec![1, 2, 3]);
        manifest.layers.push(manifest.layers[0].clone());
        assert!(wasm_layer(&manifest).unwrap_err().contains("2 layers"));
    }
}
