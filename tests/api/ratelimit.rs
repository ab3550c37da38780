//! Rate limits by cost, visible to clients; shared through Redis between instances.
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn post(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> u64 {
    r.headers()[name].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn every_answer_shows_the_budget_and_rate_limit_can_be_queried() {
    let app = TestApp::spawn_seeded(None, |cfg| cfg.rate_limit.rate_limit_points = 50).await;
    let resp = post(
        &app,
        "{ rateLimit { cost limit remaining used resetAt } regions(first: 10) { totalCount } }",
    )
    .await;
    assert_eq!(header(&resp, "x-ratelimit-limit"), 50);
    let (remaining, used) = (
        header(&resp, "x-ratelimit-remaining"),
        header(&resp, "x-ratelimit-used"),
    );
    assert!(header(&resp, "x-ratelimit-reset") > 1_700_000_000);
    let body: Value = resp.json().await.unwrap();
    let rl = &body["data"]["rateLimit"];
    assert_eq!(rl["limit"], 50);
    assert_eq!(rl["used"], used);
    assert_eq!(rl["remaining"], remaining);
    assert_eq!(
        used,
        rl["cost"].as_u64().unwrap(),
        "the first request spent its own cost"
    );
    assert!(rl["resetAt"].is_string());
}

#[tokio::test]
async fn over_budget_a_client_gets_429_with_retry_after_and_a_coded_error() {
    let app = TestApp::spawn_seeded(None, |cfg| cfg.rate_limit.rate_limit_points = 3).await;
    for _ in 0..3 {
        assert_eq!(post(&app, "{ dataset { title } }").await.status(), 200);
    }
    let refused = post(&app, "{ dataset { title } }").await;
    assert_eq!(refused.status(), 429);
    assert!(header(&refused, "retry-after") >= 1);
    assert_eq!(header(&refused, "x-ratelimit-remaining"), 0);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("3 points"),
        "{body}"
    );
    // Another client (an API key) has its own budget.
    let key = app.key(ctip_api::auth::Role::Editor).await;
    let other = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&key)
        .json(&json!({ "query": "{ dataset { title } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn an_expensive_query_costs_more_than_a_cheap_one() {
    let app = TestApp::spawn_seeded(None, |cfg| cfg.rate_limit.rate_limit_points = 1000).await;
    let cheap: Value = post(&app, "{ rateLimit { cost } dataset { title } }")
        .await
        .json()
        .await
        .unwrap();
    let costly: Value = post(&app, "{ rateLimit { cost } regions(first: 100) { edges { node { children { name } parent { name } } } } }").await.json().await.unwrap();
    assert_eq!(cheap["data"]["rateLimit"]["cost"], 1);
    assert!(
        costly["data"]["rateLimit"]["cost"].as_u64().unwrap() > 1,
        "{costly}"
    );
}

#[tokio::test]
async fn case_statistics_costs_by_the_rows_it_can_list() {
    let app = TestApp::spawn_with(|cfg| cfg.rate_limit.rate_limit_points = 100_000).await;
    let cost = |group_by: &str| {
        format!(
            r#"{{ rateLimit {{ cost }} caseStatistics(metric: VICTIMS_IDENTIFIED, filter: {{ period: "2024" }}, groupBy: [{group_by}], periodGranularity: MONTH) {{ total {{ display }} }} }}"#
        )
    };
    let total: Value = post(&app, &cost("")).await.json().await.unwrap();
    assert_eq!(total["data"]["rateLimit"]["cost"], 1, "{total}");
    let table: Value = post(&app, &cost("REGION, PERIOD, DESTINATION"))
        .await
        .json()
        .await
        .unwrap();
    // rateLimit and cost (2), caseStatistics, total and display (3), and a point of complexity
    // for each of the 63 + 34 provinces × 12 months × 10 destinations it can list.
    assert_eq!(
        table["data"]["rateLimit"]["cost"],
        1 + (2 + 3 + 97 * 12 * 10) / 100,
        "{table}"
    );
    // Three copies of the largest table (20,000 rows each) are over the cost limit of 50,000.
    let big = "caseStatistics(metric: VICTIMS_IDENTIFIED, groupBy: [REGION, PERIOD, DESTINATION, EXPLOITATION_FORM], periodGranularity: MONTH) { total { display } }";
    let copies: Value = post(&app, &format!("{{ a: {big} b: {big} c: {big} }}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        copies["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{copies}"
    );
}

#[tokio::test]
async fn an_answer_a_shared_cache_may_keep_carries_no_client_budget() {
    let app = TestApp::spawn_seeded(None, |cfg| cfg.rate_limit.rate_limit_points = 50).await;
    let get = |query: &str| {
        app.client
            .get(app.url("/graphql"))
            .query(&[("query", query)])
            .send()
    };
    let public = get("{ dataset { title } }").await.unwrap();
    assert_eq!(public.status(), 200);
    let cc = public.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cc.starts_with("public"), "{cc}");
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-used",
        "x-ratelimit-reset",
    ] {
        assert!(
            !public.headers().contains_key(name),
            "{name} on an answer a CDN may keep: {:?}",
            public.headers()
        );
    }
    // The request was still paid for: an answer only this client gets shows it.
    let own = get("{ rateLimit { used } }").await.unwrap();
    assert!(
        !own.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("public")
    );
    assert_eq!(header(&own, "x-ratelimit-used"), 2);
}

#[tokio::test]
async fn a_key_sent_with_a_lowercase_bearer_has_its_own_budget() {
    let app = TestApp::spawn_seeded(None, |cfg| cfg.rate_limit.rate_limit_points = 2).await;
    for _ in 0..2 {
        assert_eq!(post(&app, "{ rateLimit { used } }").await.status(), 200);
    }
    assert_eq!(post(&app, "{ rateLimit { used } }").await.status(), 429);
    let key = app.key(ctip_api::auth::Role::Editor).await;
    for scheme in ["bearer", "BEARER"] {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", format!("{scheme} {key}"))
            .json(&json!({ "query": "{ rateLimit { used } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            200,
            "{scheme}: budgeted by the key, not the IP"
        );
    }
}

#[tokio::test]
async fn without_redis_the_budget_falls_back_to_the_process_and_service_goes_on() {
    let app = TestApp::spawn_seeded(None, |cfg| {
        cfg.rate_limit.rate_limit_points = 2;
        cfg.redis_url = Some("redis://127.0.0.1:1".to_owned());
    })
    .await;
    assert_eq!(post(&app, "{ dataset { title } }").await.status(), 200);
    assert_eq!(post(&app, "{ dataset { title } }").await.status(), 200);
    assert_eq!(
        post(&app, "{ dataset { title } }").await.status(),
        429,
        "the in-process budget still holds"
    );
    assert_eq!(app.counter("ctip_rate_limit_refusals_total").await, 1);
}

#[tokio::test]
#[ignore = "needs Redis: set CTIP_TEST_REDIS_URL and run with --include-ignored (.ci/run does)"]
async fn two_instances_share_one_budget_through_redis() {
    let redis = std::env::var("CTIP_TEST_REDIS_URL")
        .expect("CTIP_TEST_REDIS_URL names the Redis this test shares budgets through");
    let prefix = format!(
        "ctip-test:{}:{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    );
    let configure = |cfg: &mut ctip_api::config::ServeConfig| {
        cfg.rate_limit.rate_limit_points = 6;
        cfg.redis_url = Some(redis.clone());
        cfg.rate_limit.rate_limit_prefix = prefix.clone();
    };
    let a = TestApp::spawn_seeded(None, configure).await;
    let b = TestApp::spawn_seeded(None, configure).await;
    for i in 0..6 {
        let app = if i % 2 == 0 { &a } else { &b };
        // An answer only this client gets, so it shows the budget.
        let resp = post(app, "{ rateLimit { used } }").await;
        assert_eq!(resp.status(), 200, "request {i}");
        assert_eq!(
            header(&resp, "x-ratelimit-used"),
            i + 1,
            "both instances count into one budget"
        );
    }
    assert_eq!(post(&a, "{ dataset { title } }").await.status(), 429);
    assert_eq!(post(&b, "{ dataset { title } }").await.status(), 429);
}
