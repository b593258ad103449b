//! Conversions between the WIT value tree (`list<node>`, see
//! `wit/deps/module-0.1.0/types.wit`), JSON (configs) and protobuf `Struct`/`Value` (the wire).
//! Trees that come from a guest are checked: every child index must point
//! forward, each node may have one parent, and nesting is bounded, so a
//! hostile guest can make neither a loop, nor an exponential blow-up, nor a
//! deep recursion in the host.

use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value as PbValue};
use serde_json::{Map, Value as Json};

use crate::core::bindings::{Node, Value};

/// Deepest nesting accepted from a guest (protobuf's own limit is 100).
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed value tree: {0}")]
pub struct TreeError(String);

/// JSON object to nodes (root object first).
pub fn map_to_nodes(map: &Map<String, Json>) -> Value {
    let mut nodes = Vec::with_capacity(1 + map.len());
    push_json_object(map, &mut nodes);
    nodes
}

fn push_json(v: &Json, nodes: &mut Value) -> u32 {
    let at = nodes.len() as u32;
    match v {
        Json::Null => nodes.push(Node::Null),
        Json::Bool(b) => nodes.push(Node::Boolean(*b)),
        Json::Number(n) => nodes.push(Node::Number(n.as_f64().unwrap_or(f64::NAN))),
        Json::String(s) => nodes.push(Node::Text(s.clone())),
        Json::Array(items) => {
            nodes.push(Node::Null);
            let children = items.iter().map(|i| push_json(i, nodes)).collect();
            nodes[at as usize] = Node::Array(children);
        }
        Json::Object(map) => return push_json_object(map, nodes),
    }
    at
}

fn push_json_object(map: &Map<String, Json>, nodes: &mut Value) -> u32 {
    let at = nodes.len() as u32;
    nodes.push(Node::Null);
    let fields = map.iter().map(|(k, v)| (k.clone(), push_json(v, nodes))).collect();
    nodes[at as usize] = Node::Object(fields);
    at
}

/// Protobuf Struct (request `extra`, DoCommand input) to nodes. An absent
/// Struct is the empty tree, `null`: the guest then gets one list to
/// allocate instead of two (wasmtime calls the guest's allocator for every
/// list it lowers, even an empty one), a call into the guest saved on every
/// request without `extra`.
pub fn struct_to_nodes(s: Option<&Struct>) -> Value {
    let mut nodes = Vec::new();
    if let Some(s) = s {
        push_pb_struct(s, &mut nodes, 0);
    }
    nodes
}

fn push_pb_struct(s: &Struct, nodes: &mut Value, depth: usize) -> u32 {
    let at = nodes.len() as u32;
    nodes.push(Node::Null);
    let fields = s
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), push_pb(v, nodes, depth + 1)))
        .collect();
    nodes[at as usize] = Node::Object(fields);
    at
}

fn push_pb(v: &PbValue, nodes: &mut Value, depth: usize) -> u32 {
    let at = nodes.len() as u32;
    // prost bounds the nesting of what it decodes; this bound is for values
    // built in the host.
    if depth > MAX_DEPTH {
        nodes.push(Node::Null);
        return at;
    }
    match &v.kind {
        None | Some(Kind::NullValue(_)) => nodes.push(Node::Null),
        Some(Kind::NumberValue(n)) => nodes.push(Node::Number(*n)),
        Some(Kind::StringValue(s)) => nodes.push(Node::Text(s.clone())),
        Some(Kind::BoolValue(b)) => nodes.push(Node::Boolean(*b)),
        Some(Kind::StructValue(s)) => return push_pb_struct(s, nodes, depth),
        Some(Kind::ListValue(l)) => {
            nodes.push(Node::Null);
            let children = l.values.iter().map(|i| push_pb(i, nodes, depth + 1)).collect();
            nodes[at as usize] = Node::Array(children);
        }
    }
    at
}

/// Reads a tree that came from a guest, checking its shape. It owns the
/// nodes and takes each one out as it reads it, so strings move rather than
/// being copied.
struct Reader {
    nodes: Value,
    used: Vec<bool>,
}

impl Reader {
    fn new(nodes: Value) -> Self {
        let used = vec![false; nodes.len()];
        Self { nodes, used }
    }

    fn child(&mut self, parent: usize, index: u32) -> Result<usize, TreeError> {
        let i = index as usize;
        if i <= parent || i >= self.nodes.len() {
            return Err(TreeError(format!("node {parent} points to node {i}")));
        }
        if std::mem::replace(&mut self.used[i], true) {
            return Err(TreeError(format!("node {i} has two parents")));
        }
        Ok(i)
    }

    /// Node `at`, taken out (each node is read once: one parent each).
    fn take(&mut self, at: usize) -> Node {
        std::mem::replace(&mut self.nodes[at], Node::Null)
    }

    fn pb(&mut self, at: usize, depth: usize) -> Result<PbValue, TreeError> {
        if depth > MAX_DEPTH {
            return Err(TreeError(format!("nested deeper than {MAX_DEPTH}")));
        }
        let kind = match self.take(at) {
            Node::Null => Kind::NullValue(0),
            Node::Number(n) => Kind::NumberValue(n),
            Node::Text(s) => Kind::StringValue(s),
            Node::Boolean(b) => Kind::BoolValue(b),
            Node::Array(children) => {
                let mut values = Vec::with_capacity(children.len());
                for c in children {
                    let c = self.child(at, c)?;
                    values.push(self.pb(c, depth + 1)?);
                }
                Kind::ListValue(ListValue { values })
            }
            Node::Object(fields) => Kind::StructValue(Struct {
                fields: self.fields(at, fields, depth)?,
            }),
        };
        Ok(PbValue { kind: Some(kind) })
    }

    /// The fields of the object at `at`, into any map (protobuf's Struct
    /// holds a BTreeMap, GetReadings answers a HashMap).
    fn fields<M: Default + Extend<(String, PbValue)>>(
        &mut self,
        at: usize,
        fields: Vec<(String, u32)>,
        depth: usize,
    ) -> Result<M, TreeError> {
        let mut out = M::default();
        for (k, c) in fields {
            let c = self.child(at, c)?;
            let v = self.pb(c, depth + 1)?;
            out.extend([(k, v)]);
        }
        Ok(out)
    }

    /// The root's fields; an empty tree has none, a root that is not an
    /// object is an error.
    fn root_fields<M: Default + Extend<(String, PbValue)>>(mut self) -> Result<M, TreeError> {
        if self.nodes.is_empty() {
            return Ok(M::default());
        }
        match self.take(0) {
            Node::Object(fields) => self.fields(0, fields, 0),
            _ => Err(TreeError("the root is not a map".into())),
        }
    }
}

/// A guest's tree as a protobuf Value; an empty tree is null.
pub fn nodes_to_pb(nodes: Value) -> Result<PbValue, TreeError> {
    if nodes.is_empty() {
        return Ok(PbValue {
            kind: Some(Kind::NullValue(0)),
        });
    }
    Reader::new(nodes).pb(0, 0)
}

/// A guest's tree as a protobuf Struct (DoCommand results). A root that is
/// not an object is an error; an empty tree is an empty Struct.
pub fn nodes_to_struct(nodes: Value) -> Result<Struct, TreeError> {
    Ok(Struct {
        fields: Reader::new(nodes).root_fields()?,
    })
}

/// A guest's tree as the fields of a map (sensor readings), built straight
/// into the map the response holds.
pub fn nodes_to_fields(nodes: Value) -> Result<std::collections::HashMap<String, PbValue>, TreeError> {
    Reader::new(nodes).root_fields()
}

/// A protobuf Struct as a JSON object.
pub fn struct_to_json(s: &Struct) -> Json {
    Json::Object(s.fields.iter().map(|(k, v)| (k.clone(), pb_to_json(v))).collect())
}

/// A protobuf Value as JSON.
pub fn pb_to_json(v: &PbValue) -> Json {
    match &v.kind {
        None | Some(Kind::NullValue(_)) => Json::Null,
        Some(Kind::NumberValue(n)) => serde_json::Number::from_f64(*n).map(Json::Number).unwrap_or(Json::Null),
        Some(Kind::StringValue(s)) => Json::String(s.clone()),
        Some(Kind::BoolValue(b)) => Json::Bool(*b),
        Some(Kind::StructValue(s)) => struct_to_json(s),
        Some(Kind::ListValue(l)) => Json::Array(l.values.iter().map(pb_to_json).collect()),
    }
}

/// A number as JSON: a whole number as an integer. Every number on the wire
/// is a double (`google.protobuf.Value`), so viam-server sends a baud rate
/// of 115200 as 115200.0; read as an integer it fits wherever an integer is
/// expected. Beyond 2^53 a double is no longer exact and stays a float.
fn number(n: f64) -> Json {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() <= EXACT {
        if n >= 0.0 {
            Json::from(n as u64)
        } else {
            Json::from(n as i64)
        }
    } else {
        serde_json::Number::from_f64(n).map(Json::Number).unwrap_or(Json::Null)
    }
}

/// Turns every whole float in `v` (`115200.0`, as JSON written from a double
/// reads) into an integer, so that the host's typed reads of a config
/// (limits, grants, built-in models' attributes) accept it. `115200.5`
/// stays a float, and a read that wants an integer names it.
pub fn whole_numbers_as_integers(v: &mut Json) {
    match v {
        Json::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                *v = number(f);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Json::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// JSON as a protobuf Value.
pub fn json_to_pb(v: &Json) -> PbValue {
    let kind = match v {
        Json::Null => Kind::NullValue(0),
        Json::Bool(b) => Kind::BoolValue(*b),
        Json::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(f64::NAN)),
        Json::String(s) => Kind::StringValue(s.clone()),
        Json::Array(a) => Kind::ListValue(ListValue {
            values: a.iter().map(json_to_pb).collect(),
        }),
        Json::Object(m) => Kind::StructValue(json_to_struct(m)),
    };
    PbValue { kind: Some(kind) }
}

/// A JSON object as a protobuf Struct.
pub fn json_to_struct(m: &Map<String, Json>) -> Struct {
    Struct {
        fields: m.iter().map(|(k, v)| (k.clone(), json_to_pb(v))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_doubles_read_as_integers_and_fractions_stay_floats() {
        // As a config from viam-server reads once through the wire and back.
        let wire = json_to_struct(
            json!({"baud": 115200, "half": 115200.5, "neg": -3, "big": 1e300})
                .as_object()
                .unwrap(),
        );
        let mut back = Json::Object(wire.fields.iter().map(|(k, v)| (k.clone(), pb_to_json(v))).collect());
        assert!(back["baud"].is_f64(), "the wire has doubles only");
        whole_numbers_as_integers(&mut back);
        assert_eq!(back["baud"].as_u64(), Some(115200));
        assert_eq!(back["neg"].as_i64(), Some(-3));
        assert_eq!(back["half"].as_f64(), Some(115200.5));
        assert!(back["big"].is_f64());
        let baud: Result<u32, _> = serde_json::from_value(back["half"].clone());
        assert!(baud.unwrap_err().to_string().contains("115200.5"));

        let mut written: Json = serde_json::from_str(r#"{"a": [115200.0, {"b": 2.0}], "c": 0.5}"#).unwrap();
        whole_numbers_as_integers(&mut written);
        assert_eq!(written, json!({"a": [115200, {"b": 2}], "c": 0.5}));
    }

    #[test]
    fn struct_round_trips_through_nodes() {
        let j = json!({"a": 1.5, "b": [true, null, "x", {"c": []}], "d": {}});
        let s = json_to_struct(j.as_object().unwrap());
        let nodes = struct_to_nodes(Some(&s));
        assert_eq!(nodes_to_struct(nodes.clone()).unwrap(), s);
        assert_eq!(pb_to_json(&nodes_to_pb(nodes.clone()).unwrap()), j);
        assert_eq!(nodes_to_struct(map_to_nodes(j.as_object().unwrap())).unwrap(), s);
        let fields = nodes_to_fields(nodes).unwrap();
        assert_eq!(
            fields.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
            s.fields
        );
        assert!(struct_to_nodes(None).is_empty(), "no extra is null");
        assert_eq!(nodes_to_struct(Vec::new()).unwrap(), Struct::default());
    }

    #[test]
    fn rejects_loops_shared_children_and_depth() {
        assert!(nodes_to_pb(vec![Node::Array(vec![0])]).is_err());
        assert!(nodes_to_pb(vec![Node::Array(vec![7])]).is_err());
        let shared = vec![Node::Array(vec![1, 1]), Node::Null];
        assert!(nodes_to_pb(shared).unwrap_err().to_string().contains("two parents"));
        let deep: Vec<Node> = (0..100u32)
            .map(|i| Node::Array(vec![i + 1]))
            .chain([Node::Null])
            .collect();
        assert!(nodes_to_pb(deep).unwrap_err().to_string().contains("deeper"));
        assert!(nodes_to_struct(vec![Node::Number(1.0)]).is_err());
        assert!(nodes_to_fields(vec![Node::Number(1.0)]).is_err());
        assert_eq!(nodes_to_struct(vec![]).unwrap(), Struct::default());
    }
}
