//! The `armature` binary. The command line is `armature::cli`, in the
//! library, so that the host is compiled once (see there why).

fn main() -> std::process::ExitCode {
    armature::cli::main()
}
