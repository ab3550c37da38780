//! The import on PostgreSQL: each line, once checked, goes straight into `COPY` to a staging
//! table, and one set of statements merges the staging table into the draft, with an audit entry
//! per changed cell, all in one transaction. Neither the file nor its rows are ever held whole:
//! the only state that grows with the file is the duplicate check's compact keys. A file with a
//! fault stops feeding `COPY` at that line (its other faults are still found) and the
//! transaction is rolled back: nothing is written.
use std::io::{Read, Write};

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::{self, Row};
use tokio::sync::mpsc;

use super::{ImportOutcome, read_counts};
use crate::disclosure::Secret;
use crate::error::AppError;
use crate::store::writes::{Actor, Changes};
use crate::write::RegionIndex;

/// Bytes of `COPY` text sent at a time.
const CHUNK: usize = 256 * 1024;

/// The staging table, dropped with the transaction. `cell_key` is the audit log's key of the
/// cell (`Count::cell_label`).
const STAGE: &str = "CREATE TEMP TABLE import_stage (
    metric TEXT NOT NULL, region_id INTEGER NOT NULL, year INTEGER NOT NULL, month INTEGER NOT NULL,
    sex TEXT NOT NULL, age_group TEXT NOT NULL, exploitation_form TEXT NOT NULL,
    destination TEXT NOT NULL, n BIGINT NOT NULL, key_sum BIGINT NOT NULL, cell_key TEXT NOT NULL
) ON COMMIT DROP";

/// The staged cells whose count differs from the current version of the same source's cell, with
/// that version. (A utility statement takes no bound parameters: the source id is an integer.)
fn diff(source_id: i32) -> String {
    format!(
        "CREATE TEMP TABLE import_diff ON COMMIT DROP AS
SELECT s.*, c.id AS old_id, c.n AS old_n, c.source_id AS old_source, c.release_from AS old_from
FROM import_stage s
LEFT JOIN case_count c
  ON c.release_to IS NULL AND c.source_id = {source_id} AND c.metric = s.metric
 AND c.region_id = s.region_id AND c.year = s.year AND c.month = s.month AND c.sex = s.sex
 AND c.age_group = s.age_group AND c.exploitation_form = s.exploitation_form
 AND c.destination = s.destination
WHERE COALESCE(c.n, 0) <> s.n"
    )
}

/// What the diff changes: inserted, updated, removed.
const COUNT_CHANGES: &str = "SELECT
  COUNT(*) FILTER (WHERE old_id IS NULL) AS inserted,
  COUNT(*) FILTER (WHERE old_id IS NOT NULL AND n > 0) AS updated,
  COUNT(*) FILTER (WHERE old_id IS NOT NULL AND n = 0) AS removed
FROM import_diff";

/// A version made in this draft is not public yet: it is replaced. A published one is closed,
/// and stays for the releases that hold it.
const DELETE_DRAFT_VERSIONS: &str =
    "DELETE FROM case_count WHERE id IN (SELECT old_id FROM import_diff WHERE old_from = $1)";
const CLOSE_PUBLISHED: &str = "UPDATE case_count SET release_to = $1
WHERE id IN (SELECT old_id FROM import_diff WHERE old_id IS NOT NULL AND old_from <> $1)";
const INSERT_VERSIONS: &str = "INSERT INTO case_count
  (metric, region_id, year, month, sex, age_group, exploitation_form, destination, n, key_sum,
   source_id, release_from, release_to)
SELECT metric, region_id, year, month, sex, age_group, exploitation_form, destination, n, key_sum,
   $2, $1, NULL
FROM import_diff WHERE n > 0";
/// The same entries, with the same JSON text, as `store::writes::apply_counts` writes.
const AUDIT: &str =
    "INSERT INTO audit_log (at, key_id, actor, action, entity, entity_key, before, after)
SELECT now(), $2, $3, 'set_count', 'case_count', cell_key,
  CASE WHEN old_id IS NULL THEN NULL
       ELSE '{\"n\":' || old_n || ',\"source_id\":' || old_source || '}' END,
  CASE WHEN n > 0 THEN '{\"n\":' || n || ',\"source_id\":' || CAST($1 AS INTEGER) || '}' END
FROM import_diff";

fn internal(e: sqlx::Error) -> AppError {
    AppError::Internal(format!("import on PostgreSQL: {e}"))
}

/// The PostgreSQL counterpart of `import_counts`, with the same outcome.
pub(super) async fn import_counts<R: Read + Send + 'static>(
    db: &DatabaseConnection,
    k1: &Secret,
    source_id: i32,
    reader: R,
    actor: &Actor,
    dry_run: bool,
    max_count: i64,
) -> Result<ImportOutcome, AppError> {
    // Counts keyed with another K1 than the stored ones would get noise from unrelated keys.
    if crate::store::fingerprints::check(db, "K1", k1).await?
        == crate::store::fingerprints::Check::Mismatch
    {
        return Err(AppError::Forbidden(
            "nothing was written: this server's ingest key (K1) is not the one the counts in the \
             database were made with; configure the key file or CTIP_K1 that belongs to it"
                .to_owned(),
        ));
    }
    let regions = RegionIndex::load(db).await?;
    let mut tx = db
        .get_postgres_connection_pool()
        .begin()
        .await
        .map_err(internal)?;
    sqlx::query(STAGE)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;

    let (chunks, mut staged) = mpsc::channel::<Vec<u8>>(4);
    let k1 = k1.clone();
    let parser =
        tokio::task::spawn_blocking(move || stage(reader, &regions, &k1, &chunks, max_count));
    let mut copy = tx
        .copy_in_raw("COPY import_stage FROM STDIN (FORMAT text)")
        .await
        .map_err(internal)?;
    while let Some(chunk) = staged.recv().await {
        copy.send(chunk).await.map_err(internal)?;
    }
    let parsed = parser
        .await
        .map_err(|e| AppError::Internal(format!("the import task failed: {e}")))??;
    let rows = match parsed {
        Ok(rows) => {
            copy.finish().await.map_err(internal)?;
            rows
        }
        Err(refused) => {
            copy.abort("the file was refused").await.map_err(internal)?;
            tx.rollback().await.map_err(internal)?;
            return Ok(ImportOutcome { dry_run, ..refused });
        }
    };

    // Writers are serialized as `store::writes::lock_writers` does, from here on only: the file
    // was read and its record keys computed before, so a big file never holds other writers up.
    sqlx::query("SELECT pg_advisory_xact_lock(7246200)")
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    let draft = draft_release(&mut tx).await?;
    // A temporary table has no statistics until analyzed: without them the planner joins a
    // million staged cells to the counts one index lookup at a time. The diff compares with the
    // caller's source only: another source's counts are none of its business.
    for statement in ["ANALYZE import_stage".to_owned(), diff(source_id)] {
        // Built from constants and an integer id only.
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
    }
    let counted = sqlx::query(COUNT_CHANGES)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    let get = |name: &str| -> Result<u64, AppError> {
        let n: i64 = counted.try_get(name).map_err(internal)?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let (inserted, updated, removed) = (get("inserted")?, get("updated")?, get("removed")?);
    let changes = Changes {
        inserted,
        updated,
        removed,
        unchanged: rows - inserted - updated - removed,
    };
    if dry_run {
        tx.rollback().await.map_err(internal)?;
    } else {
        for statement in [DELETE_DRAFT_VERSIONS, CLOSE_PUBLISHED] {
            sqlx::query(statement)
                .bind(draft)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        sqlx::query(INSERT_VERSIONS)
            .bind(draft)
            .bind(source_id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        sqlx::query(AUDIT)
            .bind(source_id)
            .bind(actor.key_id)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        crate::store::analyze(db, &["case_count"]).await?;
    }
    Ok(ImportOutcome {
        accepted: true,
        rows,
        changes: Some(changes),
        dry_run,
        problems: Vec::new(),
        faulty_lines: 0,
    })
}

/// The draft release writes land in, made on the first write after a publication (as
/// `store::writes::draft_release` does).
async fn draft_release(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<i32, AppError> {
    let found = sqlx::query("SELECT id FROM release WHERE published_at IS NULL LIMIT 1")
        .fetch_optional(&mut **tx)
        .await
        .map_err(internal)?;
    if let Some(row) = found {
        return row.try_get("id").map_err(internal);
    }
    let code = format!("draft-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"));
    sqlx::query(
        "INSERT INTO release (code, published_at, created_at, notes) \
         VALUES ($1, NULL, now(), 'Draft: not public until published.') RETURNING id",
    )
    .bind(code)
    .fetch_one(&mut **tx)
    .await
    .map_err(internal)?
    .try_get("id")
    .map_err(internal)
}

/// Reads and checks the file, sending the `COPY` text of its lines while none is faulty: the
/// number of lines, or the refusal with every problem (up to [`super::MAX_PROBLEMS`]).
fn stage<R: Read>(
    reader: R,
    regions: &RegionIndex,
    k1: &Secret,
    out: &mpsc::Sender<Vec<u8>>,
    max_count: i64,
) -> Result<Result<u64, ImportOutcome>, AppError> {
    let stopped = || AppError::Internal("the database stopped taking the import".to_owned());
    let mut buf = Vec::with_capacity(CHUNK + 512);
    let tally = read_counts(reader, regions, max_count, |c| {
        let ks = c.key_sum(k1);
        let m = c.metric.as_str();
        // Every value is a code from a closed list or a number: nothing to escape.
        writeln!(
            buf,
            "{m}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{ks}\t{}",
            c.region_id,
            c.year,
            c.month,
            c.sex,
            c.age_group,
            c.exploitation_form,
            c.destination,
            c.count,
            c.cell_label(),
        )
        .map_err(|e| AppError::Internal(format!("staging: {e}")))?;
        if buf.len() >= CHUNK {
            let full = std::mem::replace(&mut buf, Vec::with_capacity(CHUNK + 512));
            out.blocking_send(full).map_err(|_| stopped())?;
        }
        Ok(())
    })?;
    let read = tally.lines;
    if let Some(refused) = tally.refusal(false) {
        return Ok(Err(refused));
    }
    if !buf.is_empty() {
        out.blocking_send(buf).map_err(|_| stopped())?;
    }
    Ok(Ok(read))
}
