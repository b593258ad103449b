//! The dependency graph: a build order (dependencies first) and the cycles
//! that make one impossible.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::ResourceName;

/// Dependencies first. Nodes on a cycle are left out of `order` and each
/// cycle is reported once, as the names along it (first name repeated last).
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub order: Vec<ResourceName>,
    pub cycles: Vec<Vec<ResourceName>>,
}

/// `edges[a]` lists what `a` depends on; names not in `edges` are ignored.
pub fn plan(edges: &BTreeMap<ResourceName, Vec<ResourceName>>) -> Plan {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Active,
        Done,
    }
    struct Walk<'a> {
        edges: &'a BTreeMap<ResourceName, Vec<ResourceName>>,
        marks: BTreeMap<&'a ResourceName, Mark>,
        stack: Vec<&'a ResourceName>,
        on_cycle: BTreeSet<ResourceName>,
        plan: Plan,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a ResourceName) {
            match self.marks.get(node) {
                Some(Mark::Done) => return,
                Some(Mark::Active) => {
                    let start = self.stack.iter().position(|n| *n == node).unwrap_or(0);
                    let mut cycle: Vec<ResourceName> = self.stack[start..].iter().map(|n| (*n).clone()).collect();
                    cycle.push(node.clone());
                    self.on_cycle.extend(cycle.iter().cloned());
                    self.plan.cycles.push(cycle);
                    return;
                }
                None => {}
            }
            self.marks.insert(node, Mark::Active);
            self.stack.push(node);
            for dep in self.edges.get(node).into_iter().flatten() {
                if self.edges.contains_key(dep) {
                    self.visit(dep);
                }
            }
            self.stack.pop();
            self.marks.insert(node, Mark::Done);
            self.plan.order.push(node.clone());
        }
    }
    let mut walk = Walk {
        edges,
        marks: BTreeMap::new(),
        stack: Vec::new(),
        on_cycle: BTreeSet::new(),
        plan: Plan::default(),
    };
    for node in edges.keys() {
        walk.visit(node);
    }
    // Whatever depends on a cycle cannot be built either, but it is not on
    // the cycle: it stays in the order and waits, with a clear reason.
    let on_cycle = walk.on_cycle;
    walk.plan.order.retain(|n| !on_cycle.contains(n));
    walk.plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Api;

    fn n(s: &str) -> ResourceName {
        ResourceName::new(Api::rdk_component("sensor"), s)
    }

    fn edges(list: &[(&str, &[&str])]) -> BTreeMap<ResourceName, Vec<ResourceName>> {
        list.iter()
            .map(|(a, deps)| (n(a), deps.iter().map(|d| n(d)).collect()))
            .collect()
    }

    #[test]
    fn dependencies_come_first() {
        let p = plan(&edges(&[("logic", &["b", "a"]), ("a", &[]), ("b", &["a"])]));
        assert_eq!(p.order, vec![n("a"), n("b"), n("logic")]);
        assert!(p.cycles.is_empty());
    }

    #[test]
    fn cycles_are_named_and_left_out() {
        let p = plan(&edges(&[
            ("a", &["b"]),
            ("b", &["c"]),
            ("c", &["a"]),
            ("d", &["a"]),
            ("e", &[]),
        ]));
        assert_eq!(p.cycles, vec![vec![n("a"), n("b"), n("c"), n("a")]]);
        assert_eq!(p.order, vec![n("d"), n("e")]);
    }
}
