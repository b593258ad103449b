//! Prometheus metrics for the whole process, rendered at `/metrics`.
//!
//! One registry per process, like the log subscriber: calls are counted
//! where every call passes (`ResourceSlot::call`), so the gRPC services, the
//! module protocol and dependency calls between guests all show up. The hot
//! path holds its own handles ([`MethodMeters`]) instead of looking up a
//! label set per call.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::core::error::Code;
use crate::core::names::ResourceName;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResourceLabels {
    /// The API: `rdk:component:sensor`, ...
    pub api: String,
    pub resource: String,
}

impl ResourceLabels {
    pub fn of(name: &ResourceName) -> Self {
        Self {
            api: name.api.to_string(),
            resource: name.name.clone(),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    api: String,
    resource: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    api: String,
    resource: String,
    method: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    outcome: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 20 µs .. ~10 s: a call into a warm guest is tens of microseconds, a
    // camera frame or a deadline is seconds.
    Histogram::new(exponential_buckets(20e-6, 2.0, 20))
}

pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    latency: HistogramFamily<CallLabels>,
    guest_memory: Family<ResourceLabels, Gauge>,
    restarts: Family<ResourceLabels, Counter>,
    compile_cache: Family<CacheLabels, Counter>,
    sessions: Gauge,
    machine_memory_budget: Gauge,
    machine_memory_used: Gauge,
    machine_memory_refusals: Counter,
    auth_failures: Counter,
    auth_throttled: Counter,
    connections_open: Gauge,
    connections_closed: Family<CloseLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CloseLabels {
    reason: &'static str,
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("armature");
        let calls = Family::default();
        let errors = Family::default();
        let latency = HistogramFamily::new_with_constructor(latency_histogram as fn() -> Histogram);
        let guest_memory = Family::default();
        let restarts = Family::default();
        let compile_cache = Family::default();
        let sessions = Gauge::default();
        registry.register("calls", "Calls answered, per resource and method", calls.clone());
        registry.register(
            "call_errors",
            "Calls that failed, per resource, method and gRPC code",
            errors.clone(),
        );
        registry.register_with_unit(
            "call_duration",
            "Time to answer a call inside the host (queueing for the resource included)",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        registry.register_with_unit(
            "guest_memory",
            "Linear memory of each resource's sandbox",
            prometheus_client::registry::Unit::Bytes,
            guest_memory.clone(),
        );
        registry.register(
            "restarts",
            "Times a resource was rebuilt: after a fault, or to swap in another module version or model",
            restarts.clone(),
        );
        registry.register(
            "compile_cache",
            "Modules loaded, by compile-cache outcome (hit, miss, disabled)",
            compile_cache.clone(),
        );
        registry.register("sessions", "Open client sessions", sessions.clone());
        let machine_memory_budget = Gauge::default();
        let machine_memory_used = Gauge::default();
        let machine_memory_refusals = Counter::default();
        registry.register_with_unit(
            "machine_memory_budget",
            "The machine's budget for all guests' linear memory (limits.machine_memory_mb)",
            prometheus_client::registry::Unit::Bytes,
            machine_memory_budget.clone(),
        );
        registry.register_with_unit(
            "machine_memory_used",
            "Linear memory of all guests together, counted against the budget",
            prometheus_client::registry::Unit::Bytes,
            machine_memory_used.clone(),
        );
        registry.register(
            "machine_memory_refusals",
            "Memory growths (or sandboxes) refused because the machine's guest memory budget was spent",
            machine_memory_refusals.clone(),
        );
        let auth_failures = Counter::default();
        let auth_throttled = Counter::default();
        registry.register(
            "auth_failures",
            "Key checks that failed (Authenticate, or HTTP Basic with a wrong key)",
            auth_failures.clone(),
        );
        registry.register(
            "auth_throttled",
            "Key checks refused unchecked because their peer had run out of attempts",
            auth_throttled.clone(),
        );
        let connections_open = Gauge::default();
        let connections_closed = Family::default();
        registry.register(
            "connections_open",
            "Client connections open on the server's port",
            connections_open.clone(),
        );
        registry.register(
            "connections_closed_by_host",
            "Client connections the host closed: silent too long, idle too long, or the oldest idle one when the connection limit was reached",
            connections_closed.clone(),
        );
        Self {
            registry,
            calls,
            errors,
            latency,
            guest_memory,
            restarts,
            compile_cache,
            sessions,
            machine_memory_budget,
            machine_memory_used,
            machine_memory_refusals,
            auth_failures,
            auth_throttled,
            connections_open,
            connections_closed,
        }
    }

    pub fn auth_failed(&self) {
        self.auth_failures.inc();
    }

    pub fn auth_throttled(&self) {
        self.auth_throttled.inc();
    }

    pub fn set_connections_open(&self, open: usize) {
        self.connections_open.set(i64::try_from(open).unwrap_or(i64::MAX));
    }

    /// A connection the host closed, and why (`silent`, `idle`, `evicted`).
    pub fn connection_closed(&self, reason: &'static str) {
        self.connections_closed.get_or_create(&CloseLabels { reason }).inc();
    }

    pub fn machine_memory_refused(&self) {
        self.machine_memory_refusals.inc();
    }

    /// The handles for calls of `method` on a resource.
    pub fn method_meters(&self, resource: &ResourceLabels, method: &'static str) -> MethodMeters {
        let labels = CallLabels {
            api: resource.api.clone(),
            resource: resource.resource.clone(),
            method: method.to_string(),
        };
        MethodMeters {
            method,
            calls: self.calls.get_or_create_owned(&labels),
            latency: self.latency.get_or_create_owned(&labels),
        }
    }

    /// Counts a failed call (rare: looked up each time).
    pub fn call_failed(&self, resource: &ResourceLabels, method: &str, code: Code) {
        self.errors
            .get_or_create(&ErrorLabels {
                api: resource.api.clone(),
                resource: resource.resource.clone(),
                method: method.to_string(),
                code: format!("{code:?}"),
            })
            .inc();
    }

    /// The gauge a sandbox reports its memory to.
    pub fn guest_memory(&self, resource: &ResourceLabels) -> Gauge {
        self.guest_memory.get_or_create_owned(resource)
    }

    pub fn restarted(&self, resource: &ResourceLabels) {
        self.restarts.get_or_create(resource).inc();
    }

    /// A module loaded; `outcome` is the compile cache's (`hit`, `miss`,
    /// `disabled`).
    pub fn module_loaded(&self, outcome: &'static str) {
        self.compile_cache.get_or_create(&CacheLabels { outcome }).inc();
    }

    pub fn set_sessions(&self, open: usize) {
        self.sessions.set(i64::try_from(open).unwrap_or(i64::MAX));
    }

    /// Everything, in the Prometheus text format. The machine's guest
    /// memory is read by the caller as it renders: it moves on every memory
    /// growth, too often to record each.
    pub fn render(&self, memory_budget_bytes: usize, memory_used_bytes: usize) -> String {
        self.machine_memory_budget
            .set(i64::try_from(memory_budget_bytes).unwrap_or(i64::MAX));
        self.machine_memory_used
            .set(i64::try_from(memory_used_bytes).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// A resource's call metrics, as its slot records them.
pub struct ResourceMeters {
    labels: ResourceLabels,
    /// One entry per method called so far; a handful, so a scan beats a map.
    methods: std::sync::Mutex<Vec<MethodMeters>>,
}

impl ResourceMeters {
    pub fn new(name: &ResourceName) -> Self {
        Self {
            labels: ResourceLabels::of(name),
            methods: std::sync::Mutex::default(),
        }
    }

    pub fn labels(&self) -> &ResourceLabels {
        &self.labels
    }

    /// Records one call of `method` that took `took` and failed with
    /// `error`, if it did.
    pub fn record(&self, method: &'static str, took: Duration, error: Option<Code>) {
        // Recorded under the lock rather than through cloned handles: two
        // fewer reference-count round trips per call, and calls on one
        // resource are one at a time anyway (the slot's instance lock).
        let mut methods = self.methods.lock().unwrap_or_else(|e| e.into_inner());
        match methods.iter().find(|m| m.method == method) {
            Some(m) => m.record(took),
            None => {
                let m = METRICS.method_meters(&self.labels, method);
                m.record(took);
                methods.push(m);
            }
        }
        drop(methods);
        if let Some(code) = error {
            METRICS.call_failed(&self.labels, method, code);
        }
    }
}

/// A resource method's call counter and latency histogram.
pub struct MethodMeters {
    pub method: &'static str,
    calls: Counter,
    latency: Histogram,
}

impl MethodMeters {
    pub fn record(&self, took: Duration) {
        self.calls.inc();
        self.latency.observe(took.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_calls_errors_and_latency() {
        let m = Metrics::new();
        let r = ResourceLabels {
            api: "rdk:component:sensor".into(),
            resource: "t1".into(),
        };
        let meters = m.method_meters(&r, "GetReadings");
        meters.record(Duration::from_micros(50));
        meters.record(Duration::from_millis(3));
        m.call_failed(&r, "GetReadings", Code::DeadlineExceeded);
        m.module_loaded("hit");
        let text = m.render(0, 0);
        assert!(
            text.contains(r#"armature_calls_total{api="rdk:component:sensor",resource="t1",method="GetReadings"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"code="DeadlineExceeded"} 1"#), "{text}");
        assert!(
            text.contains(r#"armature_call_duration_seconds_count{api="rdk:component:sensor",resource="t1",method="GetReadings"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"armature_compile_cache_total{outcome="hit"} 1"#),
            "{text}"
        );
    }
}
