//! GraphQL over HTTP: media types, status codes, GET for queries only, GraphiQL offline, the
//! non-GraphQL routes.
use serde_json::{Value, json};

use crate::helpers::TestApp;

const GQL_JSON: &str = "application/graphql-response+json";

#[tokio::test]
async fn a_get_query_works_and_a_get_mutation_is_refused_with_405_and_allow() {
    let app = TestApp::spawn().await;
    let ok = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ region(code: \"VN\") { code } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap()["data"]["region"]["code"],
        "VN"
    );
    let refused = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { x }")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers()["allow"], "POST");
}

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "{ dataset { title } }" });
    for (accept, expected) in [
        (Some(GQL_JSON), GQL_JSON),
        (Some("application/json"), "application/json"),
        (Some("*/*"), "application/json"),
        (None, "application/json"),
        (Some("application/graphql-response+json, */*"), GQL_JSON),
        (
            Some("application/json;q=0.9, application/graphql-response+json"),
            GQL_JSON,
        ),
    ] {
        let mut req = app.client.post(app.url("/graphql")).json(&body);
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with(expected), "Accept {accept:?} gave {ct}");
    }
    let none = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "text/csv")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 406);
}

#[tokio::test]
async fn malformed_requests_get_400_or_415_with_a_coded_error() {
    let app = TestApp::spawn().await;
    let post = |body: &'static str, ct: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("content-type", ct)
            .header("accept", GQL_JSON)
            .body(body)
            .send()
    };
    for (body, ct, status) in [
        ("{not json", "application/json", 400),
        (r#"{"variables": {}}"#, "application/json", 400),
        (r#"{"query": 42}"#, "application/json", 400),
        (r#"{"query": "{ dataset { title } }"}"#, "text/plain", 415),
        ("query=x", "application/x-www-form-urlencoded", 415),
    ] {
        let resp = post(body, ct).await.unwrap();
        assert_eq!(resp.status(), status, "{body} as {ct}");
        let v: Value = resp.json().await.unwrap();
        assert!(v["errors"][0]["extensions"]["code"].is_string(), "{v}");
        assert!(v.get("data").is_none());
    }
}

#[tokio::test]
async fn a_validation_error_is_400_for_graphql_response_json_and_200_for_json_without_data() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "{ noSuchField }" });
    let strict = app
        .client
        .post(app.url("/graphql"))
        .header("accept", GQL_JSON)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(strict.status(), 400);
    let v: Value = strict.json().await.unwrap();
    assert!(v.get("data").is_none());
    assert_eq!(
        v["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let legacy = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 200);
}

#[tokio::test]
async fn a_field_error_is_200_with_a_code_and_partial_data() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("accept", GQL_JSON)
        .json(&json!({ "query": "{ dataset { title } regions(first: 1000) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(v["errors"][0]["path"], json!(["regions"]));
}

#[tokio::test]
async fn graphiql_is_served_with_its_assets_from_the_server_itself() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/graphiql/graphiql.min.js"));
    assert!(
        !html.contains("https://"),
        "the explorer must not need the internet"
    );
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ] {
        let resp = app
            .client
            .get(app.url(&format!("/graphiql/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{asset}");
        assert!(resp.bytes().await.unwrap().len() > 1000);
    }
}

#[tokio::test]
async fn health_ready_schema_and_metrics_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.client
            .get(app.url("/ready"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let sdl = app
        .client
        .get(app.url("/schema.graphql"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sdl, include_str!("../../schema.graphql"));
    let metrics = app.metrics_text().await;
    assert!(metrics.contains("ctip_db_statements_total"));
}

#[tokio::test]
async fn metrics_are_served_on_the_internal_address_only() {
    let app = TestApp::spawn().await;
    app.query("query Secretive { dataset { title } }").await;
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404, "the public API serves no metrics");
    let internal = app.client.get(app.metrics_url()).send().await.unwrap();
    assert_eq!(internal.status(), 200);
    assert!(
        internal
            .text()
            .await
            .unwrap()
            .contains("operation=\"Secretive\"")
    );
    // The metrics address serves nothing of the API.
    let graphql = app
        .client
        .get(format!(
            "http://{}/graphql?query={{__typename}}",
            app.metrics_addr
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(graphql.status(), 404);
}

#[tokio::test]
async fn a_batch_answers_each_operation_in_order() {
    let app = TestApp::spawn().await;
    let v: Value = app
        .client
        .post(app.url("/graphql"))
        .json(&json!([{ "query": "{ region(code: \"VN\") { code } }" }, { "query": "{ agency(code: \"MPS\") { code } }" }]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v[0]["data"]["region"]["code"], "VN");
    assert_eq!(v[1]["data"]["agency"]["code"], "MPS");
}
