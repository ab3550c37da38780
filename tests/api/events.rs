//! Events reach every replica: a release published through one instance reaches the
//! `releasePublished` subscribers of another, and empties its response cache, through the
//! database's notifications (the instances' polls are set far beyond the test's length).
use ctip_api::auth::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use crate::helpers::TestApp;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const UPSERT: &str = "mutation($counts: [CountInput!]!) { upsertCounts(source: \"synthetic-demo\", counts: $counts) { inserted } }";
const CURRENT: &str = "{ dataset { currentRelease { code } } }";

async fn next_json(ws: &mut Ws) -> Value {
    let msg = tokio::time::timeout(std::time::Duration::from_secs(20), ws.next())
        .await
        .expect("a message within 20 s")
        .expect("an open connection")
        .expect("a message");
    serde_json::from_str(msg.to_text().unwrap()).unwrap()
}

/// A WebSocket on `app` subscribed to `releasePublished` (as id "sub").
async fn subscriber(app: &TestApp) -> Ws {
    let mut request = format!("ws://{}/graphql", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text(
        json!({ "type": "connection_init" }).to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    ws.send(Message::text(
        json!({ "id": "sub", "type": "subscribe", "payload": { "query": "subscription { releasePublished { code } }" } })
            .to_string(),
    ))
    .await
    .unwrap();
    // An operation on the same connection, answered after the subscription has started.
    ws.send(Message::text(
        json!({ "id": "q", "type": "subscribe", "payload": { "query": CURRENT } }).to_string(),
    ))
    .await
    .unwrap();
    let answer = next_json(&mut ws).await;
    assert_eq!(
        (answer["id"].as_str(), answer["type"].as_str()),
        (Some("q"), Some("next")),
        "{answer}"
    );
    assert_eq!(
        next_json(&mut ws).await,
        json!({ "id": "q", "type": "complete" })
    );
    ws
}

/// Writes a count into the draft through `app` and publishes it; the new release's code.
async fn publish_through(app: &TestApp) -> String {
    let (editor, admin) = (app.key(Role::Editor).await, app.key(Role::Admin).await);
    let wrote = app
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [{ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": "2024-07", "count": 41 }] }),
        )
        .await;
    assert_eq!(wrote["data"]["upsertCounts"]["inserted"], 1, "{wrote}");
    let published = app
        .query_as(
            &admin,
            "mutation { publishRelease(notes: \"through another replica\") { code } }",
            json!({}),
        )
        .await;
    published["data"]["publishRelease"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{published}"))
        .to_owned()
}

fn current(answer: &Value) -> &Value {
    &answer["data"]["dataset"]["currentRelease"]["code"]
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set CTIP_TEST_DATABASE_URL and run with --include-ignored (.ci/run does)"]
async fn a_release_published_through_one_replica_reaches_the_subscribers_and_the_cache_of_another()
{
    let a = TestApp::spawn().await;
    assert!(
        a.database_url.starts_with("postgres"),
        "CTIP_TEST_DATABASE_URL names the PostgreSQL the replicas share"
    );
    // B looks the data version up by itself every 10 minutes only (the test harness's setting).
    let b = a.replica(|_| {}).await;
    let old = b.query(CURRENT).await;
    assert_eq!(
        b.query(CURRENT).await,
        old,
        "B holds the answer in its cache"
    );
    let mut ws = subscriber(&b).await;
    let code = publish_through(&a).await;
    assert_ne!(current(&old), code.as_str());
    let event = next_json(&mut ws).await;
    assert_eq!(
        event,
        json!({ "id": "sub", "type": "next", "payload": { "data": { "releasePublished": { "code": code } } } }),
        "B's subscriber hears of the release published through A"
    );
    assert_eq!(
        current(&b.query(CURRENT).await),
        code.as_str(),
        "told of the release, a subscriber that refreshes at once gets it from B"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set CTIP_TEST_DATABASE_URL and run with --include-ignored (.ci/run does)"]
async fn a_release_published_from_the_command_line_reaches_the_serving_processes() {
    let a = TestApp::spawn().await;
    assert!(a.database_url.starts_with("postgres"));
    let old = a.query(CURRENT).await;
    let mut ws = subscriber(&a).await;
    let editor = a.key(Role::Editor).await;
    let wrote = a
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [{ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": "2024-07", "count": 41 }] }),
        )
        .await;
    assert_eq!(wrote["data"]["upsertCounts"]["inserted"], 1, "{wrote}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ctip-api"))
        .args(["release", "publish", "--notes", "from the command line"])
        .env("DATABASE_URL", &a.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let event = next_json(&mut ws).await;
    let code = event["payload"]["data"]["releasePublished"]["code"].clone();
    assert!(code.is_string(), "{event}");
    assert_ne!(&code, current(&old));
    assert_eq!(current(&a.query(CURRENT).await), &code);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set CTIP_TEST_DATABASE_URL and run with --include-ignored (.ci/run does)"]
async fn a_replica_whose_notification_connection_was_cut_still_hears_of_the_next_release() {
    use sea_orm::{ConnectionTrait, Statement};
    let a = TestApp::spawn().await;
    assert!(a.database_url.starts_with("postgres"));
    let b = a.replica(|_| {}).await;
    let mut ws = subscriber(&b).await;
    // Cut every connection listening on this schema's channel (A's and B's), as a network
    // failure or a restart of the primary would.
    let schema =
        a.db.query_one_raw(Statement::from_string(
            a.db.get_database_backend(),
            "SELECT current_schema()::text",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    let cut =
        a.db.query_all_raw(Statement::from_string(
            a.db.get_database_backend(),
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE query = 'LISTEN \"ctip_events:{schema}\"'"
            ),
        ))
        .await
        .unwrap();
    assert_eq!(cut.len(), 2, "A and B each listen on one connection");
    let code = publish_through(&a).await;
    let event = next_json(&mut ws).await;
    assert_eq!(
        event["payload"]["data"]["releasePublished"]["code"], code,
        "{event}"
    );
    assert_eq!(current(&b.query(CURRENT).await), code.as_str());
}
