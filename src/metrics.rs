//! Prometheus metrics of one application instance (its own registry, so that tests running many
//! instances in one process each see their own numbers).
use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;

#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// SQL statements executed, counted by the database driver's callback.
    pub db_statements: Counter,
    pub db_statement_failures: Counter,
    pub graphql_requests: Counter,
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
        Self {
            registry: Arc::new(registry),
            db_statements,
            db_statement_failures,
            graphql_requests,
        }
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
