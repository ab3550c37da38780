//! Only what the public can see changes the data version (and so the cached answers): a release
//! or a catalogue edit, never a draft write. And a dashboard told of a new release gets it.
use ctip_api::auth::Role;
use ctip_api::config::ServeConfig;
use ctip_api::metrics::Metrics;
use ctip_api::startup::Application;
use serde_json::json;

use crate::helpers::TestApp;

const UPSERT: &str = "mutation($counts: [CountInput!]!) { upsertCounts(source: \"synthetic-demo\", counts: $counts) { inserted } }";
const TOTAL: &str = "{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: \"2024\" }) { total { display } release { code } } }";

/// The value of one series of `ctip_response_cache_lookups_total`, 0 if absent.
async fn lookups(app: &TestApp, outcome: &str) -> u64 {
    let text = app.metrics_text().await;
    let series = format!(
        "ctip_response_cache_lookups_total{{operation=\"anonymous\",outcome=\"{outcome}\"}} "
    );
    text.lines()
        .find_map(|l| l.strip_prefix(&series)?.trim().parse().ok())
        .unwrap_or(0)
}

async fn version(app: &TestApp) -> String {
    ctip_api::store::catalogue::data_version(&app.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_draft_write_changes_neither_the_data_version_nor_the_cached_answers() {
    let app = TestApp::spawn().await;
    let editor = app.key(Role::Editor).await;
    let first = app.query(TOTAL).await;
    assert_eq!(lookups(&app, "miss").await, 1);
    let before = version(&app).await;
    let wrote = app
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [{ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": "2024-07", "count": 40 }] }),
        )
        .await;
    assert_eq!(wrote["data"]["upsertCounts"]["inserted"], 1, "{wrote}");
    assert_eq!(version(&app).await, before, "a draft write is not public");
    assert_eq!(app.query(TOTAL).await, first);
    assert_eq!(
        (lookups(&app, "miss").await, lookups(&app, "local").await),
        (1, 1),
        "the answer held before the draft write is still served"
    );
    // A catalogue edit is public: the version changes.
    let agency = json!({ "code": "TEST-NGO", "nameVi": "Cơ quan thử", "nameEn": "Test agency", "kind": "NGO" });
    let made = app
        .query_as(
            &editor,
            "mutation($a: AgencyInput!) { createAgency(input: $a) { code } }",
            json!({ "a": agency }),
        )
        .await;
    assert!(made.get("errors").is_none(), "{made}");
    assert_ne!(version(&app).await, before, "a catalogue edit is public");
}

#[tokio::test]
async fn subscribers_hear_of_a_release_only_once_the_cache_has_forgotten_the_old_one() {
    use async_graphql::Request;
    use ctip_api::auth::Caller;
    let app = TestApp::spawn().await;
    let editor = app.key(Role::Editor).await;
    let wrote = app
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [{ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": "2024-07", "count": 40 }] }),
        )
        .await;
    assert_eq!(wrote["data"]["upsertCounts"]["inserted"], 1, "{wrote}");
    // A server of our own on the same database, driven below the HTTP layer: what empties the
    // cache must be the publication itself, not whatever the HTTP handler does after it.
    let mut cfg = ServeConfig::for_database(&app.database_url);
    cfg.keys.keys_file = "/nonexistent/ctip-test-keys.env".into();
    cfg.keys.k2 = Some(crate::helpers::test_keys().k2.to_hex().into());
    cfg.cache.release_check_ms = 600_000;
    let keys = ctip_api::keys::load(&cfg.keys, false).unwrap();
    let server = Application::with_database(cfg, app.db.clone(), Metrics::new(), keys)
        .await
        .unwrap();
    let state = server.state();
    let cache = state.cache.as_ref().unwrap();
    let current = || async {
        let (answer, outcome, _) = cache
            .execute(
                &state.schema,
                &state.api.db,
                Request::new("{ dataset { currentRelease { code } } }"),
                None,
            )
            .await;
        let data = answer.data.into_json().unwrap();
        (
            data["dataset"]["currentRelease"]["code"].clone(),
            outcome.label(),
        )
    };
    let (old, _) = current().await;
    assert_eq!(current().await, (old.clone(), "local"), "held in the cache");
    let mut events = state.api.events.subscribe();
    let admin = Caller {
        key_id: None,
        name: "test ADMIN".to_owned(),
        role: Role::Admin,
        sources: Vec::new(),
    };
    let published = state
        .schema
        .execute(
            Request::new("mutation { publishRelease(notes: \"new month\") { code } }").data(admin),
        )
        .await;
    assert!(published.errors.is_empty(), "{:?}", published.errors);
    let event = events.recv().await.unwrap();
    assert_ne!(json!(event.code), old);
    let (now, _) = current().await;
    assert_eq!(
        now,
        json!(event.code),
        "told of {}, a subscriber that refreshed got {now}",
        event.code
    );
}
