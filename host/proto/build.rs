//! Compiles the Viam wire protocol (`viam/`, `proto/`) with protox, a
//! pure-Rust protobuf compiler, so building needs no `protoc` on the
//! machine. The same descriptor set feeds tonic's code generator, the
//! host's server reflection and the tables the machine serves its services
//! from (`encoded_build.rs`).

#[path = "encoded_build.rs"]
mod encoded_build;

use std::path::{Path, PathBuf};

/// The folders of .proto files, each named as the first part of its packages.
const PACKAGE_ROOTS: &[&str] = &["viam", "proto"];

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
    let mut files = Vec::new();
    for root in PACKAGE_ROOTS {
        println!("cargo:rerun-if-changed={root}");
        proto_files(Path::new(root), &mut files)?;
    }
    files.sort();

    let fds = protox::compile(&files, ["."])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("descriptors.bin"), prost::Message::encode_to_vec(&fds))?;

    std::fs::write(out.join("encoded_services.rs"), encoded_build::tables(&fds))?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .generate_default_stubs(true)
        .include_file("protos.rs")
        .compile_fds(fds)?;
    Ok(())
}
