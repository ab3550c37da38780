//! The keys are part of the data: the database holds a fingerprint of K1 and K2, and a process
//! with other keys than those its counts were made with refuses to serve or write; the embedded
//! default never makes new keys for a database that holds counts.
use std::path::Path;
use std::process::{Command, Output};

use ctip_api::config::ServeConfig;
use ctip_api::metrics::Metrics;
use ctip_api::startup::Application;
use entity::case_count;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::TestApp;

const OTHER_KEY: &str = "5555555555555555555555555555555555555555555555555555555555555555";

/// Builds a server on the test app's database with these keys (hex), in place of the test keys.
async fn build_with(app: &TestApp, k1: Option<&str>, k2: &str) -> Result<Application, String> {
    let mut cfg = ServeConfig::for_database(&app.database_url);
    cfg.keys.keys_file = "/nonexistent/ctip-test-keys.env".into();
    cfg.keys.k1 = k1.map(|k| k.to_owned().into());
    cfg.keys.k2 = Some(k2.to_owned().into());
    let keys = ctip_api::keys::load(&cfg.keys, false).unwrap();
    Application::with_database(cfg, app.db.clone(), Metrics::new(), keys)
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_server_with_other_keys_than_its_counts_were_made_with_refuses_to_start() {
    let app = TestApp::spawn().await;
    let test_k2 = crate::helpers::test_keys().k2.to_hex();
    let test_k1 = crate::helpers::test_keys().k1.to_hex();
    let err = build_with(&app, None, OTHER_KEY)
        .await
        .err()
        .expect("refused");
    assert!(
        err.contains("K2") && err.contains("fingerprint") && !err.contains(OTHER_KEY),
        "{err}"
    );
    let err = build_with(&app, Some(OTHER_KEY), &test_k2)
        .await
        .err()
        .expect("refused");
    assert!(err.contains("K1"), "{err}");
    assert!(
        build_with(&app, Some(&test_k1), &test_k2).await.is_ok(),
        "the right keys start"
    );
}

#[tokio::test]
async fn an_import_with_another_ingest_key_writes_nothing() {
    let app = TestApp::spawn().await;
    let before = case_count::Entity::find().count(&app.db).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("counts.csv");
    std::fs::write(
        &file,
        "metric,region,month,sex,age_group,exploitation_form,destination,count\n\
         VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,UNDER_16,SEXUAL,CN,9\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ctip-api"))
        .args(["import", "counts", file.to_str().unwrap()])
        .args([
            "--source",
            "synthetic-demo",
            "--database-url",
            &app.database_url,
        ])
        .args(["--keys-file", "/nonexistent/keys.env"])
        .env_remove("CTIP_K2")
        .env("CTIP_K1", OTHER_KEY)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("K1") && said.contains("fingerprint"),
        "{said}"
    );
    assert_eq!(
        case_count::Entity::find().count(&app.db).await.unwrap(),
        before
    );
}

/// Runs the binary on the embedded default (ctip.db and ctip-keys.env in `dir`).
fn embedded(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ctip-api"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_embedded_default_never_makes_new_keys_for_a_database_that_holds_counts() {
    let dir = tempfile::tempdir().unwrap();
    let seed = ["seed-demo", "--from-year", "2024", "--to-year", "2024"];
    let first = embedded(dir.path(), &seed);
    assert!(first.status.success(), "{first:?}");
    let keys = dir.path().join("ctip-keys.env");
    let original = std::fs::read_to_string(&keys).unwrap();
    std::fs::remove_file(&keys).unwrap();
    let lost = embedded(dir.path(), &seed);
    assert!(!lost.status.success(), "a lost key file is not replaced");
    let said = String::from_utf8_lossy(&lost.stderr);
    assert!(
        said.contains("ctip-keys.env") && said.contains("missing"),
        "{said}"
    );
    assert!(!keys.exists(), "no new key file was made");
    // Another key file (a wrong backup) is refused too.
    std::fs::write(&keys, format!("CTIP_K1={OTHER_KEY}\nCTIP_K2={OTHER_KEY}\n")).unwrap();
    let wrong = embedded(dir.path(), &seed);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("fingerprint"));
    std::fs::write(&keys, original).unwrap();
    let restored = embedded(dir.path(), &seed);
    assert!(restored.status.success(), "{restored:?}");
}
