//! The CSV export serves the numbers of caseStatistics, protected the same way.
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn csv_export(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/export/case-statistics.csv?{query}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_csv_holds_the_same_numbers_as_graphql_with_a_bom_and_a_file_name() {
    let app = TestApp::spawn().await;
    let resp = csv_export(
        &app,
        "metric=VICTIMS_IDENTIFIED&period=2024&groupBy=REGION&lang=vi",
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("attachment") && disposition.contains("demo-1"),
        "{disposition}"
    );
    assert!(
        resp.headers()["link"]
            .to_str()
            .unwrap()
            .contains("meta.json")
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "UTF-8 byte order mark for spreadsheet apps"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let gql = app
        .query(r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: "2024" }, groupBy: [REGION]) { rows { region { code nameVi } value { value status display } } total { value display } } }"#)
        .await;
    let rows = gql["data"]["caseStatistics"]["rows"].as_array().unwrap();
    assert_eq!(
        records.len(),
        rows.len() + 1,
        "one line per group and the total"
    );
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (rec, row) in records.iter().zip(rows) {
        assert_eq!(
            &rec[col("region_code")],
            row["region"]["code"].as_str().unwrap()
        );
        assert_eq!(
            &rec[col("region_name")],
            row["region"]["nameVi"].as_str().unwrap()
        );
        assert_eq!(
            &rec[col("display")],
            row["value"]["display"].as_str().unwrap()
        );
        assert_eq!(
            &rec[col("status")],
            row["value"]["status"].as_str().unwrap()
        );
        let v = &rec[col("value")];
        assert_eq!(v.parse::<i64>().ok(), row["value"]["value"].as_i64());
        if let Ok(v) = v.parse::<i64>() {
            assert!(!(1..=4).contains(&v));
        }
    }
    let total = records.last().unwrap();
    assert_eq!(&total[0], "total");
    assert_eq!(
        &total[col("display")],
        gql["data"]["caseStatistics"]["total"]["display"]
            .as_str()
            .unwrap()
    );
}

#[tokio::test]
async fn the_csv_refuses_what_graphql_refuses_with_the_same_codes() {
    let app = TestApp::spawn().await;
    for (query, status, code) in [
        (
            "metric=VICTIMS_IDENTIFIED&period=2024-07&ageGroup=UNDER_16&groupBy=REGION",
            400,
            "GRAIN_NOT_ALLOWED",
        ),
        ("period=2024", 400, "BAD_USER_INPUT"),
        ("metric=NOPE", 400, "BAD_USER_INPUT"),
        (
            "metric=VICTIMS_IDENTIFIED&groupBy=REGION,NOPE",
            400,
            "BAD_USER_INPUT",
        ),
        ("metric=VICTIMS_IDENTIFIED&release=1999", 404, "NOT_FOUND"),
        ("metric=VICTIMS_IDENTIFIED&where=1", 400, "BAD_USER_INPUT"),
    ] {
        let resp = csv_export(&app, query).await;
        assert_eq!(resp.status(), status, "{query}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn the_sidecar_states_source_release_licence_and_method() {
    let app = TestApp::spawn().await;
    let meta: Value = app
        .client
        .get(app.url("/export/case-statistics.meta.json?metric=VICTIMS_IDENTIFIED&period=2024&groupBy=REGION"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["release"]["code"], "demo-1");
    assert!(meta["licence"].as_str().unwrap().contains("CC BY"));
    assert!(meta["method"].as_str().unwrap().contains("<5"));
    assert_eq!(meta["sources"], json!([meta["sources"][0].clone()]));
    assert_eq!(
        meta["sources"][0]["synthetic"], true,
        "the demo data says it is synthetic"
    );
}

fn header_u64(r: &reqwest::Response, name: &str) -> u64 {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header: {:?}", r.headers()))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_csv_export_pays_from_the_rate_limit_shows_the_budget_and_gets_429_when_over() {
    let app = TestApp::spawn_with(|c| c.rate_limit.rate_limit_points = 3).await;
    let q = "metric=VICTIMS_IDENTIFIED&period=2024";
    let first = csv_export(&app, q).await;
    assert_eq!(first.status(), 200);
    assert_eq!(header_u64(&first, "x-ratelimit-limit"), 3);
    assert_eq!(header_u64(&first, "x-ratelimit-used"), 1);
    assert!(header_u64(&first, "x-ratelimit-reset") > 1_700_000_000);
    // The sidecar is paid from the same budget.
    let meta = app
        .client
        .get(app.url(&format!("/export/case-statistics.meta.json?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(header_u64(&meta, "x-ratelimit-used"), 2);
    assert_eq!(csv_export(&app, q).await.status(), 200);
    let refused = csv_export(&app, q).await;
    assert_eq!(refused.status(), 429);
    assert!(header_u64(&refused, "retry-after") >= 1);
    assert_eq!(header_u64(&refused, "x-ratelimit-remaining"), 0);
    assert_eq!(refused.headers()["cache-control"], "no-store");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    // GraphQL shares the budget: it is spent there too.
    let gql = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ dataset { title } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(gql.status(), 429);
    assert_eq!(
        app.counter("ctip_rate_limit_refusals_total").await,
        2,
        "both refusals are counted"
    );
}

#[tokio::test]
async fn an_export_costs_by_the_rows_it_can_list_as_case_statistics_does() {
    let app = TestApp::spawn_with(|c| c.rate_limit.rate_limit_points = 100_000).await;
    let small = csv_export(&app, "metric=VICTIMS_IDENTIFIED&period=2024").await;
    let used = header_u64(&small, "x-ratelimit-used");
    assert_eq!(used, 1);
    // 63 + 34 provinces × 12 months × 10 destinations: 11,640 rows at most, about 116 points.
    let large = csv_export(
        &app,
        "metric=VICTIMS_IDENTIFIED&period=2024&groupBy=REGION,PERIOD,DESTINATION&periodGranularity=MONTH",
    )
    .await;
    assert_eq!(large.status(), 200);
    let cost = header_u64(&large, "x-ratelimit-used") - used;
    // What caseStatistics costs: 1, a field per column (11), a point of complexity per row; a
    // point of budget per 100 of complexity, and 1.
    assert_eq!(cost, 1 + (1 + 11 + 97 * 12 * 10) / 100, "{cost}");
}

#[tokio::test]
async fn the_row_limit_is_checked_before_the_group_by_runs() {
    let app = TestApp::spawn().await;
    // Without the table of counts any GROUP BY fails: a refusal that comes first never runs one.
    app.db
        .execute_unprepared("ALTER TABLE case_count RENAME TO case_count_hidden")
        .await
        .unwrap();
    let over = "metric=VICTIMS_IDENTIFIED&period=2024&groupBy=REGION,PERIOD,DESTINATION,EXPLOITATION_FORM&periodGranularity=MONTH";
    let resp = csv_export(&app, over).await;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("rows"),
        "{body}"
    );
    let gql = app
        .query(r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: "2024" }, groupBy: [REGION, PERIOD, DESTINATION, EXPLOITATION_FORM], periodGranularity: MONTH) { total { display } } }"#)
        .await;
    assert_eq!(crate::helpers::error_code(&gql), "BAD_USER_INPUT", "{gql}");
}

#[tokio::test]
async fn the_csv_export_times_out_with_a_coded_error_and_is_counted_in_the_metrics() {
    let app = TestApp::spawn_with(|c| c.limits.execution_timeout_ms = 0).await;
    let resp = csv_export(&app, "metric=VICTIMS_IDENTIFIED&period=2024&groupBy=REGION").await;
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
    csv_export(&app, "metric=NOPE").await;
    let text = app.metrics_text().await;
    for line in [
        r#"ctip_graphql_operations_total{operation="export:case-statistics.csv"} 2"#,
        r#"ctip_graphql_errors_total{operation="export:case-statistics.csv",code="TIMEOUT"} 1"#,
        r#"ctip_graphql_errors_total{operation="export:case-statistics.csv",code="BAD_USER_INPUT"} 1"#,
        r#"ctip_graphql_operation_duration_seconds_count{operation="export:case-statistics.csv"} 2"#,
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(line)),
            "no {line} in\n{text}"
        );
    }
}
