//! The in-process response cache: a repeated query runs no SQL, concurrent misses run once, a
//! new release invalidates every answer, failures are not kept.
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
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let after = app.query(q).await;
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
    let once = app.statements_once(Q).await;
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
