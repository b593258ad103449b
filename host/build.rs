//! Builds the control panel (`../panel`, see `panel_build.rs`) for
//! embedding. The Viam protos are the `armature-proto` crate (`proto/`).

#[path = "panel_build.rs"]
mod panel_build;

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    // `armature build` embeds these (src/build/embedded.rs); include_dir
    // alone would miss a file added to them.
    println!("cargo:rerun-if-changed=../wit");
    println!("cargo:rerun-if-changed=../guest-sdk/python/armature");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    panel_build::embed(&out)?;
    Ok(())
}
