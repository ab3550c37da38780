//! What applies where the age group is used (disclosure.md §3, §4 rules 2 and 8, §5), through
//! the real schema: no exact zeros, a named period, complete in the release and in the life of
//! every unit served, and the values of the release that first held the period whole.
use entity::{case_count, region};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestCell, error_code};

const STATS: &str = "query($metric: Metric!, $filter: StatisticsFilter, $groupBy: [Dimension!], $level: RegionLevel, $gran: Granularity, $b: Boundaries, $release: ID) {
  caseStatistics(metric: $metric, filter: $filter, groupBy: $groupBy, regionLevel: $level, periodGranularity: $gran, boundaries: $b, release: $release) {
    total { value status display }
    rows { region { code } period { label } sex ageGroup exploitationForm destination value { value status display ratePer100k } }
    release { code notes }
  }
}";

async fn stats(app: &TestApp, vars: Value) -> Value {
    app.query_with(STATS, vars).await
}

fn rows(body: &Value) -> Vec<Value> {
    body["data"]["caseStatistics"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows in {body}"))
        .clone()
}

fn message(body: &Value) -> String {
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn statuses(body: &Value) -> Vec<String> {
    rows(body)
        .iter()
        .map(|r| r["value"]["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn where_age_is_used_no_value_is_an_exact_zero_and_without_age_zeros_stay() {
    let app = TestApp::spawn().await;
    for (filter, group_by) in [
        (
            json!({ "period": "2024", "ageGroup": "UNDER_16" }),
            json!(["REGION", "DESTINATION"]),
        ),
        (json!({ "period": "2024" }), json!(["REGION", "AGE_GROUP"])),
        (
            json!({ "period": "2024-Q3", "ageGroup": "AGE_16_17" }),
            json!(["PERIOD", "SEX"]),
        ),
    ] {
        let body = stats(&app, json!({ "metric": "VICTIMS_IDENTIFIED", "filter": filter, "groupBy": group_by, "gran": "MONTH" })).await;
        let all = rows(&body);
        assert!(all.len() >= 9, "{body}");
        for row in &all {
            let v = &row["value"];
            assert_ne!(v["status"], "ZERO", "{row}");
            assert_ne!(v["display"], "0", "{row}");
            if v["status"] == "SUPPRESSED" {
                assert_eq!(
                    (&v["value"], &v["display"], &v["ratePer100k"]),
                    (&Value::Null, &json!("<5"), &Value::Null)
                );
            }
        }
        assert!(
            all.iter().any(|r| r["value"]["status"] == "SUPPRESSED"),
            "small and empty nodes are suppressed: {filter}"
        );
    }
    // The same split without age shows its empty nodes as exact zeros.
    let body = stats(&app, json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2024" }, "groupBy": ["REGION", "DESTINATION"] })).await;
    assert!(statuses(&body).iter().any(|s| s == "ZERO"));
}

#[tokio::test]
async fn with_age_a_request_names_a_period() {
    let app = TestApp::spawn().await;
    for (filter, group_by) in [
        (json!({ "ageGroup": "UNDER_16" }), json!([])),
        (json!({}), json!(["AGE_GROUP"])),
        (json!({ "ageGroup": "ADULT" }), json!(["PERIOD"])),
    ] {
        let body = stats(
            &app,
            json!({ "metric": "VICTIMS_IDENTIFIED", "filter": filter, "groupBy": group_by }),
        )
        .await;
        assert_eq!(
            error_code(&body),
            "GRAIN_NOT_ALLOWED",
            "{filter} {group_by}"
        );
        assert!(message(&body).contains("name a period"), "{body}");
    }
    let without_age = stats(
        &app,
        json!({ "metric": "VICTIMS_IDENTIFIED", "groupBy": ["SEX"] }),
    )
    .await;
    assert!(without_age.get("errors").is_none(), "{without_age}");
}

#[tokio::test]
async fn with_age_a_period_the_release_holds_only_partly_is_refused_and_named() {
    let app = TestApp::spawn().await;
    // The release now holds January 2026 too: 2026 and its first quarter are partial.
    app.set_cell(
        &TestCell {
            metric: "VICTIMS_IDENTIFIED",
            province: "VN-P34-15",
            year: 2026,
            month: 1,
            sex: "FEMALE",
            age_group: "ADULT",
            exploitation_form: "SEXUAL",
            destination: "CN",
        },
        3,
    )
    .await;
    for period in ["2026", "2026-Q1"] {
        let body = stats(&app, json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": period, "ageGroup": "UNDER_16" } })).await;
        assert_eq!(error_code(&body), "GRAIN_NOT_ALLOWED", "{period}");
        let m = message(&body);
        assert!(
            m.contains("2024-01 to 2026-01") && m.contains(period),
            "{m}"
        );
    }
    // The month itself is complete, and age is served per month at country level.
    let month = stats(&app, json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2026-01", "ageGroup": "UNDER_16" } })).await;
    assert!(month.get("errors").is_none(), "{month}");
    // Without age a partial year is served as it is.
    let year = stats(
        &app,
        json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2026" } }),
    )
    .await;
    assert!(year.get("errors").is_none(), "{year}");
}

#[tokio::test]
async fn children_in_2025_are_refused_for_units_that_lived_part_of_it_and_served_on_v2025() {
    let app = TestApp::spawn().await;
    let ask = |region: &str, b: &str| json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2025", "region": region, "ageGroup": "UNDER_16" }, "b": b });
    // Hà Giang ended in June 2025; Tuyên Quang of 2025 (which it went into) began in July.
    for (region, lived) in [
        ("VN-P63-02", "until 2025-06-30"),
        ("VN-P34-08", "from 2025-07-01"),
    ] {
        let body = stats(&app, ask(region, "AS_RECORDED")).await;
        assert_eq!(error_code(&body), "GRAIN_NOT_ALLOWED", "{region}");
        let m = message(&body);
        assert!(m.contains(lived) && m.contains("V2025"), "{m}");
    }
    let served = stats(&app, ask("VN-P34-08", "V2025")).await;
    assert!(served.get("errors").is_none(), "{served}");
    assert_ne!(served["data"]["caseStatistics"]["total"]["status"], "ZERO");
    // The same by province: as recorded every unit of 2025 lived part of it; on V2025 all 34 are whole.
    let grouped = |b: &str| json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2025", "ageGroup": "UNDER_16" }, "groupBy": ["REGION"], "b": b });
    let recorded = stats(&app, grouped("AS_RECORDED")).await;
    assert_eq!(error_code(&recorded), "GRAIN_NOT_ALLOWED");
    assert!(message(&recorded).contains("other units"), "{recorded}");
    assert_eq!(rows(&stats(&app, grouped("V2025")).await).len(), 34);
    // The country and 2024 are whole either way.
    let country = stats(&app, json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2025", "ageGroup": "UNDER_16" } })).await;
    assert!(country.get("errors").is_none(), "{country}");
    let earlier = stats(&app, json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2024", "region": "VN-P63-02", "ageGroup": "UNDER_16" } })).await;
    assert!(earlier.get("errors").is_none(), "{earlier}");
}

/// The current count of one cell of the demo source.
async fn count_of(app: &TestApp, province: &str, year: i32, month: i32, age: &str) -> i64 {
    let region = region::Entity::find()
        .filter(region::Column::Code.eq(province))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    case_count::Entity::find()
        .filter(case_count::Column::Metric.eq("VICTIMS_IDENTIFIED"))
        .filter(case_count::Column::RegionId.eq(region.id))
        .filter(case_count::Column::Year.eq(year))
        .filter(case_count::Column::Month.eq(month))
        .filter(case_count::Column::Sex.eq("FEMALE"))
        .filter(case_count::Column::AgeGroup.eq(age))
        .filter(case_count::Column::ExploitationForm.eq("SEXUAL"))
        .filter(case_count::Column::Destination.eq("CN"))
        .filter(case_count::Column::ReleaseTo.is_null())
        .one(&app.db)
        .await
        .unwrap()
        .map_or(0, |c| c.n)
}

/// Every age node of 2024 a dashboard can reach, and the province nodes without age.
fn grid() -> Vec<(&'static str, Value)> {
    vec![
        (
            "province × year × age",
            json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2024" }, "groupBy": ["REGION", "AGE_GROUP"] }),
        ),
        (
            "province × year × child × sex",
            json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2024", "ageGroup": "UNDER_16" }, "groupBy": ["REGION", "SEX"] }),
        ),
        (
            "region × quarter × age",
            json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2024" }, "groupBy": ["REGION", "PERIOD", "AGE_GROUP"], "level": "SOCIO_ECONOMIC_REGION", "gran": "QUARTER" }),
        ),
        (
            "country × month × child × form",
            json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2024", "ageGroup": "UNDER_16" }, "groupBy": ["PERIOD", "EXPLOITATION_FORM"], "gran": "MONTH" }),
        ),
        (
            "country × year × every category",
            json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2024" }, "groupBy": ["AGE_GROUP", "SEX", "EXPLOITATION_FORM"] }),
        ),
    ]
}

fn q_filters_on_age(name: &str) -> bool {
    name.contains("child")
}

#[tokio::test]
async fn a_later_release_serves_age_nodes_as_first_published_and_names_the_periods_it_revised() {
    let app = TestApp::spawn().await;
    let admin = app.key(ctip_api::auth::Role::Admin).await;
    let mut first = Vec::new();
    for (_, q) in grid() {
        first.push(stats(&app, q).await);
    }
    let province = |b: &str| json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": "2024", "region": "VN-P63-10" }, "b": b, "release": null });
    let before = stats(&app, province("AS_RECORDED")).await;

    // A revision of a month of 2024 (ten more children in Lào Cai in July) and a new month.
    let children = count_of(&app, "VN-P63-10", 2024, 7, "UNDER_16").await;
    let upsert = "mutation($counts: [CountInput!]!) { upsertCounts(source: \"synthetic-demo\", counts: $counts) { inserted updated } }";
    let cell = |region: &str, month: &str, age: &str, count: i64| json!({ "metric": "VICTIMS_IDENTIFIED", "region": region, "month": month, "sex": "FEMALE", "ageGroup": age, "exploitationForm": "SEXUAL", "destination": "CN", "count": count });
    let wrote = app
        .query_as(
            &admin,
            upsert,
            json!({ "counts": [
            cell("VN-P63-10", "2024-07", "UNDER_16", children + 10),
            cell("VN-P34-15", "2026-01", "ADULT", 4),
        ] }),
        )
        .await;
    assert!(wrote.get("errors").is_none(), "{wrote}");
    let published = app
        .query_as(
            &admin,
            "mutation { publishRelease(notes: \"January 2026; Lào Cai revised\") { code notes } }",
            json!({}),
        )
        .await;
    let notes = published["data"]["publishRelease"]["notes"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(notes.contains("Revised periods: 2024-07."), "{notes}");
    assert!(
        !notes.contains("2026-01"),
        "a new month is no revision: {notes}"
    );

    // Every age node of 2024 is the same in the new release, byte for byte.
    for ((name, q), old) in grid().into_iter().zip(&first) {
        let new = stats(&app, q).await;
        assert_ne!(new["data"]["caseStatistics"]["release"]["code"], "demo-1");
        assert_eq!(rows(&new), rows(old), "{name}");
        // A total over every age group is a node without age: it may move; one with age may not.
        if q_filters_on_age(name) {
            assert_eq!(
                new["data"]["caseStatistics"]["total"], old["data"]["caseStatistics"]["total"],
                "{name}"
            );
        }
    }
    // The revision shows without age: ten more units move the province's value.
    let after = stats(&app, province("AS_RECORDED")).await;
    let (b, a) = (
        before["data"]["caseStatistics"]["total"]["value"]
            .as_i64()
            .unwrap(),
        after["data"]["caseStatistics"]["total"]["value"]
            .as_i64()
            .unwrap(),
    );
    assert!((a - b - 10).abs() <= 4, "{b} → {a}");
    // The first release, pinned, gives the numbers it gave.
    let mut q = grid().remove(0).1;
    q["release"] = json!("demo-1");
    assert_eq!(rows(&stats(&app, q).await), rows(&first[0]));
}

#[tokio::test]
async fn no_refused_node_is_a_difference_of_nodes_served_across_two_releases() {
    // Two releases, the second adding months and revising one: every node that uses age and is
    // served by both has one value in both, so a difference across releases is zero wherever age
    // is used, and the age nodes the lattice refuses stay refused in both.
    let app = TestApp::spawn().await;
    let admin = app.key(ctip_api::auth::Role::Admin).await;
    let periods = [
        "2024", "2024-Q3", "2024-07", "2025", "2025-Q4", "2025-12", "2026-01", "2026-Q1", "2026",
    ];
    let levels = [
        ("PROVINCE", "V2025"),
        ("SOCIO_ECONOMIC_REGION", "V2025"),
        ("COUNTRY", "AS_RECORDED"),
    ];
    let ask = |period: &str, level: &str, b: &str, release: Option<&str>| json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": period }, "groupBy": ["REGION", "AGE_GROUP"], "level": level, "b": b, "release": release });
    let mut served_first = Vec::new();
    for p in periods {
        for (level, b) in levels {
            served_first.push(stats(&app, ask(p, level, b, None)).await);
        }
    }
    let children = count_of(&app, "VN-P34-08", 2025, 9, "UNDER_16").await;
    let cell = |month: &str, count: i64| json!({ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P34-08", "month": month, "sex": "FEMALE", "ageGroup": "UNDER_16", "exploitationForm": "SEXUAL", "destination": "CN", "count": count });
    let wrote = app
        .query_as(&admin, "mutation($counts: [CountInput!]!) { upsertCounts(source: \"synthetic-demo\", counts: $counts) { inserted updated } }",
            json!({ "counts": [cell("2025-09", children + 2), cell("2026-01", 2), cell("2026-02", 1)] }))
        .await;
    assert!(wrote.get("errors").is_none(), "{wrote}");
    let published = app
        .query_as(
            &admin,
            "mutation { publishRelease(notes: \"two months\") { code } }",
            json!({}),
        )
        .await;
    assert!(published.get("errors").is_none(), "{published}");
    let mut compared = 0;
    let mut i = 0;
    for p in periods {
        for (level, b) in levels {
            let old = &served_first[i];
            i += 1;
            let new = stats(&app, ask(p, level, b, None)).await;
            let pinned = stats(&app, ask(p, level, b, Some("demo-1"))).await;
            assert_eq!(
                &pinned, old,
                "a pinned release keeps its answers: {p} {level}"
            );
            match (old.get("errors"), new.get("errors")) {
                (None, None) => {
                    assert_eq!(
                        rows(&new),
                        rows(old),
                        "{p} {level}: an age node moved between releases"
                    );
                    compared += rows(old).len();
                }
                // Newly complete in the second release: never served before, so nothing to difference.
                (Some(_), None) => assert!(p.starts_with("2026"), "{p} {level}"),
                (Some(_), Some(_)) => assert_eq!(error_code(&new), "GRAIN_NOT_ALLOWED"),
                (None, Some(_)) => panic!("{p} {level}: served before, refused after: {new}"),
            }
        }
    }
    assert!(compared > 300, "{compared} age nodes compared");
    // Refused grains stay refused in both: a province's children per month or quarter.
    for release in [Some("demo-1"), None] {
        for p in ["2025-09", "2025-Q3", "2026-01"] {
            let body = stats(&app, json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "period": p, "region": "VN-P34-08", "ageGroup": "UNDER_16" }, "b": "V2025", "release": release })).await;
            assert_eq!(error_code(&body), "GRAIN_NOT_ALLOWED", "{p} {release:?}");
        }
    }
}

#[tokio::test]
async fn region_case_total_is_planned_like_case_statistics_and_can_pin_a_release() {
    let app = TestApp::spawn().await;
    let body = app
        .query(r#"{ region(code: "VN-P63-10") {
            a: caseTotal(metric: VICTIMS_IDENTIFIED, period: "2024", release: "demo-1") { value status display ratePer100k }
            b: caseTotal(metric: VICTIMS_IDENTIFIED, period: "2024") { value status display ratePer100k } }
          caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { region: "VN-P63-10", period: "2024" }, release: "demo-1") { total { value status display ratePer100k } } }"#)
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["region"]["a"],
        body["data"]["caseStatistics"]["total"]
    );
    assert_eq!(body["data"]["region"]["a"], body["data"]["region"]["b"]);
    // V2025 for a unit that has no 2025 ancestor: refused as caseStatistics refuses it.
    let total = app
        .query(r#"{ region(code: "VN-P63-02") { caseTotal(metric: VICTIMS_IDENTIFIED, boundaries: V2025) { display } } }"#)
        .await;
    let stats_refusal = stats(&app, json!({ "metric": "VICTIMS_IDENTIFIED", "filter": { "region": "VN-P63-02" }, "b": "V2025" })).await;
    assert_eq!(error_code(&total), "BAD_USER_INPUT", "{total}");
    assert_eq!(message(&total), message(&stats_refusal));
    let unknown = app
        .query(r#"{ region(code: "VN-P63-02") { caseTotal(metric: VICTIMS_IDENTIFIED, release: "1999-1") { display } } }"#)
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND", "{unknown}");
}
