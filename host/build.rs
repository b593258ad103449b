//! Compiles the Viam wire protocol (`proto/`) with protox, a pure-Rust
//! protobuf compiler, so building needs no `protoc` on the machine. The same
//! descriptor set feeds tonic's code generator, server reflection and the
//! tables the machine serves its services from (`encoded_build.rs`).
//!
//! Then builds the control panel (`../panel`, see `panel_build.rs`) for
//! embedding.

#[path = "encoded_build.rs"]
mod encoded_build;
#[path = "panel_build.rs"]
mod panel_build;

use std::path::{Path, PathBuf};

fn proto_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            proto_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let root = Path::new("proto");
    println!("cargo:rerun-if-changed=proto");
    // `armature build` embeds these (src/build/embedded.rs); include_dir
    // alone would miss a file added to them.
    println!("cargo:rerun-if-changed=../wit");
    println!("cargo:rerun-if-changed=../guest-sdk/python/armature");
    let mut files = Vec::new();
    proto_files(root, &mut files)?;
    files.sort();

    let fds = protox::compile(&files, [root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("descriptors.bin"), prost::Message::encode_to_vec(&fds))?;

    std::fs::write(out.join("encoded_services.rs"), encoded_build::tables(&fds))?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .generate_default_stubs(true)
        .include_file("protos.rs")
        .compile_fds(fds)?;

    panel_build::embed(&out)?;
    Ok(())
}
