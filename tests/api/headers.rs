//! Security headers, CORS from configuration (on error responses too) and compression.
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn json_responses_carry_the_security_headers_and_a_locked_down_csp() {
    let app = TestApp::spawn().await;
    let resp = app.post(&json!({ "query": "{ dataset { title } }" })).await;
    let h = resp.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

#[tokio::test]
async fn the_graphiql_page_has_its_own_csp_allowing_inline_script_and_style_from_self() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(csp.contains("style-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn any_origin_is_allowed_by_default_even_on_400_and_415_answers() {
    let app = TestApp::spawn().await;
    for (body, ct, status) in [
        ("{not json", "application/json", 400),
        ("{}", "text/plain", 415),
        (
            r#"{"query": "{ dataset { title } }"}"#,
            "application/json",
            200,
        ),
    ] {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .header("origin", "https://dashboard.example")
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status);
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
        assert!(
            resp.headers()
                .get("access-control-allow-credentials")
                .is_none()
        );
    }
}

#[tokio::test]
async fn configured_origins_are_the_only_ones_allowed() {
    let app = TestApp::spawn_with(|c| {
        c.http.cors_origins = vec!["https://ngo.example".into(), "https://news.example".into()];
    })
    .await;
    let ask = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = ask("https://news.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://news.example"
    );
    let other = ask("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn graphiql_assets_are_compressed_with_gzip_or_br_on_request() {
    let app = TestApp::spawn().await;
    for encoding in ["gzip", "br"] {
        let resp = app
            .client
            .get(app.url("/graphiql/graphiql.min.js"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-encoding"], encoding);
        let compressed = resp.bytes().await.unwrap().len();
        let plain = app
            .client
            .get(app.url("/graphiql/graphiql.min.js"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len();
        assert!(
            compressed * 2 < plain,
            "{encoding}: {compressed} of {plain}"
        );
    }
}
