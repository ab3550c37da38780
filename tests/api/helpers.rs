//! Test harness: a fresh database per test, the real application on port 0, a JSON client.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use ctip_api::config::ServeConfig;
use ctip_api::disclosure::Keys;
use ctip_api::keys::KeySet;
use ctip_api::metrics::Metrics;
use ctip_api::startup::Application;
use ctip_api::{db, demo};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, migrated database: SQLite in a temporary directory, or a new PostgreSQL schema.
async fn fresh_database(
    metrics: &Metrics,
) -> (DatabaseConnection, String, Option<tempfile::TempDir>) {
    match std::env::var("CTIP_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let schema = format!(
                "t{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                rand_suffix()
            );
            let admin = Database::connect(&base)
                .await
                .expect("connect to the test PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                .await
                .expect("create schema");
            admin.close().await.ok();
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            (
                db::connect(&url, metrics).await.expect("connect"),
                url,
                None,
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (
                db::connect(&url, metrics).await.expect("connect"),
                url,
                Some(dir),
            )
        }
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

impl TestApp {
    /// Reference data and the synthetic demo data of 2024–2025, made with the fixed test keys.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
        ctip_api::telemetry::init(&ctip_api::config::LogConfig {
            log_format: ctip_api::config::LogFormat::Text,
            log_filter: "warn".into(),
        });
        let metrics = Metrics::new();
        let (conn, url, dir) = fresh_database(&metrics).await;
        db::migrate(&conn).await.expect("migrate");
        let params = demo::DemoParams {
            seed: 7,
            from_year: 2024,
            to_year: 2025,
            scale: 1.0,
        };
        demo::seed(&conn, &Keys::test_keys().k1, &params)
            .await
            .expect("seed demo data");
        let mut cfg = ServeConfig::for_database(&url);
        configure(&mut cfg);
        let keys = KeySet {
            k1: None,
            k2: Some(Keys::test_keys().k2),
        };
        let app = Application::with_database(cfg, conn.clone(), metrics, keys)
            .await
            .expect("build app");
        let addr = app.local_addr().expect("addr");
        tokio::spawn(app.run_until_stopped());
        TestApp {
            addr,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs a query; returns the JSON body (whatever the status).
    pub async fn query(&self, query: &str) -> Value {
        self.query_with(query, json!({})).await
    }

    pub async fn query_with(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json body")
    }

    /// The value of a Prometheus counter of this instance.
    pub async fn counter(&self, name: &str) -> u64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|rest| rest.trim().parse::<f64>().ok())
            })
            .map(|v| v as u64)
            .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
    }

    /// The SQL statements one query costs.
    pub async fn statements_for(&self, query: &str) -> u64 {
        let before = self.counter("ctip_db_statements_total").await;
        let body = self.query(query).await;
        assert!(body.get("errors").is_none(), "query failed: {body}");
        self.counter("ctip_db_statements_total").await - before
    }
}

/// The `extensions.code` of the first error.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}
