//! An uncached statistics request runs exactly its `GROUP BY`: regions, the region tree,
//! populations, releases and their months come from the reference data of the current data
//! version, read once per version (`reference`). Where the age group is used, rows and total may
//! read different releases (their age vintages): one `GROUP BY` per release read. Counted through
//! the `ctip_db_statements_total` metric, through the real router, on both databases.
use serde_json::json;

use crate::helpers::TestApp;

/// The province map of one year, with every field the dashboard reads.
const PROVINCE_MAP: &str = r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: "2024" }, groupBy: [REGION]) { rows { region { code name } value { value status display ratePer100k populationYear } } total { value ratePer100k } release { code publishedAt } } }"#;

/// The national monthly series over every year the release holds.
const MONTHLY_SERIES: &str = r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, groupBy: [PERIOD], periodGranularity: MONTH) { rows { period { label start end } value { value ratePer100k } } total { value } } }"#;

/// One province's breakdown by sex and form, V2025, socio-economic regions.
const OTHERS: [&str; 3] = [
    r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { region: "VN-P63-10", period: "2024-Q3" }, groupBy: [SEX, EXPLOITATION_FORM]) { rows { sex exploitationForm value { value ratePer100k } } total { value ratePer100k } } }"#,
    r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: "2024" }, groupBy: [REGION], boundaries: V2025) { rows { region { code } value { value ratePer100k } } } }"#,
    r#"{ caseStatistics(metric: CASES_DETECTED, filter: { region: "VN-RRD" }, groupBy: [REGION, PERIOD], regionLevel: PROVINCE, periodGranularity: QUARTER) { rows { region { code } period { label } value { value } } total { value } } }"#,
];

/// The same request with the age group: rows and total of one vintage when both use age.
const CHILDREN_BY_REGION: &str = r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: "2024", ageGroup: UNDER_16 }, groupBy: [REGION]) { rows { region { code } value { display } } total { display } release { code } } }"#;

/// Grouped by age: the rows use age (their vintage), the total does not (the release asked for).
const BY_AGE: &str = r#"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: "2024" }, groupBy: [AGE_GROUP]) { rows { ageGroup value { display } } total { value } release { code } } }"#;

#[tokio::test]
async fn an_uncached_case_statistics_request_runs_exactly_its_group_by() {
    let app = TestApp::spawn_counting().await;
    for q in [PROVINCE_MAP, MONTHLY_SERIES, CHILDREN_BY_REGION, BY_AGE]
        .into_iter()
        .chain(OTHERS)
    {
        assert_eq!(app.statements_for(q).await, 1, "{q}");
    }
}

#[tokio::test]
async fn region_case_total_adds_exactly_one_group_by_to_a_page_of_regions() {
    let app = TestApp::spawn_counting().await;
    let page = |fields: &str| {
        format!(
            r#"{{ regions(level: PROVINCE, validOn: "2024-12-31", first: 63) {{ edges {{ node {{ code {fields} }} }} }} }}"#
        )
    };
    let plain = app.statements_for(&page("")).await;
    let with_totals = app
        .statements_for(&page(
            r#"caseTotal(metric: VICTIMS_IDENTIFIED, period: "2024") { value ratePer100k populationYear }"#,
        ))
        .await;
    assert_eq!(with_totals, plain + 1);
}

#[tokio::test]
async fn the_csv_export_runs_exactly_its_group_by() {
    let app = TestApp::spawn_counting().await;
    // Looks the data version and its reference data up, as any first request does.
    app.query("{ __typename }").await;
    for q in [
        "metric=VICTIMS_IDENTIFIED&period=2024&groupBy=REGION",
        "metric=VICTIMS_IDENTIFIED&groupBy=PERIOD&periodGranularity=MONTH",
        "metric=VICTIMS_IDENTIFIED&period=2024&ageGroup=UNDER_16&groupBy=REGION",
    ] {
        let before = app.counter("ctip_db_statements_total").await;
        let resp = app
            .client
            .get(app.url(&format!("/export/case-statistics.csv?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{q}");
        resp.bytes().await.unwrap();
        let ran = app.counter("ctip_db_statements_total").await - before;
        assert_eq!(ran, 1, "{q}");
    }
}

#[tokio::test]
async fn after_a_release_the_reference_data_are_the_new_ones_and_age_reads_one_group_by_per_vintage()
 {
    let app = TestApp::spawn_counting().await;
    let admin = app.key(ctip_api::auth::Role::Admin).await;
    assert_eq!(app.statements_for(BY_AGE).await, 1);
    let upsert = "mutation($counts: [CountInput!]!) { upsertCounts(source: \"synthetic-demo\", counts: $counts) { inserted updated } }";
    let wrote = app
        .query_as(
            &admin,
            upsert,
            json!({ "counts": [{ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P34-15", "month": "2026-01", "sex": "FEMALE", "ageGroup": "ADULT", "exploitationForm": "SEXUAL", "destination": "CN", "count": 4 }] }),
        )
        .await;
    assert!(wrote.get("errors").is_none(), "{wrote}");
    let published = app
        .query_as(
            &admin,
            "mutation { publishRelease(notes: \"January 2026\") { code } }",
            json!({}),
        )
        .await;
    let code = published["data"]["publishRelease"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{published}"))
        .to_owned();
    // The new release is the current one, and its months are known: January 2026 is listed.
    let series = app.query(MONTHLY_SERIES).await;
    let labels: Vec<&str> = series["data"]["caseStatistics"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"]["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.last(), Some(&"2026-01"), "{series}");
    let by_age = app.query(BY_AGE).await;
    assert_eq!(
        by_age["data"]["caseStatistics"]["release"]["code"],
        code.as_str()
    );
    // Rows by age keep the first release's values of 2024 (their vintage); the total without age
    // is the new release's: two releases read, one GROUP BY each.
    assert_eq!(app.statements_for(BY_AGE).await, 2);
    // With age in the filter, rows and total share the vintage: one GROUP BY.
    assert_eq!(app.statements_for(CHILDREN_BY_REGION).await, 1);
    assert_eq!(app.statements_for(PROVINCE_MAP).await, 1);
}
