//! The CSV export serves the numbers of caseStatistics, protected the same way.
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
