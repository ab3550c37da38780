//! Only what the public can see changes the data version (and so the cached answers): a release
//! or a catalogue edit, never a draft write. And a dashboard told of a new release gets it.
use ctip_api::auth::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const UPSERT: &str = "mutation($counts: [CountInput!]!) { upsertCounts(source: \"synthetic-demo\", counts: $counts) { inserted } }";
const TOTAL: &str = "{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: \"2024\" }) { total { display } release { code } } }";

/// The value of one series of `ctip_response_cache_lookups_total`, 0 if absent.
async fn lookups(app: &TestApp, outcome: &str) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
async fn a_dashboard_told_of_a_new_release_gets_the_new_release_at_once() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let app = TestApp::spawn().await;
    let (editor, admin) = (app.key(Role::Editor).await, app.key(Role::Admin).await);
    let old = app.query(TOTAL).await;
    let old_code = old["data"]["caseStatistics"]["release"]["code"].clone();
    assert_eq!(app.query(TOTAL).await, old, "held in the cache");
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
    ws.next().await.unwrap().unwrap();
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { releasePublished { code } }" } });
    ws.send(Message::text(subscribe.to_string())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.query_as(
        &editor,
        UPSERT,
        json!({ "counts": [{ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": "2024-07", "count": 40 }] }),
    )
    .await;
    // The release goes out with slower operations in the same request: the event must not wait
    // for them, and the cache must not answer with the old release meanwhile.
    let slow = "{ caseStatistics(metric: VICTIMS_IDENTIFIED, groupBy: [REGION, PERIOD], periodGranularity: MONTH) { rows { value { display } } } }";
    let mut batch =
        vec![json!({ "query": "mutation { publishRelease(notes: \"new month\") { code } }" })];
    batch.extend((0..5).map(|_| json!({ "query": slow })));
    let publishing = {
        let (client, url, admin) = (app.client.clone(), app.url("/graphql"), admin.clone());
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(admin)
                .json(&Value::Array(batch))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    let event = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("an event")
        .unwrap()
        .unwrap();
    let event: Value = serde_json::from_str(event.to_text().unwrap()).unwrap();
    let new_code = event["payload"]["data"]["releasePublished"]["code"].clone();
    assert_ne!(new_code, old_code, "{event}");
    let now = app.query(TOTAL).await;
    assert_eq!(
        now["data"]["caseStatistics"]["release"]["code"], new_code,
        "told of {new_code}, the dashboard got {now}"
    );
    let answers = publishing.await.unwrap();
    assert_eq!(answers[0]["data"]["publishRelease"]["code"], new_code);
}
