//! Bulk writes leave the planner fresh statistics on what they wrote (the demo generator, an
//! import, publishing a release and its rollups): without them PostgreSQL plans the first
//! queries on new rows blind.
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::TestApp;

/// The rows `table` holds, and the rows the planner's statistics say it holds.
async fn rows_and_estimate(app: &TestApp, table: &str) -> (i64, i64) {
    let db = &app.db;
    let backend = db.get_database_backend();
    let count = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    let estimate = match backend {
        // ANALYZE sets reltuples; a table this small is read whole, so it is exact.
        DbBackend::Postgres => db
            .query_one_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT CAST(c.reltuples AS BIGINT) AS n FROM pg_class c \
                     JOIN pg_namespace s ON s.oid = c.relnamespace \
                     WHERE s.nspname = current_schema() AND c.relname = '{table}'"
                ),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap(),
        // ANALYZE writes sqlite_stat1; the first number of a table's row is its row count.
        _ => db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT stat FROM sqlite_stat1 WHERE tbl = '{table}' LIMIT 1"),
            ))
            .await
            .unwrap()
            .map_or(-1, |r| {
                let stat: String = r.try_get("", "stat").unwrap();
                stat.split(' ').next().unwrap().parse().unwrap()
            }),
    };
    (count, estimate)
}

#[tokio::test]
async fn the_demo_data_an_import_and_a_publication_leave_fresh_planner_statistics() {
    let app = TestApp::spawn().await;
    for table in ctip_api::store::STATISTICS_TABLES {
        let (count, estimate) = rows_and_estimate(&app, table).await;
        assert!(count > 0, "{table}");
        assert_eq!(estimate, count, "{table} after the demo data");
    }
    // An import and a publication add cells and a release's rollups.
    let admin = app.key(ctip_api::auth::Role::Admin).await;
    let csv = "metric,region,month,sex,age_group,exploitation_form,destination,count\n\
               VICTIMS_IDENTIFIED,VN-P34-15,2026-01,FEMALE,ADULT,SEXUAL,CN,7\n\
               VICTIMS_IDENTIFIED,VN-P34-15,2026-02,MALE,ADULT,FORCED_LABOUR,KH,3\n";
    let imported = app
        .query_as(
            &admin,
            "mutation($csv: String!) { importCounts(source: \"synthetic-demo\", csv: $csv) { accepted } }",
            json!({ "csv": csv }),
        )
        .await;
    assert_eq!(
        imported["data"]["importCounts"]["accepted"], true,
        "{imported}"
    );
    let (count, estimate) = rows_and_estimate(&app, "case_count").await;
    assert_eq!(estimate, count, "case_count after the import");
    let published = app
        .query_as(
            &admin,
            "mutation { publishRelease(notes: \"2026\") { code } }",
            json!({}),
        )
        .await;
    assert!(published.get("errors").is_none(), "{published}");
    for table in ctip_api::store::STATISTICS_TABLES {
        let (count, estimate) = rows_and_estimate(&app, table).await;
        assert_eq!(estimate, count, "{table} after the publication");
    }
}

#[tokio::test]
async fn the_migrations_leave_fresh_planner_statistics_on_the_reference_data() {
    let app = TestApp::spawn().await;
    for table in ctip_api::store::REFERENCE_TABLES {
        let (count, estimate) = rows_and_estimate(&app, table).await;
        assert!(count > 0, "{table}");
        assert_eq!(estimate, count, "{table}: the planner's row count");
    }
}
