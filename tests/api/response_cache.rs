//! The response cache: a repeated query runs no SQL, concurrent misses run once, a new release
//! or any write invalidates every answer, failures are not kept; replicas share answers through
//! Redis and still answer without it.
use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const STATEMENTS: &str = "ctip_db_statements_total";
const Q: &str =
    "{ regions(level: PROVINCE, first: 20) { edges { node { code name parent { name } } } } }";

#[tokio::test]
async fn a_repeated_query_is_answered_from_the_cache_without_any_sql_statement() {
    let app = TestApp::spawn().await;
    let first = app.statements_once(Q).await;
    assert!(first > 0);
    let before = app.counter(STATEMENTS).await;
    let again = app.query(Q).await;
    // The same document written differently is the same entry.
    let reformatted = app
        .query(&format!("# the same\n{}", Q.replace(' ', "  ")))
        .await;
    assert_eq!(app.counter(STATEMENTS).await, before, "a hit ran SQL");
    assert_eq!(again, reformatted);
    assert_eq!(
        again["data"]["regions"]["edges"].as_array().unwrap().len(),
        20
    );
}

#[tokio::test]
async fn variables_and_language_are_part_of_the_key() {
    let app = TestApp::spawn().await;
    let q = "query($n: Int) { regions(first: $n) { edges { node { name } } } }";
    app.query_with(q, json!({ "n": 3 })).await;
    let before = app.counter(STATEMENTS).await;
    let other = app.query_with(q, json!({ "n": 4 })).await;
    assert!(
        app.counter(STATEMENTS).await > before,
        "other variables hit"
    );
    assert_eq!(
        other["data"]["regions"]["edges"].as_array().unwrap().len(),
        4
    );
    let name = |lang: &'static str| {
        let app = &app;
        async move {
            let v: Value = app
                .client
                .post(app.url("/graphql"))
                .header("accept-language", lang)
                .json(&json!({ "query": "{ region(code: \"VN\") { name } }" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["data"]["region"]["name"].as_str().unwrap().to_owned()
        }
    };
    assert_ne!(name("vi").await, name("en").await);
}

#[tokio::test]
async fn concurrent_identical_misses_run_the_query_once() {
    let cold = TestApp::spawn().await;
    let once = cold.statements_once(Q).await;
    let app = TestApp::spawn().await;
    app.query("{ __typename }").await;
    let before = app.counter(STATEMENTS).await;
    let answers = futures_util::future::join_all((0..10).map(|_| app.query(Q))).await;
    assert_eq!(app.counter(STATEMENTS).await - before, once);
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn a_new_release_invalidates_the_cache() {
    let app = TestApp::spawn_with(|c| c.cache.release_check_ms = 1).await;
    let q = "{ releases { code } }";
    let before = app.query(q).await;
    entity::release::Entity::insert(entity::release::ActiveModel {
        code: Set("test-2".to_owned()),
        published_at: Set(Some(Utc::now())),
        created_at: Set(Utc::now()),
        notes: Set("a test release".to_owned()),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    // Within the release check (SQLite), or once the database's notification has arrived
    // (PostgreSQL).
    let mut after = app.query(q).await;
    for _ in 0..500 {
        if after != before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        after = app.query(q).await;
    }
    assert_ne!(before, after);
    assert!(after.to_string().contains("test-2"), "{after}");
}

#[tokio::test]
async fn answers_with_errors_are_not_kept() {
    let app = TestApp::spawn().await;
    let q = "{ regions(first: 3) { totalCount } bad: regions(first: 1000) { totalCount } }";
    app.query("{ __typename }").await;
    let before = app.counter(STATEMENTS).await;
    app.query(q).await;
    let once = app.counter(STATEMENTS).await - before;
    assert!(once > 0);
    app.query(q).await;
    assert_eq!(app.counter(STATEMENTS).await - before, 2 * once);
}

#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let app = TestApp::spawn_with(|c| c.cache.response_cache_bytes = 0).await;
    // The first request also reads the reference data of the data version.
    app.query(Q).await;
    let once = app.statements_once(Q).await;
    assert!(once > 0);
    assert_eq!(app.statements_once(Q).await, once);
}

#[tokio::test]
async fn requests_with_credentials_are_neither_shared_nor_publicly_cacheable() {
    let app = TestApp::spawn().await;
    let send = || {
        app.client
            .post(app.url("/graphql"))
            .header("authorization", "Bearer some-key")
            .json(&json!({ "query": Q }))
            .send()
    };
    app.query("{ __typename }").await;
    let before = app.counter(STATEMENTS).await;
    let first = send().await.unwrap();
    assert_eq!(first.headers()["cache-control"], "no-store");
    let once = app.counter(STATEMENTS).await - before;
    assert!(once > 0);
    send().await.unwrap();
    assert_eq!(app.counter(STATEMENTS).await - before, 2 * once);
}

const AGENCIES: &str = "{ agencies(first: 100) { totalCount edges { node { code } } } }";

async fn create_agency(app: &TestApp, code: &str) {
    let editor = app.key(ctip_api::auth::Role::Editor).await;
    let agency =
        json!({ "code": code, "nameVi": "Cơ quan thử", "nameEn": "Test agency", "kind": "NGO" });
    let made = app
        .query_as(
            &editor,
            "mutation($a: AgencyInput!) { createAgency(input: $a) { code } }",
            json!({ "a": agency }),
        )
        .await;
    assert_eq!(made["data"]["createAgency"]["code"], code, "{made}");
}

fn lists(answer: &Value, code: &str) -> bool {
    answer["data"]["agencies"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["node"]["code"] == code)
}

/// The value of one labelled series of `ctip_response_cache_lookups_total`, 0 if absent.
async fn lookups(app: &TestApp, outcome: &str) -> u64 {
    let text = app.metrics_text().await;
    let series = format!(
        "ctip_response_cache_lookups_total{{operation=\"anonymous\",outcome=\"{outcome}\"}} "
    );
    text.lines()
        .find_map(|l| l.strip_prefix(&series)?.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_write_through_the_api_invalidates_the_cache_before_it_answers() {
    // The release check is long (600 s): only the write itself can invalidate.
    let app = TestApp::spawn().await;
    assert!(!lists(&app.query(AGENCIES).await, "TEST-NGO"));
    assert_eq!(lookups(&app, "miss").await, 1);
    create_agency(&app, "TEST-NGO").await;
    assert!(lists(&app.query(AGENCIES).await, "TEST-NGO"));
    assert_eq!(lookups(&app, "miss").await, 2);
}

#[tokio::test]
async fn a_write_through_another_replica_reaches_this_cache_within_the_release_check() {
    let a = TestApp::spawn().await;
    let b = a.replica(|c| c.cache.release_check_ms = 50).await;
    assert!(!lists(&b.query(AGENCIES).await, "TEST-NGO"));
    assert!(!lists(&b.query(AGENCIES).await, "TEST-NGO"));
    assert_eq!(
        lookups(&b, "bytes").await,
        1,
        "the second answer came from memory, as the bytes of the identical request"
    );
    create_agency(&a, "TEST-NGO").await;
    // Within B's release check (SQLite), or once the database's notification has reached B
    // (PostgreSQL).
    let mut reached = false;
    for _ in 0..500 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if lists(&b.query(AGENCIES).await, "TEST-NGO") {
            reached = true;
            break;
        }
    }
    assert!(reached, "the edit made through A reached B's cache");
}

#[tokio::test]
async fn without_redis_the_cache_stays_in_the_process_and_service_goes_on() {
    let app = TestApp::spawn_with(|c| c.redis_url = Some("redis://127.0.0.1:1".to_owned())).await;
    let first = app.query(Q).await;
    assert!(first.get("errors").is_none(), "{first}");
    assert_eq!(app.query(Q).await, first);
    // The same document written differently: the normalized tier.
    assert_eq!(app.query(&format!("{Q} ")).await, first);
    assert_eq!(
        (
            lookups(&app, "miss").await,
            lookups(&app, "bytes").await,
            lookups(&app, "local").await
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
#[ignore = "needs Redis: set CTIP_TEST_REDIS_URL and run with --include-ignored (.ci/run does)"]
async fn replicas_share_answers_through_redis_and_a_write_invalidates_them_all() {
    let redis = std::env::var("CTIP_TEST_REDIS_URL")
        .expect("CTIP_TEST_REDIS_URL names the Redis the replicas share answers through");
    let prefix = format!(
        "ctip-test-rc:{}:{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    );
    let configure = |c: &mut ctip_api::config::ServeConfig| {
        c.redis_url = Some(redis.clone());
        c.cache.response_cache_prefix = prefix.clone();
        c.cache.release_check_ms = 50;
    };
    let a = TestApp::spawn_with(configure).await;
    let b = a.replica(configure).await;
    let answer = a.query(Q).await;
    assert_eq!(lookups(&a, "miss").await, 1);
    // A stores the answer in Redis just after answering.
    let client = redis::Client::open(redis.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut stored: Vec<String> = Vec::new();
    for _ in 0..100 {
        stored = redis::AsyncCommands::keys(&mut conn, format!("{prefix}:*"))
            .await
            .unwrap();
        if !stored.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(stored.len(), 1, "{stored:?}");
    // B finds it there and runs no query for it.
    b.query("{ __typename }").await;
    let before = b.counter(STATEMENTS).await;
    assert_eq!(b.query(Q).await, answer);
    assert_eq!(b.counter(STATEMENTS).await, before, "a shared hit ran SQL");
    assert_eq!(lookups(&b, "shared").await, 1);
    // A write through B: neither A (within its release check) nor B serves the old list again,
    // from memory or from Redis.
    assert!(!lists(&a.query(AGENCIES).await, "TEST-NGO"));
    create_agency(&b, "TEST-NGO").await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(lists(&a.query(AGENCIES).await, "TEST-NGO"));
    assert!(lists(&b.query(AGENCIES).await, "TEST-NGO"));
}
