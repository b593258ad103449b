//! What the benchmark's processes share: how to reach a server, what the
//! kernel says about a process, and how repeated runs become one figure.

pub mod procfs;
pub mod stats;
pub mod target;

pub use armature::core::proto;

/// The three readings every benchmarked sensor answers with: the floor, the
/// Armature guest (`bench/guest`) and the Python module (`bench/python`).
pub const READINGS: [(&str, f64); 3] = [("temperature", 21.5), ("humidity", 40.25), ("pressure", 1013.25)];

/// The frame every benchmarked camera answers GetImages with: a 640x480
/// JPEG of the test pattern, as a camera on a robot sends one.
pub const FRAME: &[u8] = include_bytes!("../frame.jpg");

/// The map every benchmarked DoCommand is sent, and answers with: a command
/// of the usual size (a name, a number, a list).
pub fn command() -> prost_types::Struct {
    use prost_types::value::Kind;
    use prost_types::{ListValue, Value};
    let text = |s: &str| Value {
        kind: Some(Kind::StringValue(s.into())),
    };
    prost_types::Struct {
        fields: [
            ("command".to_string(), text("echo")),
            (
                "value".to_string(),
                Value {
                    kind: Some(Kind::NumberValue(1.5)),
                },
            ),
            (
                "tags".to_string(),
                Value {
                    kind: Some(Kind::ListValue(ListValue {
                        values: vec![text("a"), text("b")],
                    })),
                },
            ),
        ]
        .into_iter()
        .collect(),
    }
}
