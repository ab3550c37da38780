//! Prometheus metrics of one application instance (its own registry, so that tests running many
//! instances in one process each see their own numbers).
//!
//! GraphQL operations are counted by operation name. Names come from clients, so their number is
//! bounded: a request without one is `anonymous`, one naming an operation its document lacks is
//! `unknown`, and a name longer than 64 characters or past the first N distinct names is `other`.
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

pub const ANONYMOUS: &str = "anonymous";
pub const UNKNOWN: &str = "unknown";
pub const OTHER: &str = "other";
const MAX_NAME_LEN: usize = 64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    pub operation: String,
    /// `local`, `shared` (Redis), `miss` or `bypass`.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    pub operation: String,
    pub code: String,
}

type HistogramFamily = Family<OperationLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// SQL statements executed, counted by the database driver's callback.
    pub db_statements: Counter,
    pub db_statement_failures: Counter,
    pub graphql_requests: Counter,
    /// Requests refused with 429 because the client's budget could not pay them.
    pub rate_limit_refusals: Counter,
    cache: Family<CacheLabels, Counter>,
    operations: Family<OperationLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    duration: HistogramFamily,
    names: Arc<OperationNames>,
}

/// The operation names already given a label of their own, up to a limit.
struct OperationNames {
    seen: Mutex<HashSet<String>>,
    limit: AtomicUsize,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("ctip");
        let db_statements = Counter::default();
        let db_statement_failures = Counter::default();
        let graphql_requests = Counter::default();
        let rate_limit_refusals = Counter::default();
        let cache = Family::<CacheLabels, Counter>::default();
        let operations = Family::<OperationLabels, Counter>::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        let duration = HistogramFamily::new_with_constructor(latency_histogram);
        registry.register(
            "db_statements",
            "SQL statements executed",
            db_statements.clone(),
        );
        registry.register(
            "db_statement_failures",
            "SQL statements that failed",
            db_statement_failures.clone(),
        );
        registry.register(
            "graphql_requests",
            "GraphQL operations executed",
            graphql_requests.clone(),
        );
        registry.register(
            "rate_limit_refusals",
            "Requests refused because the client's rate budget could not pay them",
            rate_limit_refusals.clone(),
        );
        registry.register(
            "response_cache_lookups",
            "Query operations looked up in the response cache, by operation name and outcome: bytes (the stored answer to the identical request, before parsing), local (this process), shared (Redis), miss (the operation ran), bypass (not cacheable now)",
            cache.clone(),
        );
        registry.register(
            "graphql_operations",
            "GraphQL operations received, by operation name (refused ones included)",
            operations.clone(),
        );
        registry.register(
            "graphql_errors",
            "GraphQL errors sent, by operation name and extensions.code",
            errors.clone(),
        );
        registry.register(
            "graphql_operation_duration_seconds",
            "Time to answer a GraphQL request, by operation name",
            duration.clone(),
        );
        Self {
            registry: Arc::new(registry),
            db_statements,
            db_statement_failures,
            graphql_requests,
            rate_limit_refusals,
            cache,
            operations,
            errors,
            duration,
            names: Arc::new(OperationNames {
                seen: Mutex::new(HashSet::new()),
                limit: AtomicUsize::new(100),
            }),
        }
    }

    /// How many distinct operation names get a label of their own.
    pub fn set_operation_name_limit(&self, n: usize) {
        self.names.limit.store(n, Ordering::Relaxed);
    }

    /// The label of an operation name (see the module documentation).
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_owned();
        };
        if name.len() > MAX_NAME_LEN {
            return OTHER.to_owned();
        }
        let Ok(mut seen) = self.names.seen.lock() else {
            return OTHER.to_owned();
        };
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < self.names.limit.load(Ordering::Relaxed) {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        OTHER.to_owned()
    }

    /// One operation answered: its label, the codes of its errors, the time the request took.
    pub fn observe_operation<'a>(
        &self,
        label: &str,
        error_codes: impl IntoIterator<Item = &'a str>,
        seconds: f64,
    ) {
        let op = OperationLabels {
            operation: label.to_owned(),
        };
        self.operations.get_or_create(&op).inc();
        self.duration.get_or_create(&op).observe(seconds);
        for code in error_codes {
            self.errors
                .get_or_create(&ErrorLabels {
                    operation: label.to_owned(),
                    code: code.to_owned(),
                })
                .inc();
        }
    }

    /// One query operation looked up in the response cache.
    pub fn observe_cache(&self, label: &str, outcome: &str) {
        self.cache
            .get_or_create(&CacheLabels {
                operation: label.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded() {
        let m = Metrics::new();
        m.set_operation_name_limit(2);
        assert_eq!(m.operation_label(None), ANONYMOUS);
        assert_eq!(m.operation_label(Some("A")), "A");
        assert_eq!(m.operation_label(Some("B")), "B");
        assert_eq!(m.operation_label(Some("C")), OTHER);
        assert_eq!(m.operation_label(Some("A")), "A");
        assert_eq!(m.operation_label(Some(&"x".repeat(65))), OTHER);
    }
}
