//! HTTP caching: Cache-Control from the schema's hints, a strong ETag, 304 on If-None-Match,
//! no-store on errors.
use reqwest::header::HeaderMap;
use serde_json::json;

use crate::helpers::TestApp;

async fn get(app: &TestApp, query: &str, if_none_match: Option<&str>) -> (u16, HeaderMap, String) {
    let mut req = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query)]);
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

fn cache_control(h: &HeaderMap) -> &str {
    h["cache-control"].to_str().unwrap()
}

#[tokio::test]
async fn reference_data_is_public_for_a_day_and_statistics_for_five_minutes() {
    let app = TestApp::spawn().await;
    let (status, h, _) = get(
        &app,
        "{ regions(first: 2) { edges { node { code name } } } }",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        cache_control(&h),
        "public, max-age=86400, stale-while-revalidate=60"
    );
    assert_eq!(h["vary"], "Accept, Accept-Language, Accept-Encoding");
    let stats = "{ regions(first: 2) { edges { node { code } } } caseStatistics(metric: CASES_DETECTED) { total { display } } }";
    let (status, h, _) = get(&app, stats, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        cache_control(&h),
        "public, max-age=300, stale-while-revalidate=60"
    );
    let totals = "{ regions(first: 2) { edges { node { caseTotal(metric: CASES_DETECTED) { display } } } } }";
    let (_, h, _) = get(&app, totals, None).await;
    assert!(cache_control(&h).contains("max-age=300"), "{h:?}");
}

#[tokio::test]
async fn a_strong_etag_answers_304_to_if_none_match_on_get() {
    let app = TestApp::spawn().await;
    let q = "{ agencies(first: 3) { edges { node { code } } } }";
    let (_, h, body) = get(&app, q, None).await;
    let tag = h["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"') && !tag.starts_with("W/"), "{tag}");
    let (status, h2, body2) = get(&app, q, Some(&tag)).await;
    assert_eq!(status, 304);
    assert!(body2.is_empty());
    assert_eq!(h2["etag"], tag.as_str());
    assert!(cache_control(&h2).starts_with("public"));
    let (status, _, again) = get(&app, q, Some("\"something-else\"")).await;
    assert_eq!((status, again), (200, body));
}

#[tokio::test]
async fn answers_with_errors_are_no_store() {
    let app = TestApp::spawn().await;
    let (status, h, _) = get(&app, "{ regions(first: 1000) { totalCount } }", None).await;
    assert_eq!(status, 200);
    assert_eq!(cache_control(&h), "no-store");
    let (_, h, _) = get(&app, "{ noSuchField }", None).await;
    assert_eq!(cache_control(&h), "no-store");
    let (status, h, _) = get(&app, "mutation { x }", None).await;
    assert_eq!(status, 405);
    assert_eq!(cache_control(&h), "no-store");
    let resp = app
        .post(&json!({ "query": "{ dataset { title } nope }" }))
        .await;
    assert_eq!(resp.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn a_page_alone_is_as_cacheable_as_its_items() {
    let app = TestApp::spawn().await;
    for q in [
        "{ regions(first: 5) { totalCount } }",
        "{ regions(first: 5) { totalCount pageInfo { hasNextPage endCursor } } }",
        "{ agencies { totalCount } campaigns { totalCount } }",
    ] {
        let (status, h, body) = get(&app, q, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            cache_control(&h),
            "public, max-age=86400, stale-while-revalidate=60",
            "{q}"
        );
    }
}
