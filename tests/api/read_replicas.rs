//! Public reads go to the read database (`--read-database-url`), writes and what they check to
//! the primary; a read database out of reach leaves reads to the primary, or the process not
//! ready, as configured. The "replica" here is another database with other data, so that where
//! an answer came from shows in the answer (a real streaming replica is in deploy/local).
use ctip_api::auth::Role;
use ctip_api::config::ReplicaFallback;
use entity::case_count;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::TestApp;

const TOTAL: &str = "{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: \"2024\" }) { total { value } } }";
const UPSERT: &str = "mutation($counts: [CountInput!]!) { upsertCounts(source: \"synthetic-demo\", counts: $counts) { inserted } }";
/// Nothing listens there: a replica that never answers.
const UNREACHABLE: &str = "postgres://postgres@127.0.0.1:1/none";

async fn total(app: &TestApp) -> serde_json::Value {
    let body = app.query(TOTAL).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["caseStatistics"]["total"]["value"].clone()
}

async fn ready(app: &TestApp) -> (u16, String) {
    let r = app.client.get(app.url("/ready")).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn public_reads_go_to_the_read_database_and_writes_with_their_checks_to_the_primary() {
    let primary = TestApp::spawn().await;
    // Reference data and an empty release: every total is 0 there.
    let replica = TestApp::spawn_seeded(None, |_| {}).await;
    let url = replica.database_url.clone();
    let app = primary
        .replica(move |c| c.replicas.read_database_urls = vec![url])
        .await;
    assert_ne!(total(&primary).await, json!(0));
    assert_eq!(
        total(&app).await,
        json!(0),
        "the query was answered by the read database"
    );
    let (status, body) = ready(&app).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("reads from") && body.contains("lags 0 ms"),
        "{body}"
    );
    // The key exists on the primary only: the write side checks it there, and writes there.
    let editor = primary.key(Role::Editor).await;
    let before = (
        case_count::Entity::find().count(&primary.db).await.unwrap(),
        case_count::Entity::find().count(&replica.db).await.unwrap(),
    );
    let wrote = app
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [{ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": "2024-07", "count": 41 }] }),
        )
        .await;
    assert_eq!(wrote["data"]["upsertCounts"]["inserted"], 1, "{wrote}");
    assert_eq!(
        (
            case_count::Entity::find().count(&primary.db).await.unwrap(),
            case_count::Entity::find().count(&replica.db).await.unwrap(),
        ),
        (before.0 + 1, before.1)
    );
}

#[tokio::test]
async fn a_read_database_out_of_reach_leaves_reads_to_the_primary_or_the_process_not_ready() {
    let primary = TestApp::spawn().await;
    let expected = total(&primary).await;
    let falls_back = primary
        .replica(|c| c.replicas.read_database_urls = vec![UNREACHABLE.to_owned()])
        .await;
    let (status, body) = ready(&falls_back).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("reads from the primary")
            && body.contains("127.0.0.1:1/none does not answer"),
        "{body}"
    );
    assert_eq!(total(&falls_back).await, expected);
    let strict = primary
        .replica(|c| {
            c.replicas.read_database_urls = vec![UNREACHABLE.to_owned()];
            c.replicas.replica_fallback = ReplicaFallback::NotReady;
        })
        .await;
    let (status, body) = ready(&strict).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("does not answer"), "{body}");
    assert!(!body.contains("postgres://"), "{body}");
    // Meanwhile (until the balancer takes it out) it still answers, from the primary.
    assert_eq!(total(&strict).await, expected);
}
