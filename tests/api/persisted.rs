//! Automatic persisted queries (POST and GET) and the trusted-documents mode.
use ctip_api::http::sha256_hex;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const DOC: &str = "{ region(code: \"VN\") { code } }";

fn pq(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn body(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn an_unknown_hash_is_persisted_query_not_found_until_the_document_is_sent_once() {
    let app = TestApp::spawn().await;
    let hash = sha256_hex(DOC);
    let (status, v) = body(app.post(&json!({ "extensions": pq(&hash) })).await).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&v), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(v["errors"][0]["message"], "PersistedQueryNotFound");
    let (status, v) = body(
        app.post(&json!({ "query": DOC, "extensions": pq(&hash) }))
            .await,
    )
    .await;
    assert_eq!((status, &v["data"]["region"]["code"]), (200, &json!("VN")));
    let (status, v) = body(app.post(&json!({ "extensions": pq(&hash) })).await).await;
    assert_eq!((status, &v["data"]["region"]["code"]), (200, &json!("VN")));
}

#[tokio::test]
async fn a_persisted_query_runs_over_get_with_a_short_cacheable_url() {
    let app = TestApp::spawn().await;
    let hash = sha256_hex(DOC);
    app.post(&json!({ "query": DOC, "extensions": pq(&hash) }))
        .await;
    let resp = app
        .client
        .get(app.url("/graphql"))
        .query(&[("extensions", pq(&hash).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["data"]["region"]["code"], "VN");
}

#[tokio::test]
async fn a_hash_that_is_not_the_documents_is_refused() {
    let app = TestApp::spawn().await;
    let (status, v) = body(
        app.post(&json!({ "query": DOC, "extensions": pq(&"0".repeat(64)) }))
            .await,
    )
    .await;
    assert_eq!((status, error_code(&v)), (400, "BAD_REQUEST"));
    let (status, v) = body(app.post(&json!({ "extensions": pq("abc") })).await).await;
    assert_eq!((status, error_code(&v)), (400, "BAD_REQUEST"));
}

#[tokio::test]
async fn get_takes_operation_name_as_graphql_over_http_names_it() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query A { region(code: \"VN\") { code } } query B { dataset { title } }",
            ),
            ("operationName", "B"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert!(v["data"]["dataset"]["title"].is_string(), "{v}");
}

#[tokio::test]
async fn in_trusted_documents_mode_only_listed_documents_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trusted.json");
    let hash = sha256_hex(DOC);
    std::fs::write(&file, json!({ hash.clone(): DOC }).to_string()).unwrap();
    let app = TestApp::spawn_with(|c| c.trusted_documents = Some(file)).await;
    let (status, v) = body(app.post(&json!({ "query": DOC })).await).await;
    assert_eq!((status, &v["data"]["region"]["code"]), (200, &json!("VN")));
    let (status, v) = body(app.post(&json!({ "extensions": pq(&hash) })).await).await;
    assert_eq!((status, &v["data"]["region"]["code"]), (200, &json!("VN")));
    let other = "{ dataset { title } }";
    let (status, v) = body(app.post(&json!({ "query": other })).await).await;
    assert_eq!((status, error_code(&v)), (400, "DOCUMENT_NOT_TRUSTED"));
    // Registering a new document through APQ is not a way in.
    let (_, v) = body(
        app.post(&json!({ "query": other, "extensions": pq(&sha256_hex(other)) }))
            .await,
    )
    .await;
    assert_eq!(error_code(&v), "DOCUMENT_NOT_TRUSTED");
}
