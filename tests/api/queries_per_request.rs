//! Lists cost a fixed number of SQL statements, whatever their length: every field resolved once
//! per item is batched (counted through the `ctip_db_statements_total` metric).
use crate::helpers::TestApp;

#[tokio::test]
async fn regions_with_parent_and_population_cost_the_same_for_5_or_100_regions() {
    let app = TestApp::spawn().await;
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

#[tokio::test]
async fn campaigns_with_activities_agencies_and_regions_cost_the_same_for_1_or_all() {
    let app = TestApp::spawn().await;
    let q = |n: u32| {
        format!(
            "{{ campaigns(first: {n}) {{ edges {{ node {{ leadAgency {{ name }} activities(first: 100) {{ edges {{ node {{ title leadAgency {{ name }} participatingAgencies {{ name }} region {{ name }} sources {{ title }} }} }} }} }} }} }} }}"
        )
    };
    let one = app.statements_for(&q(1)).await;
    let all = app.statements_for(&q(3)).await;
    assert_eq!(one, all, "statements grew with the number of campaigns");
}

#[tokio::test]
async fn agencies_with_their_activities_cost_the_same_for_2_or_all() {
    let app = TestApp::spawn().await;
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
