//! Writers see only their own data: an EDITOR key writes only the sources it is bound to, and
//! what a write or a dry run reports never depends on another source's counts. Making and
//! revoking keys is audited.
use ctip_api::auth::Role;
use entity::{audit_log, case_count};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const POLICE: &str = "police-report-2024";

fn upsert(source: &str) -> String {
    format!(
        "mutation($counts: [CountInput!]!, $dry: Boolean) {{ upsertCounts(source: \"{source}\", counts: $counts, dryRun: $dry) {{ inserted updated removed unchanged dryRun }} }}"
    )
}

fn import(source: &str) -> String {
    format!(
        "mutation($csv: String!, $dry: Boolean) {{ importCounts(csv: $csv, source: \"{source}\", dryRun: $dry) {{ accepted changes {{ inserted updated removed unchanged }} }} }}"
    )
}

fn cell(n: i64, form: &str) -> Value {
    json!({ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": "2024-07", "sex": "FEMALE", "ageGroup": "UNDER_16", "exploitationForm": form, "destination": "CN", "count": n })
}

/// A second source, made by an ADMIN, and an EDITOR key bound to it.
async fn police_source(app: &TestApp) -> String {
    let admin = app.key(Role::Admin).await;
    let made = app
        .query_as(
            &admin,
            "mutation($s: SourceInput!) { createSource(input: $s) { code } }",
            json!({ "s": { "code": POLICE, "kind": "GOVERNMENT_REPORT", "publisher": "Police", "title": "Monthly report" } }),
        )
        .await;
    assert_eq!(made["data"]["createSource"]["code"], POLICE, "{made}");
    app.key_for(Role::Editor, &[POLICE]).await
}

#[tokio::test]
async fn an_editor_key_writes_only_the_sources_it_is_bound_to() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let police = police_source(&app).await;
    let ngo = app.key(Role::Editor).await; // bound to the demo source only
    let csv = "metric,region,month,sex,age_group,exploitation_form,destination,count\n\
               VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,UNDER_16,SEXUAL,CN,9\n";
    for dry in [false, true] {
        let write = app
            .query_as(
                &ngo,
                &upsert(POLICE),
                json!({ "counts": [cell(9, "SEXUAL")], "dry": dry }),
            )
            .await;
        assert_eq!(error_code(&write), "FORBIDDEN", "dry run {dry}: {write}");
        let message = write["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains(POLICE) && message.contains("--source"),
            "{message}"
        );
        let file = app
            .query_as(&ngo, &import(POLICE), json!({ "csv": csv, "dry": dry }))
            .await;
        assert_eq!(error_code(&file), "FORBIDDEN", "dry run {dry}: {file}");
    }
    let retire = app
        .query_as(
            &ngo,
            &format!("mutation {{ retireSource(code: \"{POLICE}\") {{ code }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(error_code(&retire), "FORBIDDEN", "{retire}");
    let own = app
        .query_as(
            &police,
            &upsert(POLICE),
            json!({ "counts": [cell(9, "SEXUAL")] }),
        )
        .await;
    assert_eq!(own["data"]["upsertCounts"]["inserted"], 1, "{own}");
    // A key made before keys were bound, or for no source, writes nothing.
    let unbound = app.key_for(Role::Editor, &[]).await;
    let refused = app
        .query_as(
            &unbound,
            &upsert("synthetic-demo"),
            json!({ "counts": [cell(1, "SEXUAL")] }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    // An ADMIN key writes any source.
    let admin = app.key(Role::Admin).await;
    let any = app
        .query_as(
            &admin,
            &upsert(POLICE),
            json!({ "counts": [cell(4, "FORCED_LABOUR")] }),
        )
        .await;
    assert_eq!(any["data"]["upsertCounts"]["inserted"], 1, "{any}");
}

#[tokio::test]
async fn what_a_write_reports_never_depends_on_another_sources_counts() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let police = police_source(&app).await;
    let ngo = app.key(Role::Editor).await;
    // The probes of the review: the same count (unchanged = 1 when n = k), zeros (they counted
    // the non-zero cells), and inserted against updated (an empty cell against a full one).
    let probes = [
        json!([cell(9, "SEXUAL")]),
        json!([
            cell(0, "SEXUAL"),
            cell(0, "FORCED_LABOUR"),
            cell(0, "OTHER")
        ]),
        json!([cell(5, "FORCED_LABOUR")]),
    ];
    let probe = |counts: &Value| {
        let (app, ngo, counts) = (&app, &ngo, counts.clone());
        async move {
            let body = app
                .query_as(
                    ngo,
                    &upsert("synthetic-demo"),
                    json!({ "counts": counts, "dry": true }),
                )
                .await;
            assert!(body.get("errors").is_none(), "{body}");
            body["data"]["upsertCounts"].clone()
        }
    };
    let mut before = Vec::new();
    for p in &probes {
        before.push(probe(p).await);
    }
    let wrote = app
        .query_as(
            &police,
            &upsert(POLICE),
            json!({ "counts": [cell(9, "SEXUAL"), cell(7, "FORCED_LABOUR")] }),
        )
        .await;
    assert_eq!(wrote["data"]["upsertCounts"]["inserted"], 2, "{wrote}");
    for (p, b) in probes.iter().zip(&before) {
        assert_eq!(
            &probe(p).await,
            b,
            "the answer to {p} changed when another source wrote its counts"
        );
    }
    assert_eq!(
        before[0],
        json!({ "inserted": 1, "updated": 0, "removed": 0, "unchanged": 0, "dryRun": true })
    );
    // A real write of the same cell keeps both counts: the police's is never touched.
    let mine = app
        .query_as(
            &ngo,
            &upsert("synthetic-demo"),
            json!({ "counts": [cell(3, "SEXUAL")] }),
        )
        .await;
    assert_eq!(mine["data"]["upsertCounts"]["inserted"], 1, "{mine}");
    let mut ns: Vec<i64> = case_count::Entity::find()
        .filter(case_count::Column::ExploitationForm.eq("SEXUAL"))
        .filter(case_count::Column::ReleaseTo.is_null())
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|c| c.n)
        .collect();
    ns.sort_unstable();
    assert_eq!(ns, [3, 9], "each source keeps its own count of the cell");
    let again = app
        .query_as(
            &police,
            &upsert(POLICE),
            json!({ "counts": [cell(9, "SEXUAL")] }),
        )
        .await;
    assert_eq!(again["data"]["upsertCounts"]["unchanged"], 1, "{again}");
}

#[tokio::test]
async fn making_and_revoking_a_key_on_the_command_line_is_audited() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ctip-api"))
            .args(args)
            .args(["--database-url", &app.database_url])
            .env("USER", "auditor-test")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let unbound = run(&["keys", "create", "--role", "EDITOR", "--name", "ngo"]);
    assert!(!unbound.status.success(), "an EDITOR key needs a source");
    assert!(String::from_utf8_lossy(&unbound.stderr).contains("--source"));
    let made = run(&[
        "keys",
        "create",
        "--role",
        "EDITOR",
        "--name",
        "ngo",
        "--source",
        "synthetic-demo",
    ]);
    assert!(made.status.success(), "{made:?}");
    let key = String::from_utf8_lossy(&made.stdout)
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let id = ctip_api::auth::list_keys(&app.db).await.unwrap()[0].id;
    let wrote = app
        .query_as(
            &key,
            &upsert("synthetic-demo"),
            json!({ "counts": [cell(2, "SEXUAL")] }),
        )
        .await;
    assert_eq!(wrote["data"]["upsertCounts"]["inserted"], 1, "{wrote}");
    let revoked = run(&["keys", "revoke", &id.to_string()]);
    assert!(revoked.status.success(), "{revoked:?}");
    let log: Vec<audit_log::Model> = audit_log::Entity::find()
        .filter(audit_log::Column::Entity.eq("api_key"))
        .all(&app.db)
        .await
        .unwrap();
    let actions: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str(), e.entity_key.as_str()))
        .collect();
    let id = id.to_string();
    assert_eq!(
        actions,
        [
            ("create_key", "cli:auditor-test", id.as_str()),
            ("revoke_key", "cli:auditor-test", id.as_str())
        ]
    );
    let created = log[0].after.as_deref().unwrap();
    assert!(
        created.contains("\"sources\":[\"synthetic-demo\"]") && created.contains("EDITOR"),
        "{created}"
    );
    assert!(
        !created.contains(&key[12..]),
        "the key itself is never recorded"
    );
}
