//! The first tier of the response cache: the answer to a byte-identical request is sent from
//! stored bytes (found before anything is parsed), in the coding the client accepts, with the
//! ETag of its body; a GET naming that ETag gets 304. Nothing of one client's is kept.
use std::io::Read;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const STATEMENTS: &str = "ctip_db_statements_total";
const MAP: &str = r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: "2024" }, groupBy: [REGION]) { rows { region { code name } value { value display ratePer100k } } total { value } } }"#;

async fn lookups(app: &TestApp, outcome: &str) -> u64 {
    let text = app.metrics_text().await;
    let series = format!(
        "ctip_response_cache_lookups_total{{operation=\"anonymous\",outcome=\"{outcome}\"}} "
    );
    text.lines()
        .find_map(|l| l.strip_prefix(&series)?.trim().parse().ok())
        .unwrap_or(0)
}

async fn post(app: &TestApp, encoding: &str) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .header(ACCEPT_ENCODING, encoding)
        .json(&json!({ "query": MAP }))
        .send()
        .await
        .unwrap()
}

fn decode(encoding: Option<&str>, bytes: &[u8]) -> Value {
    let mut out = Vec::new();
    match encoding {
        Some("br") => {
            brotli::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
        }
        None => out.extend_from_slice(bytes),
        Some(other) => panic!("unexpected coding {other}"),
    }
    serde_json::from_slice(&out).unwrap()
}

async fn answer(resp: reqwest::Response) -> (Option<String>, String, Value) {
    assert_eq!(resp.status(), 200);
    let coding = resp
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_owned());
    let etag = resp.headers()[ETAG].to_str().unwrap().to_owned();
    let body = resp.bytes().await.unwrap();
    let value = decode(coding.as_deref(), &body);
    (coding, etag, value)
}

#[tokio::test]
async fn an_identical_request_gets_the_stored_bytes_in_the_coding_it_accepts() {
    let app = TestApp::spawn().await;
    let (_, etag, first) = answer(post(&app, "br, gzip").await).await;
    assert!(first.get("errors").is_none(), "{first}");
    assert_eq!(lookups(&app, "miss").await, 1);
    let before = app.counter(STATEMENTS).await;
    for (accept, coding) in [
        ("br, gzip", Some("br")),
        ("gzip, deflate", Some("gzip")),
        ("br;q=0, gzip", Some("gzip")),
        ("identity", None),
    ] {
        let (got, tag, value) = answer(post(&app, accept).await).await;
        assert_eq!(got.as_deref(), coding, "{accept}");
        assert_eq!(tag, etag, "{accept}");
        assert_eq!(value, first, "{accept}");
    }
    assert_eq!(lookups(&app, "bytes").await, 4);
    assert_eq!(lookups(&app, "miss").await, 1);
    assert_eq!(app.counter(STATEMENTS).await, before, "a hit ran SQL");
}

#[tokio::test]
async fn a_get_naming_the_etag_of_the_stored_answer_gets_304() {
    let app = TestApp::spawn().await;
    let url = app.url(&format!("/graphql?query={}", url_escape(MAP)));
    let first = app.client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()[ETAG].clone();
    let cache_control = first.headers()["cache-control"].clone();
    first.bytes().await.unwrap();
    let again = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()[ETAG], etag);
    assert_eq!(again.headers()["cache-control"], cache_control);
    assert!(again.bytes().await.unwrap().is_empty());
    assert_eq!(lookups(&app, "bytes").await, 1);
    // Another ETag: the whole answer.
    let other = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn a_stored_answer_carries_nothing_of_one_client_and_credentials_never_reach_it() {
    let app = TestApp::spawn_with(|c| c.rate_limit.rate_limit_points = 1_000).await;
    let first = post(&app, "gzip").await;
    assert!(
        first.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    first.bytes().await.unwrap();
    let hit = post(&app, "gzip").await;
    assert_eq!(lookups(&app, "bytes").await, 1);
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-used",
    ] {
        assert!(hit.headers().get(h).is_none(), "a public answer holds {h}");
    }
    // The budget is still charged for a hit: the client reads it on a private answer.
    let budget = app.query("{ rateLimit { used } }").await;
    assert!(
        budget["data"]["rateLimit"]["used"].as_u64().unwrap() >= 2,
        "{budget}"
    );
    // The same bytes with credentials run the operation (and are never kept).
    let before = app.counter(STATEMENTS).await;
    for _ in 0..2 {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", "Bearer not-a-key")
            .header(ACCEPT_ENCODING, "gzip")
            .json(&json!({ "query": MAP }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
    }
    assert!(app.counter(STATEMENTS).await > before);
    assert_eq!(lookups(&app, "bytes").await, 1);
}

/// Percent-encodes a GET parameter.
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
