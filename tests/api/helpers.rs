//! Test harness: a fresh database per test, the real application on port 0, a JSON client.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use ctip_api::config::ServeConfig;
use ctip_api::disclosure::Keys;
use ctip_api::metrics::Metrics;
use ctip_api::startup::Application;
use ctip_api::{db, demo};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

/// The fixed, publicly known test keys (K1 = 32 bytes of 1, K2 = 32 bytes of 2): the library
/// has no such keys outside its own unit tests, so nothing can fall back to them.
pub fn test_keys() -> Keys {
    use ctip_api::disclosure::Secret;
    Keys {
        k1: Secret::from_bytes([1u8; 32]),
        k2: Secret::from_bytes([2u8; 32]),
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The internal address serving `/metrics`.
    pub metrics_addr: SocketAddr,
    /// The database, for tests that write cells themselves.
    pub db: DatabaseConnection,
    /// Its URL, for tests that run the command line on it.
    pub database_url: String,
    pub client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The DataLoader window of [`TestApp::spawn_counting`], in microseconds.
pub const COUNTING_DELAY_US: u64 = 250_000;

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

    /// The demo data, for counting SQL statements ([`Self::statements_for`]): a DataLoader
    /// gathers keys for [`COUNTING_DELAY_US`] before it runs its statement, far longer than any
    /// statement feeding it keys takes, so that the keys of a kind a query asks for at about the
    /// same time always go into one statement, whatever the load on the machine. (With a short
    /// window, whether keys asked for after another statement's answer join a batch still open
    /// depends on how fast that answer came: the count would depend on the machine's load.)
    pub async fn spawn_counting() -> TestApp {
        Self::spawn_with(|c| c.dataloader_delay_us = COUNTING_DELAY_US).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
        Self::spawn_seeded(
            Some(demo::DemoParams {
                seed: 7,
                from_year: 2024,
                to_year: 2025,
                scale: 1.0,
            }),
            configure,
        )
        .await
    }

    /// With `params`, the demo data set they describe; without, reference data and an empty
    /// published release, for tests that write their own cells.
    pub async fn spawn_seeded(
        params: Option<demo::DemoParams>,
        configure: impl FnOnce(&mut ServeConfig),
    ) -> TestApp {
        // No trace export here: nothing to shut down (the OpenTelemetry test runs the binary).
        let _ = ctip_api::telemetry::init(&ctip_api::config::LogConfig {
            log_format: ctip_api::config::LogFormat::Text,
            log_filter: "warn".into(),
            otel_endpoint: None,
            otel_service_name: "ctip-api".into(),
        });
        let metrics = Metrics::new();
        let (conn, url, dir) = fresh_database(&metrics).await;
        db::migrate(&conn).await.expect("migrate");
        // Without parameters: an empty data set. Generating zero years still creates the
        // synthetic source and the published release the test's own cells go into.
        let params = params.unwrap_or(demo::DemoParams {
            seed: 0,
            from_year: 1,
            to_year: 0,
            scale: 0.0,
        });
        demo::seed(&conn, &test_keys().k1, &params)
            .await
            .expect("seed demo data");
        start(conn, url, dir, metrics, configure).await
    }

    /// Another instance of the application on this one's database (a replica behind the same
    /// load balancer), with its own metrics and connections.
    pub async fn replica(&self, configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let metrics = Metrics::new();
        let conn = db::connect(&self.database_url, &metrics)
            .await
            .expect("connect");
        start(conn, self.database_url.clone(), None, metrics, configure).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `/metrics` on the internal metrics address.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.metrics_addr)
    }

    /// The Prometheus text this instance serves on its metrics address.
    pub async fn metrics_text(&self) -> String {
        self.client
            .get(self.metrics_url())
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
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

    /// POSTs a JSON body asking for application/graphql-response+json; returns the response.
    pub async fn post(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// The value of a Prometheus counter of this instance.
    pub async fn counter(&self, name: &str) -> u64 {
        let text = self.metrics_text().await;
        text.lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|rest| rest.trim().parse::<f64>().ok())
            })
            .map(|v| v as u64)
            .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
    }

    /// The SQL statements one run of a query costs, on an application started with
    /// [`Self::spawn_counting`]. The operation gets a name of its own, so the response cache never
    /// answers it.
    pub async fn statements_for(&self, query: &str) -> u64 {
        static RUN: AtomicU64 = AtomicU64::new(0);
        // The response cache looks the current release up once every few seconds: do it now,
        // so that only the query's own statements are counted.
        self.query("{ __typename }").await;
        let run = RUN.fetch_add(1, Ordering::SeqCst);
        let before = self.counter("ctip_db_statements_total").await;
        let body = self
            .query(&format!("query StatementCount{run} {query}"))
            .await;
        assert!(body.get("errors").is_none(), "query failed: {body}");
        self.counter("ctip_db_statements_total").await - before
    }

    /// The SQL statements one run of exactly this query costs (the response cache may answer it).
    pub async fn statements_once(&self, query: &str) -> u64 {
        self.query("{ __typename }").await;
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

/// One finest cell a test writes itself, with its keys computed from the test K1.
pub struct TestCell<'a> {
    pub metric: &'a str,
    pub province: &'a str,
    pub year: i32,
    pub month: u32,
    pub sex: &'a str,
    pub age_group: &'a str,
    pub exploitation_form: &'a str,
    pub destination: &'a str,
}

impl TestApp {
    /// Sets the count of a cell in the current release (insert or replace), with its key sum.
    pub async fn set_cell(&self, c: &TestCell<'_>, n: i64) {
        use ctip_api::dimensions::MetricKind;
        use ctip_api::disclosure::{Cell, key_sum};
        use entity::{case_count, region, release, source};
        use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let region = region::Entity::find()
            .filter(region::Column::Code.eq(c.province))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        let rel = release::Entity::find()
            .order_by_desc(release::Column::Id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        let src = source::Entity::find()
            .filter(source::Column::Code.eq(demo::SOURCE_CODE))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        let metric = MetricKind::parse(c.metric).unwrap();
        let cell = Cell {
            province: c.province,
            year: c.year,
            month: c.month,
            sex: c.sex,
            age_group: c.age_group,
            exploitation_form: c.exploitation_form,
            destination: c.destination,
        };
        let existing = case_count::Entity::find()
            .filter(case_count::Column::Metric.eq(c.metric))
            .filter(case_count::Column::RegionId.eq(region.id))
            .filter(case_count::Column::Year.eq(c.year))
            .filter(case_count::Column::Month.eq(c.month as i32))
            .filter(case_count::Column::Sex.eq(c.sex))
            .filter(case_count::Column::AgeGroup.eq(c.age_group))
            .filter(case_count::Column::ExploitationForm.eq(c.exploitation_form))
            .filter(case_count::Column::Destination.eq(c.destination))
            .one(&self.db)
            .await
            .unwrap();
        if let Some(e) = existing {
            case_count::Entity::delete_by_id(e.id)
                .exec(&self.db)
                .await
                .unwrap();
        }
        case_count::Entity::insert(case_count::ActiveModel {
            metric: Set(c.metric.to_owned()),
            region_id: Set(region.id),
            year: Set(c.year),
            month: Set(c.month as i32),
            sex: Set(c.sex.to_owned()),
            age_group: Set(c.age_group.to_owned()),
            exploitation_form: Set(c.exploitation_form.to_owned()),
            destination: Set(c.destination.to_owned()),
            n: Set(n),
            key_sum: Set(key_sum(
                &test_keys().k1,
                metric.unit_type(),
                &cell,
                n as u64,
            )),
            source_id: Set(src.id),
            release_from: Set(rel.id),
            release_to: Set(None),
            ..Default::default()
        })
        .exec(&self.db)
        .await
        .unwrap();
        // Tests change a published release in place; keep its rollups in step, as publishing does.
        ctip_api::store::statistics::build_rollups(&self.db, rel.id)
            .await
            .unwrap();
    }
}

impl TestApp {
    /// A new API key of that role; an EDITOR key writes the synthetic demo source.
    pub async fn key(&self, role: ctip_api::auth::Role) -> String {
        let sources: &[&str] = match role {
            ctip_api::auth::Role::Editor => &[demo::SOURCE_CODE],
            _ => &[],
        };
        self.key_for(role, sources).await
    }

    /// A new API key of that role, bound to the sources with these codes.
    pub async fn key_for(&self, role: ctip_api::auth::Role, sources: &[&str]) -> String {
        let mut bound = Vec::new();
        for code in sources {
            bound.push(
                ctip_api::store::catalogue::source_by_code(&self.db, code)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("no source {code}")),
            );
        }
        let actor = ctip_api::store::writes::Actor {
            key_id: None,
            name: "test".to_owned(),
        };
        ctip_api::auth::create_key(
            &self.db,
            role,
            &format!("test {}", role.as_str()),
            &bound,
            &actor,
        )
        .await
        .unwrap()
        .1
    }

    /// POSTs a query with `Authorization: Bearer <key>`.
    pub async fn query_as(&self, key: &str, query: &str, variables: Value) -> Value {
        self.client
            .post(self.url("/graphql"))
            .bearer_auth(key)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json body")
    }
}

/// Starts the application on a prepared database with the test configuration.
async fn start(
    conn: DatabaseConnection,
    url: String,
    dir: Option<tempfile::TempDir>,
    metrics: Metrics,
    configure: impl FnOnce(&mut ServeConfig),
) -> TestApp {
    let mut cfg = ServeConfig::for_database(&url);
    // The fixed test keys, unless the test takes one away (a read-only replica has no K1).
    cfg.keys.keys_file = std::path::PathBuf::from("/nonexistent/ctip-test-keys.env");
    cfg.keys.k1 = Some(test_keys().k1.to_hex().into());
    cfg.keys.k2 = Some(test_keys().k2.to_hex().into());
    // The release is looked up once per test (statement counts stay exact on a loaded
    // machine); the test of invalidation asks for frequent checks itself.
    cfg.cache.release_check_ms = 600_000;
    // A wider batching window than in production, for a machine running many tests on two
    // cores; the statement-count tests take a much wider one (`spawn_counting`).
    cfg.dataloader_delay_us = 5_000;
    // Metrics on an internal address of their own, as in production.
    cfg.metrics_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    configure(&mut cfg);
    let keys = ctip_api::keys::load(&cfg.keys, false).expect("test keys");
    let app = Application::with_database(cfg, conn.clone(), metrics, keys)
        .await
        .expect("build app");
    let addr = app.local_addr().expect("addr");
    let metrics_addr = app.metrics_addr().expect("the metrics address");
    tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        metrics_addr,
        client: reqwest::Client::new(),
        db: conn,
        database_url: url,
        _dir: dir,
    }
}
