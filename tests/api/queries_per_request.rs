//! Lists cost a fixed number of SQL statements, whatever their length: every field resolved once
//! per item is batched (counted through the `ctip_db_statements_total` metric, one run each, on an
//! application whose DataLoaders batch deterministically: `TestApp::spawn_counting`).
use ctip_api::auth::Role;
use serde_json::json;

use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn regions_with_parent_and_population_cost_the_same_for_5_or_100_regions() {
    let app = TestApp::spawn_counting().await;
    let q = |n: u32| {
        format!(
            "{{ regions(level: PROVINCE, validOn: \"2024-12-31\", first: {n}) {{ edges {{ node {{ parent {{ name }} population {{ value }} successor {{ name }} }} }} }} }}"
        )
    };
    let small = app.statements_for(&q(5)).await;
    let large = app.statements_for(&q(100)).await;
    assert_eq!(small, large, "statements grew with the number of regions");
    assert!(large <= 6, "{large} statements for one page of regions");
}

/// Twelve more campaigns, each with two activities in different provinces, led by different
/// agencies, with other agencies taking part.
async fn more_campaigns(app: &TestApp) {
    let editor = app.key(Role::Editor).await;
    let agencies = ["MPS", "MND", "MOLISA", "MOFA", "MIC", "SC138"];
    let provinces = [
        "VN-P63-10",
        "VN-P63-02",
        "VN-P63-11",
        "VN-P63-12",
        "VN-P63-14",
    ];
    for i in 0..12 {
        let slug = format!("probe-campaign-{i}");
        let campaign = json!({ "slug": slug, "nameVi": format!("Chiến dịch {i}"), "nameEn": format!("Campaign {i}"), "startDate": "2024-03-01", "leadAgency": agencies[i % 6], "source": "article-action-month-2024" });
        let c = app
            .query_as(
                &editor,
                "mutation($c: CampaignInput!) { createCampaign(input: $c) { slug } }",
                json!({ "c": campaign }),
            )
            .await;
        assert_eq!(c["data"]["createCampaign"]["slug"], slug.as_str(), "{c}");
        for j in 0..2 {
            let activity = json!({ "code": format!("probe-{i}-{j}"), "campaign": slug, "leadAgency": agencies[(i + j) % 6], "participatingAgencies": [agencies[(i + j + 1) % 6], agencies[(i + j + 2) % 6]], "region": provinces[(i + j) % 5], "kind": "AWARENESS", "status": "REPORTED", "titleVi": "Truyền thông", "titleEn": "Awareness", "sources": ["article-action-month-2024"] });
            let a = app
                .query_as(
                    &editor,
                    "mutation($a: ActivityInput!) { createActivity(input: $a) { code } }",
                    json!({ "a": activity }),
                )
                .await;
            assert_eq!(error_code(&a), "<none>", "{a}");
        }
    }
}

#[tokio::test]
async fn campaigns_with_activities_agencies_and_regions_cost_the_same_for_1_or_15() {
    let app = TestApp::spawn_counting().await;
    more_campaigns(&app).await;
    let q = |n: u32| {
        format!(
            "{{ campaigns(first: {n}) {{ totalCount edges {{ node {{ leadAgency {{ name }} activities(first: 100) {{ edges {{ node {{ title leadAgency {{ name }} participatingAgencies {{ name }} region {{ name }} sources {{ title }} }} }} }} }} }} }} }}"
        )
    };
    let all = app.query(&q(20)).await;
    assert_eq!(
        all["data"]["campaigns"]["totalCount"], 15,
        "the 3 campaigns of the demo and 12 more: {all}"
    );
    let one = app.statements_for(&q(1)).await;
    let fifteen = app.statements_for(&q(15)).await;
    assert_eq!(one, fifteen, "statements grew with the number of campaigns");
}

#[tokio::test]
async fn agencies_with_their_activities_cost_the_same_for_2_or_all() {
    let app = TestApp::spawn_counting().await;
    let q = |n: u32| {
        format!(
            "{{ agencies(first: {n}) {{ edges {{ node {{ region {{ name }} activities {{ totalCount edges {{ node {{ campaign {{ slug }} }} }} }} }} }} }} }}"
        )
    };
    // The first 10 include the one agency tied to a province, so both pages load regions.
    assert_eq!(
        app.statements_for(&q(10)).await,
        app.statements_for(&q(100)).await
    );
}
