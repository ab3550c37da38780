//! `POST /import/counts`: a CSV file uploaded by a data owner, streamed into the same import as
//! `importCounts`, under the writers' own size limit.
use ctip_api::auth::Role;
use entity::{audit_log, case_count};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, error_code};

const HEADER: &str = "metric,region,month,sex,age_group,exploitation_form,destination,count\n";
const IMPORT: &str = "mutation($csv: String!, $dry: Boolean) { importCounts(csv: $csv, source: \"synthetic-demo\", dryRun: $dry) { accepted rows changes { inserted updated removed unchanged dryRun } problems { line column message } faultyLines } }";

/// A valid file of `2 880` distinct lines (about 190 KB: more than the public body limit).
fn big_file() -> String {
    let mut text = HEADER.to_owned();
    for p in ["01", "02", "04", "06", "08", "10", "11", "12", "14", "15"] {
        for m in 1..=12 {
            for sex in ["FEMALE", "MALE", "UNKNOWN"] {
                for age in ["UNDER_16", "AGE_16_17", "ADULT", "UNKNOWN"] {
                    for form in ["SEXUAL", "FORCED_LABOUR"] {
                        text.push_str(&format!(
                            "VICTIMS_IDENTIFIED,VN-P63-{p},2024-{m:02},{sex},{age},{form},CN,{}\n",
                            1 + m % 4
                        ));
                    }
                }
            }
        }
    }
    text
}

async fn upload(app: &TestApp, key: Option<&str>, query: &str, body: String) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/import/counts?{query}")))
        .header("content-type", "text/csv")
        .body(body);
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn cells(app: &TestApp) -> u64 {
    case_count::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn an_uploaded_file_answers_as_import_counts_does_and_is_all_or_nothing() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let editor = app.key(Role::Editor).await;
    let bad = format!(
        "{HEADER}VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,UNDER_16,SEXUAL,CN,3\n\
         VICTIMS_IDENTIFIED,VN-P63-10,2024-13,FEMALE,UNDER_16,SEXUAL,CN,3\n\
         VICTIMS_IDENTIFIED,VN-P63-10,2024-08,FEMALE,UNDER_16,SEXUAL,CN,\"1,200\"\n"
    );
    let q = "source=synthetic-demo&dryRun=true";
    let (status, refused) = upload(&app, Some(&editor), q, bad.clone()).await;
    assert_eq!(status, 422, "{refused}");
    let graphql = app
        .query_as(&editor, IMPORT, json!({ "csv": bad, "dry": true }))
        .await;
    assert_eq!(refused, graphql["data"]["importCounts"], "the same answer");
    assert_eq!(refused["faultyLines"], 2);
    assert_eq!(refused["problems"][0]["line"], 3);
    assert_eq!(refused["problems"][1]["column"], "count");

    let file = big_file();
    assert!(file.len() > 128 * 1024, "past the public body limit");
    let (status, dry) = upload(&app, Some(&editor), q, file.clone()).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["rows"], 2880);
    assert_eq!(dry["changes"]["inserted"], 2880);
    assert_eq!(dry["changes"]["dryRun"], true);
    assert_eq!(cells(&app).await, 0, "a dry run writes nothing");

    let (status, done) = upload(&app, Some(&editor), "source=synthetic-demo", file).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["changes"]["dryRun"], false);
    assert_eq!(cells(&app).await, 2880);
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("set_count"))
        .filter(audit_log::Column::Actor.contains("test EDITOR"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 2880, "every change audited under the key");
}

#[tokio::test]
async fn an_upload_is_refused_as_import_counts_refuses_its_caller() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let file =
        format!("{HEADER}VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,UNDER_16,SEXUAL,CN,3\n");
    let q = "source=synthetic-demo";
    let (status, body) = upload(&app, None, q, file.clone()).await;
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));
    let (status, body) = upload(&app, Some("ctip_nope"), q, file.clone()).await;
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));
    let editor = app.key(Role::Editor).await;
    let (status, body) = upload(&app, Some(&editor), "source=nope", file.clone()).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "{body}"
    );
    let (status, body) = upload(&app, Some(&editor), "", file.clone()).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("source")
    );
    let json_body = app
        .client
        .post(app.url("/import/counts?source=synthetic-demo"))
        .bearer_auth(&editor)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), 415);
    let latin = app
        .client
        .post(app.url("/import/counts?source=synthetic-demo"))
        .bearer_auth(&editor)
        .header("content-type", "text/csv; charset=windows-1258")
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(latin.status(), 415);
    let said: Value = latin.json().await.unwrap();
    assert!(
        said["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8")
    );

    // A replica without K1 cannot write, over GraphQL or by upload.
    let replica = app.replica(|c| c.keys.k1 = None).await;
    let (status, body) = upload(&replica, Some(&editor), q, file).await;
    assert_eq!((status, error_code(&body)), (403, "FORBIDDEN"), "{body}");
    assert_eq!(cells(&app).await, 0);
}

#[tokio::test]
async fn an_upload_past_the_writers_limit_is_refused_whole_even_unannounced() {
    let app = TestApp::spawn_seeded(None, |c| c.limits.max_upload_bytes = 100_000).await;
    let editor = app.key(Role::Editor).await;
    let file = big_file();
    let (status, body) = upload(&app, Some(&editor), "source=synthetic-demo", file.clone()).await;
    assert_eq!(
        (status, error_code(&body)),
        (413, "PAYLOAD_TOO_LARGE"),
        "{body}"
    );
    // Sent chunked, without a Content-Length: the limit holds on what arrives.
    let (status, body) = chunked_upload(&app, &editor, &file).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("PAYLOAD_TOO_LARGE"), "{body}");
    assert_eq!(cells(&app).await, 0, "nothing written");
}

/// POSTs `file` with `Transfer-Encoding: chunked` over a plain connection; the status and the
/// raw answer.
async fn chunked_upload(app: &TestApp, key: &str, file: &str) -> (u16, String) {
    let mut conn = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /import/counts?source=synthetic-demo HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {key}\r\nContent-Type: text/csv\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.addr
    );
    let mut sent = head.into_bytes();
    for chunk in file.as_bytes().chunks(8 * 1024) {
        sent.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        sent.extend_from_slice(chunk);
        sent.extend_from_slice(b"\r\n");
    }
    sent.extend_from_slice(b"0\r\n\r\n");
    // The server may answer before it has read everything: a refused write is expected.
    let _ = conn.write_all(&sent).await;
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

/// A GraphQL multipart request sending `file` as the variable `$f` of `query`.
fn multipart(query: &str, file: &str) -> (String, Vec<u8>) {
    let boundary = "ctip-test-boundary-7f3a";
    let operations = json!({ "query": query, "variables": { "f": null } });
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.f\"]}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"counts.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file.as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_writer_sends_import_counts_a_file_as_a_graphql_multipart_request() {
    let app = TestApp::spawn_seeded(None, |c| c.limits.max_upload_bytes = 1 << 20).await;
    let query = "mutation($f: Upload!) { importCounts(file: $f, source: \"synthetic-demo\", dryRun: true) { accepted rows changes { inserted dryRun } } }";
    let file = big_file();
    let (content_type, body) = multipart(query, &file);
    let anonymous = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", &content_type)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let said: Value = anonymous.json().await.unwrap();
    assert_eq!(error_code(&said), "UNAUTHENTICATED");

    let editor = app.key(Role::Editor).await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&editor)
        .header("content-type", &content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let said: Value = resp.json().await.unwrap();
    let r = &said["data"]["importCounts"];
    assert_eq!(r["accepted"], true, "{said}");
    assert_eq!(r["rows"], 2880);
    assert_eq!(r["changes"]["dryRun"], true);
    assert_eq!(cells(&app).await, 0);

    // Past the writers' limit, the request is refused whole.
    let small = TestApp::spawn_seeded(None, |c| c.limits.max_upload_bytes = 100_000).await;
    let editor = small.key(Role::Editor).await;
    let (content_type, body) = multipart(query, &file);
    let resp = small
        .client
        .post(small.url("/graphql"))
        .bearer_auth(&editor)
        .header("content-type", &content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn imports_update_remove_and_keep_cells_with_versions_key_sums_and_audit_entries() {
    let app = TestApp::spawn_seeded(None, |_| {}).await;
    let (editor, admin) = (app.key(Role::Editor).await, app.key(Role::Admin).await);
    let line = |form: &str, n: i64| {
        format!("VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,ADULT,{form},CN,{n}\n")
    };
    let import = |rows: Vec<String>| {
        let csv = format!("{HEADER}{}", rows.concat());
        let (app, editor) = (&app, &editor);
        async move {
            let said = app.query_as(editor, IMPORT, json!({ "csv": csv })).await;
            assert_eq!(said["data"]["importCounts"]["accepted"], true, "{said}");
            said["data"]["importCounts"]["changes"].clone()
        }
    };
    let changes = |i: u64, u: u64, r: u64, same: u64| json!({ "inserted": i, "updated": u, "removed": r, "unchanged": same, "dryRun": false });
    let first = import(vec![
        line("SEXUAL", 3),
        line("FORCED_LABOUR", 2),
        line("OTHER", 5),
    ])
    .await;
    assert_eq!(first, changes(3, 0, 0, 0));
    let published = app
        .query_as(
            &admin,
            "mutation { publishRelease(notes: \"first\") { code } }",
            json!({}),
        )
        .await;
    assert!(published["errors"].is_null(), "{published}");
    // Against the published release: one kept, one changed, one set to 0, one new.
    let second = import(vec![
        line("SEXUAL", 3),
        line("FORCED_LABOUR", 4),
        line("OTHER", 0),
        line("CHILD_SALE", 1),
    ])
    .await;
    assert_eq!(second, changes(1, 1, 1, 1));
    // Against the draft: a draft version is replaced, not closed.
    let third = import(vec![line("CHILD_SALE", 2), line("FORCED_LABOUR", 4)]).await;
    assert_eq!(third, changes(0, 1, 0, 1));

    let all = case_count::Entity::find().all(&app.db).await.unwrap();
    let mut current: Vec<(String, i64)> = all
        .iter()
        .filter(|c| c.release_to.is_none())
        .map(|c| (c.exploitation_form.clone(), c.n))
        .collect();
    current.sort();
    let expected = [("CHILD_SALE", 2), ("FORCED_LABOUR", 4), ("SEXUAL", 3)];
    let expected: Vec<(String, i64)> = expected.iter().map(|(f, n)| (f.to_string(), *n)).collect();
    assert_eq!(current, expected);
    // Published versions stay (two of them closed); the replaced draft version is gone.
    assert_eq!(all.len(), 5, "{all:?}");
    assert_eq!(all.iter().filter(|c| c.release_to.is_some()).count(), 2);
    let keys = crate::helpers::test_keys();
    for c in all.iter().filter(|c| c.release_to.is_none()) {
        let cell = ctip_api::disclosure::Cell {
            province: "VN-P63-10",
            year: 2024,
            month: 7,
            sex: "FEMALE",
            age_group: "ADULT",
            exploitation_form: &c.exploitation_form,
            destination: "CN",
        };
        let unit = ctip_api::dimensions::MetricKind::VictimsIdentified.unit_type();
        let expected = ctip_api::disclosure::key_sum(&keys.k1, unit, &cell, c.n as u64);
        assert_eq!(c.key_sum, expected, "{}", c.exploitation_form);
    }

    let source = all[0].source_id;
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("set_count"))
        .all(&app.db)
        .await
        .unwrap();
    let of = |form: &str| -> Vec<(Option<String>, Option<String>)> {
        let key = format!("VICTIMS_IDENTIFIED|VN-P63-10|2024-07|FEMALE|ADULT|{form}|CN");
        let mut found: Vec<_> = entries.iter().filter(|e| e.entity_key == key).collect();
        found.sort_by_key(|e| e.id);
        found
            .iter()
            .map(|e| (e.before.clone(), e.after.clone()))
            .collect()
    };
    let n = |n: i64| Some(format!("{{\"n\":{n},\"source_id\":{source}}}"));
    assert_eq!(of("FORCED_LABOUR"), [(None, n(2)), (n(2), n(4))]);
    assert_eq!(of("OTHER"), [(None, n(5)), (n(5), None)]);
    assert_eq!(of("CHILD_SALE"), [(None, n(1)), (n(1), n(2))]);
    assert_eq!(of("SEXUAL"), [(None, n(3))]);
}
