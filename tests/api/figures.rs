//! Published figures kept up to date by an ADMIN: added and corrected over GraphQL and from a
//! CSV file, checked alike, audited, the shipped ones kept.
use ctip_api::auth::Role;
use entity::{audit_log, published_figure};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const ADD: &str = "mutation($i: PublishedFigureInput!) { addPublishedFigure(input: $i) { id year scope metric value unit source { code } } }";
const CORRECT: &str = "mutation($id: ID!, $i: PublishedFigureInput!) { correctPublishedFigure(id: $id, input: $i) { id value notes } }";
const IMPORT: &str = "mutation($csv: String!, $dry: Boolean) { importPublishedFigures(csv: $csv, dryRun: $dry) { accepted added corrected problems { line message } } }";

fn figure(value: &str) -> Value {
    json!({ "year": 2023, "scope": "national", "metric": "victims_identified", "value": value,
            "unit": "count", "periodStart": "2023-01", "periodEnd": "2023-12",
            "notes": "national total", "reliability": "primary", "source": "published-015" })
}

async fn figures(app: &TestApp) -> u64 {
    published_figure::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_adds_and_corrects_published_figures_audited_and_checked() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let shipped = figures(&app).await;
    assert!(shipped > 0, "the shipped figures are there");
    let (editor, admin) = (app.key(Role::Editor).await, app.key(Role::Admin).await);
    let refused = app
        .query_as(&editor, ADD, json!({ "i": figure("123") }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    let made = app
        .query_as(&admin, ADD, json!({ "i": figure("123") }))
        .await;
    let made = &made["data"]["addPublishedFigure"];
    assert_eq!(made["value"], 123.0, "{made}");
    assert_eq!(made["source"]["code"], "published-015");
    let id = made["id"].as_str().unwrap().to_owned();
    let mut fixed = figure("124");
    fixed["notes"] = json!("national total, corrected by the source in 2024");
    let corrected = app
        .query_as(&admin, CORRECT, json!({ "id": id, "i": fixed }))
        .await;
    assert_eq!(
        corrected["data"]["correctPublishedFigure"]["value"], 124.0,
        "{corrected}"
    );
    let bad = json!({ "year": 2023, "scope": "9x", "metric": "Victims", "value": "1,200",
                      "unit": "count", "reliability": "", "source": "nope" });
    let said = app.query_as(&admin, ADD, json!({ "i": bad })).await;
    assert_eq!(error_code(&said), "BAD_USER_INPUT");
    let message = said["errors"][0]["message"].as_str().unwrap();
    for part in [
        "scope \"9x\"",
        "metric \"Victims\"",
        "value \"1,200\"",
        "reliability",
        "\"nope\"",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    assert_eq!(
        figures(&app).await,
        shipped + 1,
        "the shipped figures stay; one added"
    );

    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Entity.eq("published_figure"))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["add_published_figure", "correct_published_figure"]
    );
    assert!(
        entries[1]
            .before
            .as_deref()
            .unwrap()
            .contains("\"value\":123.0")
    );
    assert!(
        entries[1]
            .after
            .as_deref()
            .unwrap()
            .contains("\"value\":124.0")
    );
    assert!(entries.iter().all(|e| e.actor.contains("test ADMIN")));
}

#[tokio::test]
async fn a_file_of_published_figures_is_written_whole_or_not_at_all() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let admin = app.key(Role::Admin).await;
    let shipped = figures(&app).await;
    let header = "year,scope,metric,value,unit,period_start,period_end,notes,reliability,source\n";
    let good = "2023,national,victims_identified,123,count,2023-01,2023-12,,primary,published-015\n\
                2023,40,cases_detected,17,count,,,\"Nghệ An, 2023\",secondary (news),published-001\n";
    let faulty = format!("{header}{good}2023,national,tier,,text,,,,primary,published-015\n");
    let said = app.query_as(&admin, IMPORT, json!({ "csv": faulty })).await;
    let r = &said["data"]["importPublishedFigures"];
    assert_eq!(r["accepted"], false, "{said}");
    assert_eq!(r["problems"][0]["line"], 4);
    assert_eq!(figures(&app).await, shipped, "nothing written");

    let file = format!("{header}{good}");
    let dry = app
        .query_as(&admin, IMPORT, json!({ "csv": file, "dry": true }))
        .await;
    assert_eq!(dry["data"]["importPublishedFigures"]["added"], 2, "{dry}");
    assert_eq!(figures(&app).await, shipped, "a dry run writes nothing");
    let done = app.query_as(&admin, IMPORT, json!({ "csv": file })).await;
    assert_eq!(done["data"]["importPublishedFigures"]["accepted"], true);
    assert_eq!(figures(&app).await, shipped + 2);
    let query = "{ publishedFigures(year: 2023, scope: \"40\") { edges { node { metric value notes region { code } } } } }";
    let found = app.query(query).await;
    let node = &found["data"]["publishedFigures"]["edges"][0]["node"];
    assert_eq!(node["value"], 17.0, "{found}");
    assert_eq!(node["region"]["code"], "VN-P63-40");
}
