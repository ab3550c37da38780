//! Cost and shape limits: every refusal is a coded GraphQL error that states the limit, and a
//! refused request runs nothing (no SQL statement), batches included.
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const STATEMENTS: &str = "ctip_db_statements_total";

async fn refused(resp: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status(), status);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&v), code, "{v}");
    assert!(v.get("data").is_none(), "{v}");
    v
}

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused_with_query_too_deep_stating_the_limit() {
    let app = TestApp::spawn_with(|c| c.limits.max_depth = 4).await;
    let ok = app
        .post(&json!({ "query": "{ region(code: \"VN\") { parent { parent { code } } } }" }))
        .await;
    assert_eq!(ok.status(), 200);
    let q = "{ region(code: \"VN\") { parent { parent { parent { code } } } } }";
    let v = refused(
        app.post(&json!({ "query": q })).await,
        400,
        "QUERY_TOO_DEEP",
    )
    .await;
    assert!(v["errors"][0]["message"].as_str().unwrap().contains('4'));
}

#[tokio::test]
async fn page_sizes_multiply_the_cost_and_a_query_over_the_limit_is_refused_before_running() {
    let app = TestApp::spawn().await;
    let q = |n: u32| {
        format!(
            "{{ agencies(first: {n}) {{ edges {{ node {{ activities(first: {n}) {{ edges {{ node {{ id title kind status startDate endDate }} }} }} }} }} }} }}"
        )
    };
    let cheap = app.post(&json!({ "query": q(5) })).await;
    assert_eq!(cheap.status(), 200);
    let before = app.counter(STATEMENTS).await;
    let v = refused(
        app.post(&json!({ "query": q(100) })).await,
        400,
        "QUERY_TOO_COMPLEX",
    )
    .await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 50000"),
        "{v}"
    );
    assert_eq!(app.counter(STATEMENTS).await, before, "nothing ran");
}

#[tokio::test]
async fn a_page_size_given_as_a_variable_counts_too() {
    let app = TestApp::spawn_with(|c| c.limits.max_complexity = 200).await;
    let q = "query($n: Int) { regions(first: $n) { edges { node { code name } } } }";
    let ok = app
        .post(&json!({ "query": q, "variables": { "n": 10 } }))
        .await;
    assert_eq!(ok.status(), 200);
    refused(
        app.post(&json!({ "query": q, "variables": { "n": 100 } }))
            .await,
        400,
        "QUERY_TOO_COMPLEX",
    )
    .await;
}

#[tokio::test]
async fn a_batch_costs_the_sum_of_its_parts_and_runs_nothing_when_over_the_limit() {
    let app = TestApp::spawn_with(|c| c.limits.max_complexity = 250).await;
    let part = json!({ "query": "{ regions(first: 40) { edges { node { code name } } } }" });
    let one = app.post(&json!([part])).await;
    assert_eq!(one.status(), 200);
    let before = app.counter(STATEMENTS).await;
    refused(
        app.post(&json!([part, part])).await,
        400,
        "QUERY_TOO_COMPLEX",
    )
    .await;
    assert_eq!(app.counter(STATEMENTS).await, before, "nothing ran");
}

#[tokio::test]
async fn a_batch_with_one_part_over_a_shape_limit_runs_none_of_its_parts() {
    let app = TestApp::spawn_with(|c| c.limits.max_depth = 3).await;
    let before = app.counter(STATEMENTS).await;
    let body = json!([
        { "query": "{ dataset { title } }" },
        { "query": "{ region(code: \"VN\") { parent { parent { parent { code } } } } }" }
    ]);
    refused(app.post(&body).await, 400, "QUERY_TOO_DEEP").await;
    assert_eq!(app.counter(STATEMENTS).await, before, "nothing ran");
}

#[tokio::test]
async fn a_batch_longer_than_the_limit_is_refused_with_batch_too_large() {
    let app = TestApp::spawn_with(|c| c.limits.max_batch = 3).await;
    let part = json!({ "query": "{ dataset { title } }" });
    let ok = app.post(&json!([part, part, part])).await;
    assert_eq!(ok.status(), 200);
    let v = refused(
        app.post(&json!([part, part, part, part])).await,
        400,
        "BATCH_TOO_LARGE",
    )
    .await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 3")
    );
}

#[tokio::test]
async fn aliases_and_repeated_fields_over_the_limits_are_refused_with_query_too_complex() {
    let app = TestApp::spawn_with(|c| {
        c.limits.max_aliases = 3;
        c.limits.max_repeated_fields = 2;
    })
    .await;
    let aliases: String = (0..4)
        .map(|i| format!("a{i}: dataset {{ title }} "))
        .collect();
    refused(
        app.post(&json!({ "query": format!("{{ {aliases} }}") }))
            .await,
        400,
        "QUERY_TOO_COMPLEX",
    )
    .await;
    refused(
        app.post(&json!({ "query": "{ dataset { title title title } }" }))
            .await,
        400,
        "QUERY_TOO_COMPLEX",
    )
    .await;
}

#[tokio::test]
async fn documents_variables_and_bodies_over_their_sizes_are_refused_with_413() {
    let app = TestApp::spawn_with(|c| {
        c.limits.max_document_bytes = 1_000;
        c.limits.max_variables_bytes = 1_000;
        c.limits.max_body_bytes = 4_000;
    })
    .await;
    let padded = format!("{{ dataset {{ title }} }} # {}", "x".repeat(1_000));
    refused(
        app.post(&json!({ "query": padded })).await,
        413,
        "PAYLOAD_TOO_LARGE",
    )
    .await;
    let vars = json!({ "query": "query($s: String) { dataset { title } }", "variables": { "s": "y".repeat(1_000) } });
    refused(app.post(&vars).await, 413, "PAYLOAD_TOO_LARGE").await;
    let body =
        json!({ "query": "{ dataset { title } }", "extensions": { "pad": "z".repeat(5_000) } });
    refused(app.post(&body).await, 413, "PAYLOAD_TOO_LARGE").await;
}

#[tokio::test]
async fn the_token_count_is_limited() {
    let app = TestApp::spawn_with(|c| c.limits.max_tokens = 20).await;
    let q = "{ dataset { title licence citation synthetic } regions(first: 1) { totalCount edges { cursor } } }";
    let v = refused(
        app.post(&json!({ "query": q })).await,
        400,
        "QUERY_TOO_COMPLEX",
    )
    .await;
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("20"));
}

#[tokio::test]
async fn a_request_running_longer_than_the_execution_timeout_gets_a_coded_timeout() {
    // With no time at all, any operation that waits on the database times out.
    let app = TestApp::spawn_with(|c| c.limits.execution_timeout_ms = 0).await;
    let resp = app
        .post(&json!({ "query": "{ regions(first: 100) { edges { node { name parent { name } } } } }" }))
        .await;
    assert_eq!(resp.status(), 503);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&v), "TIMEOUT", "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("0 ms"));
}

#[tokio::test]
async fn limit_refusals_over_plain_json_follow_validation_errors_with_200() {
    let app = TestApp::spawn_with(|c| c.limits.max_depth = 2).await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/json")
        .json(&json!({ "query": "{ region(code: \"VN\") { parent { parent { code } } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&v), "QUERY_TOO_DEEP");
}
