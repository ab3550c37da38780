//! Client mistakes the review found answered with INTERNAL or a panic get a coded error that
//! names them: the same cell twice in one batch, a cursor past the end of any list, a count
//! above the ceiling a cell may hold.
use base64::Engine;
use ctip_api::auth::Role;
use entity::case_count;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::{TestApp, error_code};

const UPSERT: &str = "mutation($counts: [CountInput!]!, $dry: Boolean) { upsertCounts(source: \"synthetic-demo\", counts: $counts, dryRun: $dry) { inserted updated removed unchanged } }";
const IMPORT: &str = "mutation($csv: String!) { importCounts(csv: $csv, source: \"synthetic-demo\") { accepted faultyLines problems { line column message } } }";

fn count(n: i64, form: &str) -> serde_json::Value {
    json!({ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": "2024-07", "sex": "FEMALE", "ageGroup": "ADULT", "exploitationForm": form, "destination": "CN", "count": n })
}

async fn cells(app: &TestApp) -> u64 {
    case_count::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn the_same_cell_twice_in_one_batch_is_refused_naming_both() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let editor = app.key(Role::Editor).await;
    for dry in [true, false] {
        let body = app
            .query_as(
                &editor,
                UPSERT,
                json!({ "counts": [count(3, "SEXUAL"), count(4, "OTHER"), count(5, "SEXUAL")], "dry": dry }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("counts[2]")
                && message.contains("counts[0]")
                && message.contains("VN-P63-10|2024-07|FEMALE|ADULT|SEXUAL|CN"),
            "{message}"
        );
    }
    assert_eq!(cells(&app).await, 0);
}

#[tokio::test]
async fn a_count_above_the_ceiling_is_refused_with_its_line_before_any_key_is_computed() {
    let app = TestApp::spawn_seeded(None, |cfg| cfg.max_cell_count = 1_000).await;
    let editor = app.key(Role::Editor).await;
    let body = app
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [count(1_000, "SEXUAL"), count(1_000_000_000, "OTHER")] }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("counts[1]")
            && message.contains("1000000000")
            && message.contains("1000 at most"),
        "{message}"
    );
    let csv = "metric,region,month,sex,age_group,exploitation_form,destination,count\n\
               VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,ADULT,SEXUAL,CN,1000\n\
               VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,ADULT,OTHER,CN,9223372036854775807\n";
    let file = app.query_as(&editor, IMPORT, json!({ "csv": csv })).await;
    let r = &file["data"]["importCounts"];
    assert_eq!(r["accepted"], false, "{file}");
    assert_eq!(r["faultyLines"], 1);
    assert_eq!(r["problems"][0]["line"], 3);
    assert_eq!(r["problems"][0]["column"], "count");
    assert_eq!(cells(&app).await, 0, "nothing was written");
    let at_ceiling = app
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [count(1_000, "SEXUAL")] }),
        )
        .await;
    assert_eq!(
        at_ceiling["data"]["upsertCounts"]["inserted"], 1,
        "{at_ceiling}"
    );
}

#[tokio::test]
async fn a_cursor_past_the_end_of_any_list_is_bad_input() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    for offset in [u64::MAX, i64::MAX as u64, i64::MAX as u64 - 3] {
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"));
        let body = app
            .query_with(
                "query($after: String) { regions(first: 5, after: $after) { totalCount edges { node { code } } } }",
                json!({ "after": cursor }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "o:{offset}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("`after`"),
            "{body}"
        );
    }
    let last_page = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("o:100000");
    let empty = app
        .query_with(
            "query($after: String) { regions(first: 5, after: $after) { edges { node { code } } } }",
            json!({ "after": last_page }),
        )
        .await;
    assert_eq!(empty["data"]["regions"]["edges"], json!([]), "{empty}");
}
