//! Hostile and broken input: each gets a clear coded answer in bounded time, and the server keeps
//! serving other clients.
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, error_code};

const GQL_JSON: &str = "application/graphql-response+json";
/// What "bounded time" means here, generously for a loaded CI machine.
const BOUND: Duration = Duration::from_secs(5);

/// POSTs a raw body; returns the status and the JSON answer, failing past the time bound.
async fn post_raw(
    app: &TestApp,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let started = Instant::now();
    let resp = tokio::time::timeout(
        BOUND,
        app.client
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .header("accept", GQL_JSON)
            .body(body)
            .send(),
    )
    .await
    .expect("answered in bounded time")
    .unwrap();
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    assert!(started.elapsed() < BOUND);
    (status, v)
}

async fn post_json(app: &TestApp, body: &Value) -> (u16, Value) {
    post_raw(app, "application/json", body.to_string()).await
}

/// The server still answers an ordinary query.
async fn still_serves(app: &TestApp) {
    let v = app.query("{ dataset { title } }").await;
    assert!(v["data"]["dataset"]["title"].is_string(), "{v}");
}

#[tokio::test]
async fn malformed_json_gets_400_bad_request() {
    let app = TestApp::spawn().await;
    let (status, v) = post_raw(
        &app,
        "application/json",
        r#"{"query": "{ dataset { title } }""#,
    )
    .await;
    assert_eq!((status, error_code(&v)), (400, "BAD_REQUEST"));
    still_serves(&app).await;
}

#[tokio::test]
async fn a_wrong_content_type_gets_415() {
    let app = TestApp::spawn().await;
    let (status, v) = post_raw(&app, "application/xml", "<query/>").await;
    assert_eq!((status, error_code(&v)), (415, "UNSUPPORTED_MEDIA_TYPE"));
}

#[tokio::test]
async fn a_missing_query_or_a_query_that_is_a_number_gets_400() {
    let app = TestApp::spawn().await;
    for body in [json!({}), json!({ "query": 42 }), json!({ "query": null })] {
        let (status, v) = post_json(&app, &body).await;
        assert_eq!((status, error_code(&v)), (400, "BAD_REQUEST"), "{body}");
    }
}

#[tokio::test]
async fn ten_thousand_levels_of_nesting_are_refused_as_too_deep() {
    let app = TestApp::spawn().await;
    let q = format!("{}{}", "{a".repeat(10_000), "}".repeat(10_000));
    let (status, v) = post_json(&app, &json!({ "query": q })).await;
    assert_eq!((status, error_code(&v)), (400, "QUERY_TOO_DEEP"));
    still_serves(&app).await;
}

#[tokio::test]
async fn ten_thousand_aliases_are_refused() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..10_000).map(|i| format!("a{i}: __typename ")).collect();
    let q = format!("{{ {aliases} }}");
    // Under the default limits the document is already too large to read.
    let (status, v) = post_json(&app, &json!({ "query": q })).await;
    assert_eq!((status, error_code(&v)), (413, "PAYLOAD_TOO_LARGE"));
    // With the size limits lifted, the alias limit refuses it, before validation's quadratic work.
    let lax = TestApp::spawn_with(|c| {
        c.limits.max_body_bytes = 1 << 20;
        c.limits.max_document_bytes = 1 << 20;
        c.limits.max_tokens = 1 << 20;
    })
    .await;
    let (status, v) = post_json(&lax, &json!({ "query": q })).await;
    assert_eq!((status, error_code(&v)), (400, "QUERY_TOO_COMPLEX"));
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("50 aliases")
    );
}

#[tokio::test]
async fn a_fragment_cycle_is_a_validation_error() {
    let app = TestApp::spawn().await;
    let q = "{ dataset { ...A } } fragment A on Dataset { title ...B } fragment B on Dataset { licence ...A }";
    let (status, v) = post_json(&app, &json!({ "query": q })).await;
    assert_eq!((status, error_code(&v)), (400, "GRAPHQL_VALIDATION_FAILED"));
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cycle")
    );
    still_serves(&app).await;
}

#[tokio::test]
async fn a_five_megabyte_document_gets_413() {
    let app = TestApp::spawn().await;
    let q = format!("{{ dataset {{ title }} }} # {}", "x".repeat(5 << 20));
    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": q }))
        .send()
        .await
        .unwrap();
    // The rest of the body is never read: the client must not send another request on it.
    assert_eq!(resp.headers()["connection"], "close");
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    assert_eq!((status, error_code(&v)), (413, "PAYLOAD_TOO_LARGE"));
    still_serves(&app).await;
}

#[tokio::test]
async fn a_batch_of_a_thousand_operations_is_refused_as_too_large() {
    let app = TestApp::spawn().await;
    let batch: Vec<Value> = (0..1_000)
        .map(|_| json!({ "query": "{ dataset { title } }" }))
        .collect();
    let (status, v) = post_json(&app, &Value::Array(batch)).await;
    assert_eq!((status, error_code(&v)), (400, "BATCH_TOO_LARGE"));
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("1000"));
}

#[tokio::test]
async fn invalid_variables_get_a_coded_error() {
    let app = TestApp::spawn().await;
    let (status, v) = post_json(
        &app,
        &json!({ "query": "{ dataset { title } }", "variables": "n=1" }),
    )
    .await;
    assert_eq!((status, error_code(&v)), (400, "BAD_REQUEST"));
    let q = "query($n: Int) { regions(first: $n) { totalCount } }";
    let (_, v) = post_json(&app, &json!({ "query": q, "variables": { "n": "many" } })).await;
    assert!(
        ["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"].contains(&error_code(&v)),
        "{v}"
    );
    assert!(
        v["errors"][0]["message"].as_str().unwrap().contains("Int"),
        "{v}"
    );
}

#[tokio::test]
async fn an_unknown_operation_name_is_a_coded_request_error() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "query A { dataset { title } }", "operationName": "B" });
    let (status, v) = post_json(&app, &body).await;
    assert_eq!((status, error_code(&v)), (400, "GRAPHQL_VALIDATION_FAILED"));
    assert!(v.get("data").is_none());
}

#[tokio::test]
async fn deeply_nested_introspection_is_refused_as_too_deep() {
    let app = TestApp::spawn().await;
    let q = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(20),
        "} ".repeat(20)
    );
    let (status, v) = post_json(&app, &json!({ "query": q })).await;
    assert_eq!((status, error_code(&v)), (400, "QUERY_TOO_DEEP"));
    // The introspection GraphiQL sends stays within the limits.
    let (status, v) = post_json(&app, &json!({ "query": INTROSPECTION })).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["data"]["__schema"]["types"].is_array());
}

#[tokio::test]
async fn a_body_dribbling_in_is_cut_off_with_408_while_others_are_served() {
    let app = TestApp::spawn_with(|c| c.limits.body_read_timeout_ms = 500).await;
    let (mut reader, mut writer) = TcpStream::connect(app.addr).await.unwrap().into_split();
    let body = r#"{"query": "{ dataset { title } }"}"#;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len() + 1_000
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let dribble = async move {
        for b in body.as_bytes().chunks(3).cycle() {
            if writer.write_all(b).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        std::future::pending::<()>().await;
    };
    let answer = async {
        let mut buf = vec![0u8; 4096];
        let n = reader.read(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let others = async {
        // Meanwhile another client is served at once.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let other = Instant::now();
        still_serves(&app).await;
        assert!(other.elapsed() < Duration::from_millis(400));
    };
    let (response, ()) = tokio::time::timeout(BOUND, async {
        tokio::select! {
            _ = dribble => unreachable!(),
            r = async { tokio::join!(answer, others) } => r,
        }
    })
    .await
    .expect("cut off in bounded time");
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("REQUEST_TIMEOUT"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(2));
    still_serves(&app).await;
}

/// The introspection query GraphiQL sends (graphql-js `getIntrospectionQuery`).
const INTROSPECTION: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name } types { ...FullType } directives { name description locations args { ...InputValue } } } }
fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } } }";

#[tokio::test]
async fn a_request_head_dribbling_in_is_cut_off_while_others_are_served() {
    let app = TestApp::spawn_with(|c| c.limits.header_read_timeout_ms = 500).await;
    let (mut reader, mut writer) = TcpStream::connect(app.addr).await.unwrap().into_split();
    let started = Instant::now();
    let dribble = async move {
        writer.write_all(b"GET /health HTTP/1.1\r\n").await.unwrap();
        for i in 0.. {
            let line = format!("x-slow-{i}: y\r\n");
            if writer.write_all(line.as_bytes()).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        std::future::pending::<()>().await;
    };
    let closed = async {
        // The server closes the connection (hyper may first answer 408).
        let mut buf = vec![0u8; 4096];
        let mut seen = String::new();
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break seen,
                Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    };
    let others = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        still_serves(&app).await;
    };
    let (seen, ()) = tokio::time::timeout(BOUND, async {
        tokio::select! {
            _ = dribble => unreachable!(),
            r = async { tokio::join!(closed, others) } => r,
        }
    })
    .await
    .expect("cut off in bounded time");
    assert!(
        seen.is_empty() || seen.starts_with("HTTP/1.1 408"),
        "{seen}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    still_serves(&app).await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_while_others_are_served() {
    let app = TestApp::spawn_with(|c| c.limits.header_read_timeout_ms = 300).await;
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    // A client that sent two bytes of the HTTP/2 preface and stopped is cut off the same way.
    let mut stalled = TcpStream::connect(app.addr).await.unwrap();
    stalled.write_all(b"PR").await.unwrap();
    let started = Instant::now();
    still_serves(&app).await;
    for conn in [&mut silent, &mut stalled] {
        let mut buf = [0u8; 64];
        let closed = tokio::time::timeout(BOUND, conn.read(&mut buf))
            .await
            .expect("closed in bounded time");
        assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    still_serves(&app).await;
}
