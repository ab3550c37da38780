//! The 2024 campaign of the source article, its agencies and directed activities; published figures.
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_action_month_2024_has_its_theme_dates_and_sub_campaigns() {
    let app = TestApp::spawn().await;
    let body = app
        .query(r#"{ campaign(slug: "action-month-2024") { nameEn themeEn startDate leadAgency { code } directive { issuer { code } } subCampaigns { slug startDate endDate leadAgency { code } directive { number date } } } }"#)
        .await;
    let c = &body["data"]["campaign"];
    assert_eq!(
        c["themeEn"],
        "No child left behind in the fight against human trafficking"
    );
    assert_eq!(c["startDate"], "2024-07-01");
    assert_eq!(c["leadAgency"]["code"], "SC138");
    let subs = c["subCampaigns"].as_array().unwrap();
    let crackdown = subs
        .iter()
        .find(|s| s["slug"] == "peak-crackdown-2024")
        .unwrap();
    assert_eq!(crackdown["endDate"], "2024-09-30");
    assert_eq!(crackdown["leadAgency"]["code"], "MPS");
    let day = subs
        .iter()
        .find(|s| s["slug"] == "national-day-2024")
        .unwrap();
    assert_eq!(
        day["directive"],
        json!({ "number": "72/BCĐ 138/CP", "date": "2024-06-05" })
    );
}

#[tokio::test]
async fn the_ministry_of_national_defence_was_given_five_directed_tasks() {
    let app = TestApp::spawn().await;
    let body = app
        .query(r#"{ activities(filter: { campaign: "action-month-2024", agency: "MND" }) { totalCount edges { node { kind status sources { code } } } } }"#)
        .await;
    let conn = &body["data"]["activities"];
    assert_eq!(conn["totalCount"], 5);
    let kinds: Vec<&str> = conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    for k in [
        "ENFORCEMENT_OPERATION",
        "BORDER_PATROL",
        "AWARENESS",
        "INTERNATIONAL_COOPERATION",
        "VICTIM_SUPPORT",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    for e in conn["edges"].as_array().unwrap() {
        assert_eq!(e["node"]["status"], "DIRECTED");
        assert_eq!(
            e["node"]["sources"],
            json!([{ "code": "article-action-month-2024" }, { "code": "directive-72-bcd138-2024" }])
        );
    }
}

#[tokio::test]
async fn the_launch_ceremony_is_in_lao_cai_with_the_womens_union() {
    let app = TestApp::spawn().await;
    let body = app
        .query(r#"{ activities(filter: { kind: LAUNCH_EVENT }) { edges { node { startDate leadAgency { code } participatingAgencies { code } region { nameVi } } } } }"#)
        .await;
    let node = &body["data"]["activities"]["edges"][0]["node"];
    assert_eq!(node["leadAgency"]["code"], "MPS");
    assert_eq!(
        node["participatingAgencies"],
        json!([{ "code": "VWU" }, { "code": "PPC-LAO-CAI" }])
    );
    assert_eq!(node["region"]["nameVi"], "Lào Cai");
    assert_eq!(
        node["startDate"],
        serde_json::Value::Null,
        "the article gives no date"
    );
}

#[tokio::test]
async fn campaigns_filter_by_day_and_year() {
    let app = TestApp::spawn().await;
    let body = app
        .query(r#"{ onDay: campaigns(activeOn: "2024-07-30") { totalCount } inOctober: campaigns(activeOn: "2024-10-15") { edges { node { slug } } } y2023: campaigns(year: 2023) { totalCount } }"#)
        .await;
    assert_eq!(body["data"]["onDay"]["totalCount"], 3);
    assert_eq!(
        body["data"]["inOctober"]["edges"],
        json!([{ "node": { "slug": "action-month-2024" } }])
    );
    assert_eq!(body["data"]["y2023"]["totalCount"], 0);
}

#[tokio::test]
async fn published_figures_are_served_as_published_with_their_citation() {
    let app = TestApp::spawn().await;
    let body = app
        .query(r#"{ publishedFigures(year: 2024, metric: "victims", scope: "national") { totalCount edges { node { value unit source { title url } } } } }"#)
        .await;
    let conn = &body["data"]["publishedFigures"];
    assert!(conn["totalCount"].as_u64().unwrap() >= 1, "{body}");
    let node = &conn["edges"][0]["node"];
    assert_eq!(node["value"], 500.0);
    assert!(
        node["source"]["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
}

#[tokio::test]
async fn the_demo_data_is_labelled_synthetic() {
    let app = TestApp::spawn().await;
    let body = app.query("{ dataset { synthetic licence currentRelease { code notes } } sources(first: 100) { edges { node { code synthetic title } } } }").await;
    assert_eq!(body["data"]["dataset"]["synthetic"], true);
    assert!(
        body["data"]["dataset"]["currentRelease"]["notes"]
            .as_str()
            .unwrap()
            .contains("SYNTHETIC")
    );
    let synthetic: Vec<_> = body["data"]["sources"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["synthetic"] == true)
        .collect();
    assert_eq!(synthetic.len(), 1);
    assert!(
        synthetic[0]["node"]["title"]
            .as_str()
            .unwrap()
            .contains("SYNTHETIC")
    );
}
