//! GraphQL over a WebSocket (graphql-transport-ws) goes through what HTTP goes through: shape
//! limits, the rate limit and its cost, the execution timeout, coded errors, the metrics, the
//! message size limit, and the per-operation data `Region.caseTotal` needs.
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use crate::helpers::TestApp;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, init: Value) -> Ws {
    let mut request = format!("ws://{}/graphql", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": init }).to_string(),
    ))
    .await
    .unwrap();
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws
}

async fn next_json(ws: &mut Ws) -> Value {
    let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("an answer")
        .expect("an open connection")
        .expect("a message");
    serde_json::from_str(msg.to_text().unwrap()).unwrap()
}

/// Sends one operation and returns its answer (a `next` payload, then `complete`).
async fn run(ws: &mut Ws, id: &str, query: &str) -> Value {
    ws.send(Message::text(
        json!({ "id": id, "type": "subscribe", "payload": { "query": query } }).to_string(),
    ))
    .await
    .unwrap();
    let msg = next_json(ws).await;
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], id);
    let end = next_json(ws).await;
    assert_eq!(end, json!({ "id": id, "type": "complete" }));
    msg["payload"].clone()
}

fn code(payload: &Value) -> &str {
    payload["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

#[tokio::test]
async fn region_case_total_works_over_a_websocket_as_over_http() {
    let app = TestApp::spawn().await;
    let mut ws = connect(&app, json!({})).await;
    let q = r#"{ region(code: "VN-P63-10") { name caseTotal(metric: VICTIMS_IDENTIFIED, period: "2024") { display } } }"#;
    let over_ws = run(&mut ws, "1", q).await;
    assert!(over_ws.get("errors").is_none(), "{over_ws}");
    let over_http = app.query(q).await;
    assert!(over_http["data"]["region"]["caseTotal"]["display"].is_string());
    assert_eq!(over_ws["data"], over_http["data"]);
}

#[tokio::test]
async fn shape_limits_and_error_codes_apply_over_a_websocket() {
    let app = TestApp::spawn_with(|c| c.limits.max_depth = 2).await;
    let mut ws = connect(&app, json!({})).await;
    let deep = run(
        &mut ws,
        "1",
        r#"query Deep { region(code: "VN") { parent { parent { code } } } }"#,
    )
    .await;
    assert_eq!(code(&deep), "QUERY_TOO_DEEP", "{deep}");
    let broken = run(&mut ws, "2", "{ region(code: ").await;
    assert_eq!(code(&broken), "GRAPHQL_PARSE_FAILED", "{broken}");
    let invalid = run(&mut ws, "3", "{ nope }").await;
    assert_eq!(code(&invalid), "GRAPHQL_VALIDATION_FAILED", "{invalid}");
    let text = app.metrics_text().await;
    let line = r#"ctip_graphql_errors_total{operation="Deep",code="QUERY_TOO_DEEP"} 1"#;
    assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
}

#[tokio::test]
async fn operations_over_a_websocket_pay_from_the_callers_budget() {
    let app = TestApp::spawn_seeded(None, |c| c.rate_limit.rate_limit_points = 2).await;
    let mut ws = connect(&app, json!({})).await;
    for id in ["1", "2"] {
        let ok = run(&mut ws, id, "{ dataset { title } }").await;
        assert!(ok.get("errors").is_none(), "{ok}");
    }
    let refused = run(&mut ws, "3", "{ dataset { title } }").await;
    assert_eq!(code(&refused), "RATE_LIMITED", "{refused}");
    // The budget is the client's, not the connection's: HTTP is refused too.
    let http = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ dataset { title } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(http.status(), 429);
    // A key sent in connection_init is its own client.
    let key = app.key(ctip_api::auth::Role::Editor).await;
    let mut keyed = connect(&app, json!({ "Authorization": format!("Bearer {key}") })).await;
    let ok = run(&mut keyed, "1", "{ dataset { title } }").await;
    assert!(ok.get("errors").is_none(), "{ok}");
}

#[tokio::test]
async fn the_cost_limit_and_the_execution_timeout_apply_over_a_websocket() {
    let app = TestApp::spawn_with(|c| {
        c.limits.max_complexity = 50;
        c.limits.execution_timeout_ms = 0;
    })
    .await;
    let mut ws = connect(&app, json!({})).await;
    let costly = run(
        &mut ws,
        "1",
        "{ regions(first: 100) { edges { node { code } } } }",
    )
    .await;
    assert_eq!(code(&costly), "QUERY_TOO_COMPLEX", "{costly}");
    // A field behind the DataLoader waits out its batching window, so the operation cannot
    // finish before a zero timeout expires.
    let slow = run(
        &mut ws,
        "2",
        "{ regions(first: 2) { edges { node { name parent { code } } } } }",
    )
    .await;
    assert_eq!(code(&slow), "TIMEOUT", "{slow}");
}

#[tokio::test]
async fn a_message_larger_than_an_http_body_closes_the_connection() {
    let app = TestApp::spawn_with(|c| c.limits.max_body_bytes = 4096).await;
    let mut ws = connect(&app, json!({})).await;
    let padding = " ".repeat(8192);
    let _ = ws
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": format!("{{ dataset {{ title }} }}{padding}") } })
                .to_string(),
        ))
        .await;
    let end = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("the server answers");
    match end {
        None | Some(Err(_)) => {}
        Some(Ok(Message::Close(frame))) => {
            let frame = frame.expect("a close code");
            assert_eq!(u16::from(frame.code), 1009, "message too big: {frame:?}");
        }
        Some(Ok(other)) => panic!("the oversized message was read: {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_key_is_refused_at_connection_init() {
    let app = TestApp::spawn().await;
    let mut request = format!("ws://{}/graphql", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer ctip_nope" } })
            .to_string(),
    ))
    .await
    .unwrap();
    let end = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("the server answers");
    match end {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert!(frame.reason.contains("not valid"), "{frame:?}");
        }
        other => panic!("expected the connection closed: {other:?}"),
    }
}
