//! `armature inline push | list | log | rollback`: the panel's inline
//! module actions from a terminal, against a running host's HTTP port.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

#[derive(Args)]
pub struct InlineArgs {
    #[command(subcommand)]
    pub command: InlineCommand,
    /// The running host (its gRPC/panel port).
    #[arg(long, global = true, env = "ARMATURE_HOST", default_value = "http://localhost:8080")]
    pub host: String,
    /// An API key of the host, as KEY_ID:KEY (needed when the host has keys).
    #[arg(long, global = true, env = "ARMATURE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Send --api-key to a host off loopback over plain HTTP, where anyone
    /// on the network path can read it (refused without this).
    #[arg(long, global = true)]
    pub insecure: bool,
}

#[derive(Subcommand)]
pub enum InlineCommand {
    /// Deploy FILE as the next version of inline module NAME and wait until
    /// it serves (or say why not, with the line).
    Push { name: String, file: PathBuf },
    /// Every inline module: the version serving, how many there are, its models.
    List,
    /// The versions of NAME, oldest first.
    Log { name: String },
    /// Deploy the source of VERSION again, as a new version.
    Rollback { name: String, version: String },
}

/// Whether a key sent to `base` (`scheme://host[:port]`) stays private:
/// over TLS, or to this machine.
fn key_safe_over(base: &str) -> bool {
    match base.split_once("://") {
        Some(("https", _)) => true,
        Some((_, rest)) => crate::core::loopback::loopback_authority(rest.split('/').next().unwrap_or("")),
        None => false,
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    api_key: Option<String>,
}

impl Client {
    fn new(args: &InlineArgs) -> anyhow::Result<Self> {
        // https hosts: rustls with ring, as the registry client uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("making an HTTP client")?;
        let base = args.host.trim_end_matches('/').to_string();
        let base = if base.contains("://") {
            base
        } else {
            format!("http://{base}")
        };
        if args.api_key.is_some() && !args.insecure && !key_safe_over(&base) {
            bail!(
                "{base}: the API key would cross the network unencrypted: use https://, a loopback address, \
                 or --insecure to send it anyway"
            );
        }
        Ok(Self {
            http,
            base,
            api_key: args.api_key.clone(),
        })
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let request = match &self.api_key {
            Some(key) => {
                let (id, secret) = key.split_once(':').context("--api-key is KEY_ID:KEY")?;
                request.basic_auth(id, Some(secret))
            }
            None => request,
        };
        let response = request
            .send()
            .await
            .with_context(|| format!("reaching the host at {}", self.base))?;
        let status = response.status();
        let bytes = response.bytes().await.context("reading the host's answer")?;
        let value: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({ "error": String::from_utf8_lossy(&bytes) }));
        if !status.is_success() {
            let why = value.get("error").and_then(Value::as_str).unwrap_or("no reason given");
            bail!("the host refused ({status}): {}", why.trim_end());
        }
        Ok(value)
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.send(request).await
    }
}

/// Runs one command; false when a deploy failed.
pub async fn run(args: InlineArgs) -> anyhow::Result<bool> {
    let client = Client::new(&args)?;
    match &args.command {
        InlineCommand::Push { name, file } => {
            let source = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            let done = client
                .post(
                    &format!("/armature/inline/{name}/deploy"),
                    &json!({ "source": source, "wait": true }),
                )
                .await?;
            Ok(report(&done, &file.display().to_string()))
        }
        InlineCommand::Rollback { name, version } => {
            let done = client
                .post(
                    &format!("/armature/inline/{name}/rollback"),
                    &json!({ "version": version, "wait": true }),
                )
                .await?;
            Ok(report(&done, "main.py"))
        }
        InlineCommand::List => {
            let list = client.get("/armature/inline").await?;
            println!("{:<24} {:<10} {:>8}  models", "module", "serving", "versions");
            for m in list["modules"].as_array().into_iter().flatten() {
                let models: Vec<&str> = m["models"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x["model"].as_str())
                    .collect();
                println!(
                    "{:<24} {:<10} {:>8}  {}",
                    m["name"].as_str().unwrap_or("?"),
                    m["serving"].as_str().unwrap_or("-"),
                    m["versions"].as_array().map_or(0, Vec::len),
                    models.join(", ")
                );
            }
            Ok(true)
        }
        InlineCommand::Log { name } => {
            let list = client.get("/armature/inline").await?;
            let module = list["modules"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|m| m["name"] == name.as_str())
                .with_context(|| format!("the host has no inline module {name:?}"))?;
            let serving = module["serving"].as_str();
            for v in module["versions"].as_array().into_iter().flatten() {
                let version = v["version"].as_str().unwrap_or("?");
                let mark = if Some(version) == serving { "*" } else { " " };
                let from = v["rolled_back_from"]
                    .as_str()
                    .map(|f| format!("  (rollback to {f})"))
                    .unwrap_or_default();
                println!(
                    "{mark} {version:<10} {}  {:>7} bytes  built in {:.1} s{from}",
                    v["created"].as_str().unwrap_or(""),
                    v["source_bytes"].as_u64().unwrap_or(0),
                    v["build_seconds"].as_f64().unwrap_or(0.0),
                );
            }
            Ok(true)
        }
    }
}

/// Prints a finished deploy; true when it serves.
fn report(done: &Value, file: &str) -> bool {
    let module = done["module"].as_str().unwrap_or("?");
    let version = done["version"].as_str().unwrap_or("?");
    let phases: Vec<String> = done["phases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "{} {:.1} s",
                p["phase"].as_str().unwrap_or("?"),
                p["seconds"].as_f64().unwrap_or(0.0)
            )
        })
        .collect();
    if done["state"] == "serving" {
        println!("{module} {version}: {}", phases.join(", "));
        if let Some(note) = done["note"].as_str() {
            println!("note: {note}");
        }
        return true;
    }
    let line = done["line"].as_u64().map(|l| format!(":{l}")).unwrap_or_default();
    eprintln!(
        "{module}: deploy failed at {file}{line}; the previous version keeps serving\n{}",
        done["error"].as_str().unwrap_or("no reason given")
    );
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_goes_in_clear_text_only_to_this_machine() {
        for ok in [
            "https://robot.lan:8080",
            "http://localhost:8080",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
        ] {
            assert!(super::key_safe_over(ok), "{ok}");
        }
        for refused in [
            "http://robot.lan:8080",
            "http://10.0.0.2:8080",
            "http://localhost.evil.com",
        ] {
            assert!(!super::key_safe_over(refused), "{refused}");
        }
    }
}
