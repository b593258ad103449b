//! Property tests (fuzzing with a fixed seed corpus, run with the tests):
//! the config parser and the value conversions take anything without
//! panicking, and what they accept round-trips.

use std::path::Path;

use armature::config::MachineConfig;
use armature::core::bindings::Node;
use armature::core::values;
use proptest::prelude::*;

/// Arbitrary JSON, biased towards the shapes a machine config has.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-z:_/-]{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("rdk:component:sensor"),
            Just("rdk:service:generic"),
            Just("a:b:c"),
            Just("components"),
            Just("depends_on")
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("name".to_string()),
                    Just("api".to_string()),
                    Just("model".to_string()),
                    Just("attributes".to_string()),
                    Just("components".to_string()),
                    Just("services".to_string()),
                    Just("modules".to_string()),
                    Just("limits".to_string()),
                    Just("depends_on".to_string()),
                    Just("network".to_string()),
                    Just("auth".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Arbitrary node lists: indices anywhere, including backwards and out of range.
fn nodes() -> impl Strategy<Value = Vec<Node>> {
    let node = prop_oneof![
        Just(Node::Null),
        any::<f64>().prop_map(Node::Number),
        "[a-z]{0,4}".prop_map(Node::Text),
        any::<bool>().prop_map(Node::Boolean),
        prop::collection::vec(0u32..12, 0..4).prop_map(Node::Array),
        prop::collection::vec(("[a-c]{1}", 0u32..12), 0..4).prop_map(Node::Object),
    ];
    prop::collection::vec(node, 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_config_parser_takes_anything(value in json()) {
        let text = value.to_string();
        let _ = MachineConfig::parse(Path::new("/fuzz/machine.json"), &text);
        let _ = MachineConfig::parse_lenient(Path::new("/fuzz/machine.json"), &text);
    }

    #[test]
    fn the_config_parser_takes_any_bytes(text in ".{0,200}") {
        let _ = MachineConfig::parse(Path::new("/fuzz/machine.json"), &text);
    }

    #[test]
    fn guest_trees_never_panic_the_host(tree in nodes()) {
        let _ = values::nodes_to_pb(tree.clone());
        let _ = values::nodes_to_struct(tree.clone());
        let _ = values::nodes_to_fields(tree);
    }

    #[test]
    fn json_objects_round_trip_through_nodes(value in json()) {
        if let serde_json::Value::Object(map) = value {
            let nodes = values::map_to_nodes(&map);
            let back = values::nodes_to_struct(nodes).expect("the host's own trees are well formed");
            prop_assert_eq!(back, values::json_to_struct(&map));
        }
    }
}

/// Attributes shaped like hardware grants and board configs, with the
/// values anything at all.
fn hardware_attributes() -> impl Strategy<Value = serde_json::Map<String, serde_json::Value>> {
    let key = prop::sample::select(vec![
        "board",
        "pins",
        "serial",
        "camera",
        "analogs",
        "digital_interrupts",
        "wires",
        "path",
        "baud",
    ]);
    prop::collection::vec((key, json()), 0..6)
        .prop_map(|pairs| pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hardware_grants_and_board_configs_take_anything(attributes in hardware_attributes()) {
        let _ = armature::config::grants::HardwareGrant::parse(&attributes);
        let value = serde_json::Value::Object(attributes);
        if let Ok(board) = serde_json::from_value::<armature::hardware::gpio_sim::SimBoardConfig>(value)
            && board.check().is_ok()
        {
            let _ = armature::hardware::gpio_sim::SimGpio::new(board);
        }
    }
}
