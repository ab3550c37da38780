//! Data in: keys and roles, counts into the draft, CSV import, audit trail, releases, faults.
use ctip_api::auth::Role;
use entity::{audit_log, case_count};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const UPSERT: &str = "mutation($counts: [CountInput!]!, $dry: Boolean) { upsertCounts(source: \"synthetic-demo\", counts: $counts, dryRun: $dry) { inserted updated removed unchanged dryRun } }";
const IMPORT: &str = "mutation($csv: String!, $dry: Boolean) { importCounts(csv: $csv, source: \"synthetic-demo\", dryRun: $dry) { accepted rows faultyLines changes { inserted updated removed unchanged dryRun } problems { line column message } } }";
const PUBLISH: &str =
    "mutation($notes: String!) { publishRelease(notes: $notes) { code notes publishedAt } }";
const TOTAL: &str = "query($r: ID, $p: String) { caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: $p, region: \"VN-P63-10\" }, release: $r) { total { value display } release { code } } }";

fn lao_cai(n: i64, month: &str) -> Value {
    json!({ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P63-10", "month": month, "sex": "FEMALE", "ageGroup": "UNDER_16", "exploitationForm": "SEXUAL", "destination": "CN", "count": n })
}

async fn cells(app: &TestApp) -> u64 {
    case_count::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn writes_need_a_key_and_the_right_role() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let anonymous = app
        .query_with(UPSERT, json!({ "counts": [lao_cai(9, "2024-07")] }))
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let bogus = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth("ctip_nope")
        .json(&json!({ "query": "{ dataset { title } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 401);
    let editor = app.key(Role::Editor).await;
    let publish = app
        .query_as(&editor, PUBLISH, json!({ "notes": "x" }))
        .await;
    assert_eq!(error_code(&publish), "FORBIDDEN");
    let audit = app
        .query_as(&editor, "{ auditLog { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&audit), "FORBIDDEN");
    let revoked = app.key(Role::Admin).await;
    let id = ctip_api::auth::list_keys(&app.db)
        .await
        .unwrap()
        .last()
        .unwrap()
        .id;
    let operator = ctip_api::store::writes::Actor {
        key_id: None,
        name: "cli:test".to_owned(),
    };
    assert!(
        ctip_api::auth::revoke_key(&app.db, id, &operator)
            .await
            .unwrap()
    );
    let after = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&revoked)
        .json(&json!({ "query": "{ dataset { title } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    assert_eq!(cells(&app).await, 0, "nothing was written");
}

#[tokio::test]
async fn an_editors_counts_stay_in_the_draft_until_an_admin_publishes_and_old_releases_keep_their_numbers()
 {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let (editor, admin) = (app.key(Role::Editor).await, app.key(Role::Admin).await);
    let wrote = app
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [lao_cai(9, "2024-07"), lao_cai(3, "2024-08")] }),
        )
        .await;
    assert_eq!(
        wrote["data"]["upsertCounts"],
        json!({ "inserted": 2, "updated": 0, "removed": 0, "unchanged": 0, "dryRun": false }),
        "{wrote}"
    );
    let public = app.query_with(TOTAL, json!({ "p": "2024" })).await;
    assert_eq!(
        public["data"]["caseStatistics"]["total"]["value"], 0,
        "readers never see the draft"
    );
    let published = app
        .query_as(&admin, PUBLISH, json!({ "notes": "first real counts" }))
        .await;
    let code = published["data"]["publishRelease"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = app.query_with(TOTAL, json!({ "p": "2024" })).await;
    assert_eq!(
        now["data"]["caseStatistics"]["release"]["code"],
        code.as_str()
    );
    let v = now["data"]["caseStatistics"]["total"]["value"]
        .as_i64()
        .unwrap();
    assert!((10..=14).contains(&v), "12 victims, adjusted: {v}");
    let old = app
        .query_with(TOTAL, json!({ "p": "2024", "r": "demo-1" }))
        .await;
    assert_eq!(
        old["data"]["caseStatistics"]["total"]["value"], 0,
        "the earlier release is unchanged"
    );
    let releases = app
        .query("{ releases { code } dataset { currentRelease { code } } }")
        .await;
    assert_eq!(releases["data"]["releases"].as_array().unwrap().len(), 2);
    assert_eq!(
        releases["data"]["dataset"]["currentRelease"]["code"],
        code.as_str()
    );
}

#[tokio::test]
async fn the_same_batch_twice_changes_nothing_the_second_time_and_bad_counts_write_nothing() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let editor = app.key(Role::Editor).await;
    let batch = json!({ "counts": [lao_cai(9, "2024-07"), lao_cai(4, "2024-09")] });
    app.query_as(&editor, UPSERT, batch.clone()).await;
    let again = app.query_as(&editor, UPSERT, batch).await;
    assert_eq!(again["data"]["upsertCounts"]["unchanged"], 2);
    assert_eq!(again["data"]["upsertCounts"]["inserted"], 0);
    let before = cells(&app).await;
    let mut wrong_dims = lao_cai(2, "2024-10");
    wrong_dims["metric"] = json!("CASES_DETECTED");
    for bad in [
        lao_cai(-1, "2024-10"),
        lao_cai(3, "2999-01"),
        lao_cai(3, "2024-13"),
        wrong_dims,
        json!({ "metric": "VICTIMS_IDENTIFIED", "region": "VN-P34-15", "month": "2024-01", "count": 1 }),
    ] {
        let body = app
            .query_as(
                &editor,
                UPSERT,
                json!({ "counts": [lao_cai(7, "2024-11"), bad.clone()] }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("counts[1]")
        );
    }
    assert_eq!(
        cells(&app).await,
        before,
        "all or nothing: the valid count was not written either"
    );
}

#[tokio::test]
async fn a_bad_file_is_refused_with_every_faulty_line_named_and_a_good_one_imported() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let editor = app.key(Role::Editor).await;
    let bad = "\u{feff}metric,region,month,sex,age_group,exploitation_form,destination,count\n\
        VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,UNDER_16,SEXUAL,CN,3\n\
        VICTIMS_IDENTIFIED,VN-P63-10,2024-13,FEMALE,UNDER_16,SEXUAL,CN,3\n\
        VICTIMS_IDENTIFIED,VN-P63-99,2024-07,FEMALE,UNDER_16,SEXUAL,CN,3\n\
        CASES_DETECTED,VN-P63-10,2024-07,FEMALE,UNKNOWN,SEXUAL,CN,-2\n";
    let body = app.query_as(&editor, IMPORT, json!({ "csv": bad })).await;
    let r = &body["data"]["importCounts"];
    assert_eq!(r["accepted"], false, "{body}");
    assert_eq!(r["faultyLines"], 3);
    let lines: Vec<i64> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_i64().unwrap())
        .collect();
    assert!(
        lines.contains(&3) && lines.contains(&4) && lines.contains(&5),
        "{lines:?}"
    );
    assert!(
        r["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["column"] == "month")
    );
    assert_eq!(cells(&app).await, 0, "nothing written");
    let good = "metric,region,month,sex,age_group,exploitation_form,destination,count\n\
        VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,UNDER_16,SEXUAL,CN,3\n\
        CASES_DETECTED,VN-P63-10,2024-07,UNKNOWN,UNKNOWN,SEXUAL,CN,2\n";
    let dry = app
        .query_as(&editor, IMPORT, json!({ "csv": good, "dry": true }))
        .await;
    assert_eq!(
        dry["data"]["importCounts"]["changes"],
        json!({ "inserted": 2, "updated": 0, "removed": 0, "unchanged": 0, "dryRun": true })
    );
    assert_eq!(cells(&app).await, 0, "a dry run writes nothing");
    let real = app.query_as(&editor, IMPORT, json!({ "csv": good })).await;
    assert_eq!(real["data"]["importCounts"]["accepted"], true);
    assert_eq!(cells(&app).await, 2);
}

#[tokio::test]
async fn the_audit_trail_shows_who_did_what_and_cannot_be_edited() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let (editor, admin) = (app.key(Role::Editor).await, app.key(Role::Admin).await);
    app.query_as(
        &editor,
        UPSERT,
        json!({ "counts": [lao_cai(9, "2024-07")] }),
    )
    .await;
    app.query_as(
        &editor,
        UPSERT,
        json!({ "counts": [lao_cai(6, "2024-07")] }),
    )
    .await;
    app.query_as(&admin, PUBLISH, json!({ "notes": "n" })).await;
    let log = app.query_as(&admin, "{ auditLog(first: 10) { totalCount edges { node { actor action entityKey before after keyId } } } }", json!({})).await;
    let entries = log["data"]["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        5,
        "two keys made, two writes, one release: {log}"
    );
    assert_eq!(entries[0]["node"]["action"], "publish_release");
    let second = &entries[1]["node"];
    assert_eq!(second["action"], "set_count");
    assert!(second["actor"].as_str().unwrap().contains("test EDITOR"));
    assert!(
        second["before"].as_str().unwrap().contains("\"n\":9")
            && second["after"].as_str().unwrap().contains("\"n\":6")
    );
    let edit = app
        .db
        .execute_unprepared("UPDATE audit_log SET actor = 'someone else'")
        .await;
    assert!(edit.is_err(), "the audit log is append-only");
    let delete = app.db.execute_unprepared("DELETE FROM audit_log").await;
    assert!(delete.is_err(), "the audit log cannot be emptied");
    if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let truncate = app.db.execute_unprepared("TRUNCATE audit_log").await;
        assert!(truncate.is_err(), "the audit log cannot be truncated");
    }
    assert_eq!(audit_log::Entity::find().count(&app.db).await.unwrap(), 5);
}

#[tokio::test]
async fn a_revision_that_lowers_a_count_changes_only_the_nodes_that_contain_it() {
    let app = TestApp::spawn().await;
    let (editor, admin) = (app.key(Role::Editor).await, app.key(Role::Admin).await);
    app.query_as(
        &editor,
        UPSERT,
        json!({ "counts": [lao_cai(30, "2024-07")] }),
    )
    .await;
    let r1 = app
        .query_as(&admin, PUBLISH, json!({ "notes": "r1" }))
        .await["data"]["publishRelease"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "query($r: ID) { caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: \"2024\" }, groupBy: [REGION, PERIOD], periodGranularity: MONTH, release: $r) { rows { region { code } period { label } value { value display } } } }";
    let before = app.query_with(q, json!({ "r": r1 })).await;
    app.query_as(
        &editor,
        UPSERT,
        json!({ "counts": [lao_cai(20, "2024-07")] }),
    )
    .await;
    let r2 = app
        .query_as(&admin, PUBLISH, json!({ "notes": "r2: a revision" }))
        .await["data"]["publishRelease"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let after = app.query_with(q, json!({ "r": r2 })).await;
    let pinned = app.query_with(q, json!({ "r": r1 })).await;
    assert_eq!(before, pinned, "a pinned release keeps exactly its numbers");
    let rows = |v: &Value| {
        v["data"]["caseStatistics"]["rows"]
            .as_array()
            .unwrap()
            .clone()
    };
    let mut changed = 0;
    for (a, b) in rows(&before).iter().zip(rows(&after).iter()) {
        if a != b {
            changed += 1;
            assert_eq!(a["region"]["code"], "VN-P63-10");
            assert_eq!(a["period"]["label"], "2024-07");
        }
    }
    assert_eq!(
        changed, 1,
        "the lowered province-month changed (30 → 20 true victims)"
    );
}

#[tokio::test]
async fn two_imports_at_the_same_time_are_serialized_never_interleaved() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let editor = app.key(Role::Editor).await;
    let file = |n: i64| {
        let mut s =
            String::from("metric,region,month,sex,age_group,exploitation_form,destination,count\n");
        for month in 1..=12 {
            for code in ["VN-P63-10", "VN-P63-02", "VN-P63-11", "VN-P63-12"] {
                s.push_str(&format!(
                    "VICTIMS_IDENTIFIED,{code},2023-{month:02},FEMALE,ADULT,SEXUAL,CN,{n}\n"
                ));
            }
        }
        s
    };
    let (a, b) = tokio::join!(
        app.query_as(&editor, IMPORT, json!({ "csv": file(5) })),
        app.query_as(&editor, IMPORT, json!({ "csv": file(8) }))
    );
    assert_eq!(a["data"]["importCounts"]["accepted"], true, "{a}");
    assert_eq!(b["data"]["importCounts"]["accepted"], true, "{b}");
    let entries: Vec<_> = audit_log::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "case_count")
        .collect();
    assert_eq!(entries.len(), 96);
    // The first import's 48 entries come first, then the second's: never mixed.
    let afters: Vec<String> = entries
        .iter()
        .map(|e| e.after.clone().unwrap_or_default())
        .collect();
    let first = &afters[0];
    assert!(afters[..48].iter().all(|a| a == first));
    assert!(afters[48..].iter().all(|a| a != first));
    let ns: std::collections::HashSet<i64> = case_count::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|c| c.n)
        .collect();
    assert_eq!(ns.len(), 1, "the last import wins everywhere: {ns:?}");
}

#[tokio::test]
async fn an_import_killed_mid_write_leaves_nothing_and_a_rerun_completes_it() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut s =
        String::from("metric,region,month,sex,age_group,exploitation_form,destination,count\n");
    let mut rows = 0;
    for year in 2015..=2023 {
        for month in 1..=12 {
            for dest in ["CN", "KH", "LA", "MM", "TH", "MY", "KR", "DOMESTIC"] {
                for form in [
                    "SEXUAL",
                    "FORCED_LABOUR",
                    "FORCED_MARRIAGE",
                    "FORCED_CRIMINALITY",
                ] {
                    for code in [
                        "VN-P63-10",
                        "VN-P63-02",
                        "VN-P63-11",
                        "VN-P63-12",
                        "VN-P63-14",
                        "VN-P63-04",
                    ] {
                        s.push_str(&format!("VICTIMS_IDENTIFIED,{code},{year}-{month:02},FEMALE,ADULT,{form},{dest},3\n"));
                        rows += 1;
                    }
                }
            }
        }
    }
    std::fs::write(&path, s).unwrap();
    let url = database_url(&app);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ctip-api"))
        .args([
            "import",
            "counts",
            path.to_str().unwrap(),
            "--source",
            "synthetic-demo",
            "--database-url",
            &url,
        ])
        .env("CTIP_K1", crate::helpers::test_keys().k1.to_hex())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed while it writes: seen holding the write lock of the counts (a transaction not yet
    // committed), several times in a row (not a migration's passing lock), and still running.
    let mut seen = 0;
    let started = std::time::Instant::now();
    while seen < 3 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the import ended ({status}) before it was seen writing: it was never killed mid-write; make the file larger"
            );
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the import never began writing"
        );
        seen = if another_writer_holds_the_counts(&app).await {
            seen + 1
        } else {
            0
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(cells(&app).await, 0, "nothing is visible while it writes");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import finished before the kill: it was not killed mid-write"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "killed, not exited: {status}");
    }
    // The database rolls the killed import's transaction back once it sees the connection gone
    // (at once for SQLite; PostgreSQL's backend may take a moment).
    let killed = std::time::Instant::now();
    while another_writer_holds_the_counts(&app).await {
        assert!(
            killed.elapsed() < std::time::Duration::from_secs(60),
            "the killed import's transaction is still open"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let n = cells(&app).await;
    assert_eq!(n, 0, "after a kill mid-write: {n} of {rows} rows");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_ctip-api"))
        .args([
            "import",
            "counts",
            path.to_str().unwrap(),
            "--source",
            "synthetic-demo",
            "--database-url",
            &url,
        ])
        .env("CTIP_K1", crate::helpers::test_keys().k1.to_hex())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(cells(&app).await, rows, "a rerun completes the import");
}

fn database_url(app: &TestApp) -> String {
    app.database_url.clone()
}

/// True while another connection holds an open write on the counts: on PostgreSQL a row lock
/// on this test's `case_count`; on SQLite the database's write lock (a write transaction cannot
/// begin).
async fn another_writer_holds_the_counts(app: &TestApp) -> bool {
    use sea_orm::{ConnectOptions, Database, DbBackend, Statement};
    if app.db.get_database_backend() == DbBackend::Postgres {
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                 WHERE c.relname = 'case_count' AND c.relnamespace = to_regnamespace(current_schema()) \
                 AND l.mode = 'RowExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid()",
            ))
            .await
            .unwrap()
            .unwrap();
        return row.try_get::<i64>("", "n").unwrap() > 0;
    }
    // One connection, so that BEGIN and ROLLBACK run on it, waiting for no lock.
    let mut opts = ConnectOptions::new(app.database_url.clone());
    opts.max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let probe = Database::connect(opts).await.unwrap();
    probe
        .execute_unprepared("PRAGMA busy_timeout = 0")
        .await
        .unwrap();
    let locked = match probe.execute_unprepared("BEGIN IMMEDIATE").await {
        Ok(_) => {
            probe.execute_unprepared("ROLLBACK").await.unwrap();
            false
        }
        Err(e) if e.to_string().contains("locked") || e.to_string().contains("busy") => true,
        Err(e) => panic!("probing the write lock: {e}"),
    };
    probe.close().await.ok();
    locked
}

#[tokio::test]
async fn an_editor_creates_updates_and_retires_campaigns_activities_and_agencies() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let editor = app.key(Role::Editor).await;
    let agency = json!({ "code": "IOM-VN", "nameVi": "Tổ chức Di cư Quốc tế tại Việt Nam", "nameEn": "IOM Viet Nam", "kind": "INTERNATIONAL_ORGANIZATION" });
    let made = app
        .query_as(
            &editor,
            "mutation($a: AgencyInput!) { createAgency(input: $a) { code kind } }",
            json!({ "a": agency }),
        )
        .await;
    assert_eq!(
        made["data"]["createAgency"]["kind"], "INTERNATIONAL_ORGANIZATION",
        "{made}"
    );
    let twice = app
        .query_as(
            &editor,
            "mutation($a: AgencyInput!) { createAgency(input: $a) { code } }",
            json!({ "a": agency }),
        )
        .await;
    assert_eq!(error_code(&twice), "BAD_USER_INPUT");
    let campaign = json!({ "slug": "action-month-2025", "nameVi": "Tháng hành động 2025", "nameEn": "Action Month 2025", "startDate": "2025-07-01", "leadAgency": "SC138", "source": "article-action-month-2024" });
    let c = app.query_as(&editor, "mutation($c: CampaignInput!) { createCampaign(input: $c) { slug startDate leadAgency { code } } }", json!({ "c": campaign })).await;
    assert_eq!(
        c["data"]["createCampaign"]["leadAgency"]["code"], "SC138",
        "{c}"
    );
    let activity = json!({ "code": "2025-iom-support", "campaign": "action-month-2025", "leadAgency": "IOM-VN", "participatingAgencies": ["MOLISA"], "kind": "VICTIM_SUPPORT", "status": "REPORTED", "titleVi": "Hỗ trợ nạn nhân", "titleEn": "Victim support", "sources": ["article-action-month-2024"], "outputs": [{ "indicator": "people reached by communication events", "value": 1200, "unit": "people", "source": "article-action-month-2024" }] });
    let a = app.query_as(&editor, "mutation($a: ActivityInput!) { createActivity(input: $a) { code participatingAgencies { code } campaign { slug } outputs { indicator value unit } } }", json!({ "a": activity })).await;
    assert_eq!(
        a["data"]["createActivity"]["participatingAgencies"],
        json!([{ "code": "MOLISA" }]),
        "{a}"
    );
    assert_eq!(
        a["data"]["createActivity"]["outputs"],
        json!([{ "indicator": "people reached by communication events", "value": 1200, "unit": "people" }]),
        "{a}"
    );
    // An update replaces the outputs; a negative figure is refused and changes nothing.
    let mut negative = activity.clone();
    negative["outputs"][0]["value"] = json!(-1);
    let refused = app
        .query_as(
            &editor,
            "mutation($a: ActivityInput!) { updateActivity(input: $a) { code } }",
            json!({ "a": negative }),
        )
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    let mut none = activity.clone();
    none["outputs"] = json!([]);
    let cleared = app
        .query_as(
            &editor,
            "mutation($a: ActivityInput!) { updateActivity(input: $a) { outputs { value } } }",
            json!({ "a": none }),
        )
        .await;
    assert_eq!(
        cleared["data"]["updateActivity"]["outputs"],
        json!([]),
        "{cleared}"
    );
    let mut changed = campaign.clone();
    changed["nameEn"] = json!("Action Month against Human Trafficking 2025");
    let u = app
        .query_as(
            &editor,
            "mutation($c: CampaignInput!) { updateCampaign(input: $c) { nameEn } }",
            json!({ "c": changed }),
        )
        .await;
    assert_eq!(
        u["data"]["updateCampaign"]["nameEn"],
        "Action Month against Human Trafficking 2025"
    );
    let r = app.query_as(&editor, "mutation { retireActivity(code: \"2025-iom-support\") { code } retireAgency(code: \"IOM-VN\") { code } }", json!({})).await;
    assert!(r.get("errors").is_none(), "{r}");
    let lists = app.query("{ agencies(first: 100) { edges { node { code } } } campaign(slug: \"action-month-2025\") { activities { totalCount } } }").await;
    assert!(
        !lists.to_string().contains("IOM-VN"),
        "a retired agency leaves the list"
    );
    assert_eq!(lists["data"]["campaign"]["activities"]["totalCount"], 0);
    let anonymous = app
        .query_with(
            "mutation($c: CampaignInput!) { updateCampaign(input: $c) { slug } }",
            json!({ "c": campaign }),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let source = json!({ "code": "iom-report-2025", "kind": "GOVERNMENT_REPORT", "publisher": "IOM", "title": "Report" });
    let made = app
        .query_as(
            &editor,
            "mutation($s: SourceInput!) { createSource(input: $s) { code } }",
            json!({ "s": source }),
        )
        .await;
    assert_eq!(
        made["data"]["createSource"]["code"], "iom-report-2025",
        "{made}"
    );
    let mut renamed = source.clone();
    renamed["title"] = json!("Annual report 2025");
    let u = app
        .query_as(
            &editor,
            "mutation($s: SourceInput!) { updateSource(input: $s) { title } }",
            json!({ "s": renamed }),
        )
        .await;
    assert_eq!(
        u["data"]["updateSource"]["title"], "Annual report 2025",
        "{u}"
    );
    app.query_as(
        &editor,
        "mutation { retireSource(code: \"iom-report-2025\") { code } }",
        json!({}),
    )
    .await;
    let sources = app
        .query("{ sources(first: 100) { edges { node { code } } } }")
        .await;
    assert!(
        !sources.to_string().contains("iom-report-2025"),
        "a retired source leaves the list"
    );
    let log = audit_log::Entity::find().all(&app.db).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    let expected = [
        "create_key",
        "create_agency",
        "create_campaign",
        "create_activity",
        // The update that cleared the outputs (the refused one wrote nothing).
        "update_activity",
        "update_campaign",
        "retire_activity",
        "retire_agency",
    ];
    assert_eq!(
        actions,
        [
            &expected[..],
            &["create_source", "update_source", "retire_source"]
        ]
        .concat()
    );
}

#[tokio::test]
async fn a_replica_without_the_ingest_key_refuses_writes_clearly() {
    let app = TestApp::spawn_seeded(None, |cfg| cfg.keys.k1 = None).await;
    let editor = app.key(Role::Editor).await;
    let body = app
        .query_as(
            &editor,
            UPSERT,
            json!({ "counts": [lao_cai(9, "2024-07")] }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("K1")
    );
    let reads = app
        .query("{ caseStatistics(metric: CASES_DETECTED) { total { display } } }")
        .await;
    assert!(reads.get("errors").is_none(), "serving needs only K2");
}

#[tokio::test]
async fn dashboards_hear_of_a_new_release_over_graphql_transport_ws() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let (editor, admin) = (app.key(Role::Editor).await, app.key(Role::Admin).await);
    let mut request = format!("ws://{}/graphql", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text(
        json!({ "type": "connection_init" }).to_string(),
    ))
    .await
    .unwrap();
    let ack: Value =
        serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(ack["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { releasePublished { code notes } }" } });
    ws.send(Message::text(subscribe.to_string())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.query_as(
        &editor,
        UPSERT,
        json!({ "counts": [lao_cai(9, "2024-07")] }),
    )
    .await;
    let published = app
        .query_as(&admin, PUBLISH, json!({ "notes": "new month" }))
        .await;
    let code = published["data"]["publishRelease"]["code"].clone();
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
        .await
        .expect("an event")
        .unwrap()
        .unwrap();
    let msg: Value = serde_json::from_str(next.to_text().unwrap()).unwrap();
    assert_eq!(msg["type"], "next");
    assert_eq!(
        msg["payload"]["data"]["releasePublished"],
        json!({ "code": code, "notes": "new month" })
    );
}
