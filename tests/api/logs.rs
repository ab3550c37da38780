//! A client's mistake is answered, not logged as the server failing: the real binary, with JSON
//! logs, is sent every kind of bad request the hostile-input tests send; no line of its log is at
//! ERROR, while the requests themselves are logged.
use serde_json::{Value, json};

use crate::child::{ChildServer, Data};

#[tokio::test]
async fn client_mistakes_are_never_logged_at_error() {
    let mut server = ChildServer::start(Data::Demo, &[("CTIP_RATE_LIMIT_POINTS", "40")]);
    let client = reqwest::Client::new();
    let post = |body: String, content_type: &'static str| {
        client
            .post(server.url("/graphql"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let json = |v: Value| v.to_string();
    let deep = format!(
        "{{ {}__typename{} }}",
        "regions { edges { node { children { ".repeat(20),
        " } } } }".repeat(20)
    );
    let aliases: String = (0..10_000).map(|i| format!("a{i}: __typename ")).collect();
    let batch: Vec<Value> = (0..1_000)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let mistakes = [
        ("{ not json".to_owned(), "application/json"),
        (json(json!({ "query": "{ __typename }" })), "text/plain"),
        (json(json!({ "variables": {} })), "application/json"),
        (json(json!({ "query": 42 })), "application/json"),
        (json(json!({ "query": deep })), "application/json"),
        (
            json(json!({ "query": format!("{{ {aliases} }}") })),
            "application/json",
        ),
        (
            json(
                json!({ "query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }" }),
            ),
            "application/json",
        ),
        (
            json(json!({ "query": format!("{{ __typename }} #{}", "x".repeat(5 << 20)) })),
            "application/json",
        ),
        (json(Value::Array(batch)), "application/json"),
        (
            json(
                json!({ "query": "query($n: Int!) { regions(first: $n) { totalCount } }", "variables": { "n": "many" } }),
            ),
            "application/json",
        ),
        (
            json(json!({ "query": "query A { __typename }", "operationName": "B" })),
            "application/json",
        ),
        (
            json(json!({ "query": "{ regions(first: 1000) { totalCount } }" })),
            "application/json",
        ),
        (
            json(
                json!({ "query": "query($f: StatisticsFilter) { caseStatistics(metric: VICTIMS_IDENTIFIED, filter: $f, groupBy: [REGION]) { total { value } } }", "variables": { "f": { "period": "2024-07", "ageGroup": "UNDER_16" } } }),
            ),
            "application/json",
        ),
        (
            json(json!({ "query": "mutation { publishRelease(notes: \"x\") { code } }" })),
            "application/json",
        ),
    ];
    let mut statuses = Vec::new();
    for (body, content_type) in mistakes {
        // The server refuses an oversized body as soon as it knows, and closes: the client may
        // then fail to send the rest (a broken pipe) before it reads the 413.
        let big = body.len() > 100_000;
        match post(body, content_type).await {
            Ok(resp) => statuses.push(resp.status().as_u16()),
            Err(e) => assert!(big, "{e:?}"),
        }
    }
    let with_bad_key = client
        .post(server.url("/graphql"))
        .bearer_auth("ctip_not-a-key")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    statuses.push(with_bad_key.status().as_u16());
    // Past the (small) budget: 429.
    for _ in 0..50 {
        let s = post(
            json(json!({ "query": "{ __typename }" })),
            "application/json",
        )
        .await
        .unwrap()
        .status()
        .as_u16();
        if s == 429 {
            statuses.push(s);
            break;
        }
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| (200..500).contains(s)),
        "a mistake got a server error: {statuses:?}"
    );
    let status = server.terminate(std::time::Duration::from_secs(30)).await;
    assert!(status.success(), "{status:?}");
    let log = server.lines();
    let levels: Vec<(String, &String)> = log
        .iter()
        .filter_map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            Some((v["level"].as_str()?.to_owned(), l))
        })
        .collect();
    assert!(
        levels.iter().filter(|(level, _)| level == "INFO").count() > 3,
        "the log is not being read: {log:?}"
    );
    let errors: Vec<_> = levels
        .iter()
        .filter(|(level, _)| level == "ERROR")
        .collect();
    assert!(
        errors.is_empty(),
        "client mistakes logged at ERROR: {errors:?}"
    );
}
