//! The command line an operator runs: the real binary, on a SQLite file of its own.
use std::path::Path;
use std::process::{Command, Output};

use entity::audit_log;
use sea_orm::{EntityTrait, QueryOrder};

/// Runs `ctip-api <args>` in `dir`, against the database file there and the key file there.
fn ctip(dir: &Path, args: &[&str]) -> Output {
    let url = format!("sqlite://{}?mode=rwc", dir.join("ctip.db").display());
    Command::new(env!("CARGO_BIN_EXE_ctip-api"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", url)
        .env("CTIP_KEYS_FILE", dir.join("keys.env"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn keys_init_writes_an_owner_only_file_and_never_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let made = ctip(dir.path(), &["keys", "init"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let path = dir.path().join("keys.env");
    let first = std::fs::read_to_string(&path).unwrap();
    for name in ["CTIP_K1=", "CTIP_K2="] {
        let line = first.lines().find(|l| l.starts_with(name)).unwrap();
        let hex = &line[name.len()..];
        assert_eq!(hex.len(), 64, "{line}");
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()), "{line}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "the key file must be readable by its owner only"
        );
    }

    let again = ctip(dir.path(), &["keys", "init"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
}

#[tokio::test]
async fn the_whole_workflow_runs_from_the_command_line_audited_under_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/examples/synthetic-counts-2024.csv"
    );
    let ok = |o: Output| {
        assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
        stdout(&o)
    };
    ok(ctip(d, &["keys", "init"]));
    let publish = ctip(d, &["release", "publish", "--notes", "nothing yet"]);
    assert!(!publish.status.success());
    assert!(stderr(&publish).contains("no draft to publish"));

    ok(ctip(
        d,
        &[
            "sources",
            "create",
            "example-2024",
            "--kind",
            "DATASET",
            "--publisher",
            "ctip-api",
            "--title",
            "Synthetic example counts",
            "--synthetic",
            "--operator",
            "tester",
        ],
    ));
    let dup = ctip(
        d,
        &[
            "sources",
            "create",
            "example-2024",
            "--kind",
            "DATASET",
            "--publisher",
            "x",
            "--title",
            "y",
        ],
    );
    assert!(stderr(&dup).contains("exists already"), "{}", stderr(&dup));
    let listed = ok(ctip(d, &["sources", "list"]));
    let line = listed.lines().find(|l| l.starts_with("example-2024\t"));
    assert!(line.unwrap().ends_with("\tsynthetic"), "{listed}");

    let dry = ok(ctip(
        d,
        &[
            "import",
            "counts",
            example,
            "--source",
            "example-2024",
            "--dry-run",
        ],
    ));
    assert!(dry.contains("993 lines would change"), "{dry}");
    let done = ok(ctip(
        d,
        &[
            "import",
            "counts",
            example,
            "--source",
            "example-2024",
            "--operator",
            "tester",
        ],
    ));
    assert!(done.contains("993 lines written"), "{done}");
    let published = ok(ctip(
        d,
        &[
            "release",
            "publish",
            "--notes",
            "2024, synthetic example",
            "--operator",
            "tester",
        ],
    ));
    let code = published
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches(':');
    let releases = ok(ctip(d, &["release", "list"]));
    assert!(
        releases.lines().nth(1).unwrap().starts_with(code),
        "{releases}"
    );
    ok(ctip(
        d,
        &["sources", "retire", "example-2024", "--operator", "tester"],
    ));
    assert!(!ok(ctip(d, &["sources", "list"])).contains("example-2024"));
    assert!(ok(ctip(d, &["sources", "list", "--all"])).contains("synthetic,retired"));

    let url = format!("sqlite://{}?mode=rwc", d.join("ctip.db").display());
    let db = sea_orm::Database::connect(url).await.unwrap();
    let entries = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&db)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.action != "set_count")
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("create_source", "cli:tester"),
            ("publish_release", "cli:tester"),
            ("retire_source", "cli:tester"),
        ]
    );
    let counts = entries.iter().filter(|e| e.action == "set_count");
    assert_eq!(counts.clone().count(), 993);
    assert!(counts.into_iter().all(|e| e.actor == "cli:tester"));
}
