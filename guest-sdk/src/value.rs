//! Free-form values: the WIT `value` (a flattened tree of nodes) and
//! `serde_json::Value`, which is what module code works with.

use serde_json::{Number, Value as Json};

use crate::bindings::armature::module::types::{Node, Value as Nodes};

/// A free-form key-value map: attributes, `extra`, DoCommand input and
/// output, sensor readings.
pub type Map = serde_json::Map<String, Json>;

/// Flattens a JSON value into WIT nodes (root first, children after parents).
pub fn to_nodes(value: &Json) -> Nodes {
    let mut nodes = Vec::with_capacity(1 + count_children(value));
    push(value, &mut nodes);
    nodes
}

/// Flattens a map; the root node is an object.
pub fn map_to_nodes(map: &Map) -> Nodes {
    let mut nodes = Vec::with_capacity(1 + map.len());
    push_object(map, &mut nodes);
    nodes
}

fn count_children(value: &Json) -> usize {
    match value {
        Json::Array(a) => a.len(),
        Json::Object(o) => o.len(),
        _ => 0,
    }
}

fn push(value: &Json, nodes: &mut Nodes) -> u32 {
    let index = nodes.len() as u32;
    match value {
        Json::Null => nodes.push(Node::Null),
        Json::Bool(b) => nodes.push(Node::Boolean(*b)),
        Json::Number(n) => nodes.push(Node::Number(n.as_f64().unwrap_or(f64::NAN))),
        Json::String(s) => nodes.push(Node::Text(s.clone())),
        Json::Array(items) => {
            nodes.push(Node::Array(Vec::new()));
            let children: Vec<u32> = items.iter().map(|item| push(item, nodes)).collect();
            nodes[index as usize] = Node::Array(children);
        }
        Json::Object(map) => return push_object(map, nodes),
    }
    index
}

fn push_object(map: &Map, nodes: &mut Nodes) -> u32 {
    let index = nodes.len() as u32;
    nodes.push(Node::Object(Vec::new()));
    let children: Vec<(String, u32)> = map.iter().map(|(k, v)| (k.clone(), push(v, nodes))).collect();
    nodes[index as usize] = Node::Object(children);
    index
}

/// Like [`map_to_nodes`], but takes the map apart: its strings move into
/// the nodes instead of being copied (what a model returns is not used again).
pub fn map_into_nodes(map: Map) -> Nodes {
    let mut nodes = Vec::with_capacity(1 + map.len());
    push_object_owned(map, &mut nodes);
    nodes
}

fn push_owned(value: Json, nodes: &mut Nodes) -> u32 {
    let index = nodes.len() as u32;
    match value {
        Json::String(s) => nodes.push(Node::Text(s)),
        Json::Array(items) => {
            nodes.push(Node::Array(Vec::new()));
            let children: Vec<u32> = items.into_iter().map(|item| push_owned(item, nodes)).collect();
            nodes[index as usize] = Node::Array(children);
        }
        Json::Object(map) => return push_object_owned(map, nodes),
        scalar => return push(&scalar, nodes),
    }
    index
}

fn push_object_owned(map: Map, nodes: &mut Nodes) -> u32 {
    let index = nodes.len() as u32;
    nodes.push(Node::Object(Vec::new()));
    let children: Vec<(String, u32)> = map.into_iter().map(|(k, v)| (k, push_owned(v, nodes))).collect();
    nodes[index as usize] = Node::Object(children);
    index
}

/// Reads WIT nodes back into JSON. Malformed trees (a child index that does
/// not point forward) read as `null` at that place rather than failing.
pub fn from_nodes(nodes: &[Node]) -> Json {
    if nodes.is_empty() {
        return Json::Null;
    }
    read(nodes, 0)
}

/// Reads WIT nodes as a map; anything but an object root is an empty map.
pub fn map_from_nodes(nodes: &[Node]) -> Map {
    match from_nodes(nodes) {
        Json::Object(map) => map,
        _ => Map::new(),
    }
}

/// Like [`map_from_nodes`], but takes the nodes apart: strings move instead
/// of being copied. A node read twice (a malformed tree) reads as `null` the
/// second time.
pub fn map_from_owned_nodes(mut nodes: Nodes) -> Map {
    if nodes.is_empty() {
        return Map::new();
    }
    match take(&mut nodes, 0) {
        Json::Object(map) => map,
        _ => Map::new(),
    }
}

fn take(nodes: &mut Nodes, index: usize) -> Json {
    let node = std::mem::replace(&mut nodes[index], Node::Null);
    let mut child = |c: u32| {
        let c = c as usize;
        if c > index && c < nodes.len() {
            take(nodes, c)
        } else {
            Json::Null
        }
    };
    match node {
        Node::Null => Json::Null,
        Node::Boolean(b) => Json::Bool(b),
        Node::Number(n) => number(n),
        Node::Text(s) => Json::String(s),
        Node::Array(children) => Json::Array(children.into_iter().map(&mut child).collect()),
        Node::Object(fields) => Json::Object(fields.into_iter().map(|(k, c)| (k, child(c))).collect()),
    }
}

fn read(nodes: &[Node], index: usize) -> Json {
    let child = |c: u32| {
        let c = c as usize;
        if c > index && c < nodes.len() {
            read(nodes, c)
        } else {
            Json::Null
        }
    };
    match &nodes[index] {
        Node::Null => Json::Null,
        Node::Boolean(b) => Json::Bool(*b),
        Node::Number(n) => number(*n),
        Node::Text(s) => Json::String(s.clone()),
        Node::Array(children) => Json::Array(children.iter().map(|c| child(*c)).collect()),
        Node::Object(fields) => Json::Object(fields.iter().map(|(k, c)| (k.clone(), child(*c))).collect()),
    }
}

/// Whole numbers read as integers, so that `cfg.get::<u64>("poll_ms")`
/// accepts `200` (every number crosses the boundary as an f64).
fn number(n: f64) -> Json {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() <= EXACT {
        if n >= 0.0 {
            Json::from(n as u64)
        } else {
            Json::from(n as i64)
        }
    } else {
        Number::from_f64(n).map(Json::Number).unwrap_or(Json::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_nested_values() {
        let v = json!({"a": 1.5, "b": [true, null, "x", {"c": []}], "d": {}});
        assert_eq!(from_nodes(&to_nodes(&v)), v);
    }

    #[test]
    fn a_flat_reading_map_is_one_node_per_entry_plus_root() {
        let m = json!({"t": 21.5, "h": 40.25}).as_object().unwrap().clone();
        let nodes = map_to_nodes(&m);
        assert_eq!(nodes.len(), 3);
        assert_eq!(map_from_nodes(&nodes), m);
    }

    #[test]
    fn owning_conversions_match_the_borrowing_ones() {
        let v = json!({"a": 1.5, "b": [true, null, "x", {"c": []}], "d": {}, "n": 200});
        let m = v.as_object().unwrap().clone();
        let nodes = map_into_nodes(m.clone());
        assert_eq!(from_nodes(&nodes), from_nodes(&map_to_nodes(&m)));
        assert_eq!(map_from_owned_nodes(nodes), m);
        assert_eq!(map_from_owned_nodes(Vec::new()), Map::new());
    }

    #[test]
    fn whole_numbers_read_as_integers() {
        let nodes = to_nodes(&json!({"n": 200, "f": 1.5, "neg": -3}));
        let back = from_nodes(&nodes);
        assert_eq!(back["n"].as_u64(), Some(200));
        assert_eq!(back["neg"].as_i64(), Some(-3));
        assert_eq!(back["f"].as_f64(), Some(1.5));
    }

    #[test]
    fn backward_child_indices_read_as_null() {
        let nodes = vec![Node::Array(vec![0, 5])];
        assert_eq!(from_nodes(&nodes), json!([null, null]));
    }
}
