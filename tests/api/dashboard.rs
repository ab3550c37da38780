//! The public dashboard served by the binary: its pages, its hashed assets, its Content-Security-
//! Policy, its embed page, and its GraphQL documents, which run by hash even in trusted-documents
//! mode. (What it shows is tested in a real browser: web/test/.)
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

/// The dashboard's documents as the build wrote them, hash → document.
fn documents() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/web/dist/persisted-queries.json"
    ))
    .unwrap();
    let map: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    map.into_iter()
        .map(|(h, d)| (h, d.as_str().unwrap().to_owned()))
        .collect()
}

/// Variables the documents need, by operation name.
fn variables(doc: &str) -> (String, Value) {
    let name = doc
        .trim_start_matches("query ")
        .split(['(', ' ', '{'])
        .next()
        .unwrap()
        .to_owned();
    let vars = match name.as_str() {
        "MapStatistics" => {
            json!({ "metric": "VICTIMS_IDENTIFIED", "period": "2024", "boundaries": "V2025" })
        }
        "RegionSeries" => {
            json!({ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-02", "boundaries": "AS_RECORDED" })
        }
        "Trend" => json!({ "metric": "CASES_DETECTED", "region": "VN", "granularity": "QUARTER" }),
        "TrendByRegion" => json!({ "metric": "VICTIMS_IDENTIFIED", "granularity": "YEAR" }),
        "Breakdown" => {
            json!({ "metric": "VICTIMS_IDENTIFIED", "region": "VN", "period": "2024", "groupBy": ["SEX"] })
        }
        "Regions" => json!({ "level": "SOCIO_ECONOMIC_REGION", "validOn": "2024-12-31" }),
        "Campaign" => json!({ "slug": "action-month-2024" }),
        "PublishedFigures" => json!({ "year": 2024 }),
        _ => json!({}),
    };
    (name, vars)
}

async fn get_by_hash(app: &TestApp, hash: &str, name: &str, vars: &Value) -> (u16, Value) {
    let resp = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "application/json")
        .query(&[
            ("operationName", name.to_owned()),
            ("variables", vars.to_string()),
            (
                "extensions",
                json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string(),
            ),
        ])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// The asset paths a page names.
fn assets_of(html: &str) -> Vec<String> {
    html.split("\"/assets/")
        .skip(1)
        .map(|rest| format!("/assets/{}", &rest[..rest.find('"').unwrap()]))
        .collect()
}

#[tokio::test]
async fn the_dashboard_is_served_at_the_root_under_a_strict_policy_and_revalidates() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"app\""));
    // No address of another origin anywhere in the page.
    assert!(!html.contains("http://") && !html.contains("https://"));
    let again = app
        .client
        .get(app.url("/"))
        .header("if-none-match", h["etag"].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // GraphiQL is still where it was.
    let graphiql = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(graphiql.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn every_asset_the_pages_name_is_content_hashed_and_immutable() {
    let app = TestApp::spawn().await;
    let mut seen = 0;
    for page in ["/", "/embed/map"] {
        let html = app
            .client
            .get(app.url(page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let assets = assets_of(&html);
        assert_eq!(assets.len(), 3, "{page}: script, stylesheet, geometry");
        for path in assets {
            let resp = app.client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path}");
            assert_eq!(
                resp.headers()["cache-control"],
                "public, max-age=31536000, immutable",
                "{path}"
            );
            let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
            let ext = path.rsplit('.').next().unwrap();
            let want = match ext {
                "js" => "text/javascript; charset=utf-8",
                "css" => "text/css; charset=utf-8",
                _ => "application/json",
            };
            assert_eq!(ct, want, "{path}");
            // A hashed name: a build that changes a file changes its name.
            let stem = path.rsplit('/').next().unwrap();
            assert!(stem.contains('-') && stem.len() > 12, "{path}");
            seen += 1;
        }
    }
    assert_eq!(seen, 6);
    let missing = app
        .client
        .get(app.url("/assets/app-NOTAHASH.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_embed_page_may_be_framed_by_other_sites_and_the_dashboard_may_not() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/embed/map?metric=VICTIMS_IDENTIFIED&period=2024&release=demo-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("x-frame-options").is_none());
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self';") && csp.ends_with("frame-ancestors *"));
    assert!(resp.text().await.unwrap().contains("data-mode=\"embed\""));
}

#[tokio::test]
async fn the_dashboards_documents_run_by_hash_in_trusted_documents_mode() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trusted.json");
    let other = "{ region(code: \"VN\") { code } }";
    std::fs::write(
        &file,
        json!({ ctip_api::http::sha256_hex(other): other }).to_string(),
    )
    .unwrap();
    let app = TestApp::spawn_with(|c| c.trusted_documents = Some(file)).await;
    let docs = documents();
    assert!(docs.len() >= 10, "{} documents", docs.len());
    for (hash, doc) in &docs {
        assert_eq!(&ctip_api::http::sha256_hex(doc), hash);
        let (name, vars) = variables(doc);
        let (status, v) = get_by_hash(&app, hash, &name, &vars).await;
        assert_eq!(status, 200, "{name}: {v}");
        assert!(v.get("errors").is_none(), "{name}: {v}");
        assert!(v["data"].is_object(), "{name}: {v}");
    }
    // The mode is on: a document neither listed nor the dashboard's is refused.
    let v = app.query("{ dataset { title } }").await;
    assert_eq!(error_code(&v), "DOCUMENT_NOT_TRUSTED");
}

#[tokio::test]
async fn the_dashboards_documents_run_by_hash_with_automatic_persisted_queries_off() {
    let app = TestApp::spawn_with(|c| c.apq_cache_entries = 0).await;
    let (hash, doc) = documents()
        .into_iter()
        .find(|(_, d)| d.starts_with("query MapStatistics"))
        .unwrap();
    let (name, vars) = variables(&doc);
    let (status, v) = get_by_hash(&app, &hash, &name, &vars).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["data"]["caseStatistics"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        34
    );
}
