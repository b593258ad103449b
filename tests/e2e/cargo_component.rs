//! The path our users were promised: a module built with `cargo component
//! build` runs in the host like one built with plain cargo.

use std::process::Command;

use armature_tests::*;
use serde_json::json;

#[tokio::test]
async fn a_module_built_with_cargo_component_runs_in_the_host() {
    // `cargo xtask test` installs it under target/tools when the machine lacks it.
    let installed = root().join("target/tools/bin/cargo-component");
    let tool = std::env::var("ARMATURE_CARGO_COMPONENT").unwrap_or_else(|_| {
        if installed.exists() {
            installed.display().to_string()
        } else {
            "cargo-component".into()
        }
    });
    let target_dir = root().join("target/cargo-component");
    let status = Command::new(&tool)
        .current_dir(root())
        .args([
            "component",
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            "thermometer",
            "--target-dir",
        ])
        .arg(&target_dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): install cargo-component, or run `cargo xtask test`"));
    assert!(status.success(), "cargo component build failed: {status}");

    let modules = tempfile::tempdir().unwrap();
    std::fs::copy(
        target_dir.join("wasm32-wasip2/release/thermometer.wasm"),
        modules.path().join("thermometer.wasm"),
    )
    .unwrap();
    // It carries its crate's version, which `export_module!` embeds.
    let out = Command::new(armature_bin())
        .args(["models", "--json", "--cache-dir"])
        .arg(test_cache())
        .arg(modules.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["version"], env!("CARGO_PKG_VERSION"), "{rows}");
    let host = Armature::start(json!({"modules_dir": modules.path(), "components": [thermometer("t", 3.25)]}));
    let mut sensors = host.sensors().await;
    assert_eq!(readings(&mut sensors, "t").await.unwrap()["temperature"], json!(3.25));
}
