//! Importing counts from CSV (the command `ctip-api import counts` and the mutation
//! `importCounts`): the file is read as a stream and checked line by line (`ingest::csv`), and
//! only a file without a single fault is written, in one transaction.
use std::io::Read;

use sea_orm::{DatabaseConnection, DbBackend};

use crate::count::Count;
use crate::disclosure::Secret;
use crate::error::AppError;
use crate::ingest::csv::{CountReader, Limits, RowError};
use crate::store::writes::{Actor, Changes};
use crate::write::{self, RegionIndex};

mod postgres;

/// At most this many problems are listed (all are counted).
pub const MAX_PROBLEMS: usize = 1000;

/// The outcome of one import.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub accepted: bool,
    pub rows: u64,
    pub changes: Option<Changes>,
    pub dry_run: bool,
    pub problems: Vec<RowError>,
    pub faulty_lines: u64,
}

/// What reading a whole file gave: how many lines it has, how many are faulty, and their
/// problems (up to [`MAX_PROBLEMS`]; a faulty header is a problem of its own).
pub(crate) struct Tally {
    pub lines: u64,
    pub faulty: u64,
    pub problems: Vec<RowError>,
}

impl Tally {
    /// The refusal of a file with problems, or None for a file without any.
    fn refusal(self, dry_run: bool) -> Option<ImportOutcome> {
        (!self.problems.is_empty()).then_some(ImportOutcome {
            accepted: false,
            rows: self.lines,
            changes: None,
            dry_run,
            problems: self.problems,
            faulty_lines: self.faulty,
        })
    }
}

/// Reads and checks the whole file (blocking: the reader may wait on a network stream), the one
/// loop both databases' imports use: `row` gets each checked count while no line has been faulty (nothing will be written after one); every problem is collected.
pub(crate) fn read_counts<R: Read>(
    reader: R,
    regions: &RegionIndex,
    max_count: i64,
    mut row: impl FnMut(Count) -> Result<(), AppError>,
) -> Result<Tally, AppError> {
    let limits = Limits {
        today: write::today(),
        max_count,
    };
    let counts = match CountReader::new(reader, regions, limits) {
        Ok(r) => r,
        Err(header) => {
            return Ok(Tally {
                lines: 0,
                faulty: 0,
                problems: vec![header],
            });
        }
    };
    let mut tally = Tally {
        lines: 0,
        faulty: 0,
        problems: Vec::new(),
    };
    for item in counts {
        tally.lines += 1;
        match item {
            Ok(r) if tally.faulty == 0 => row(r.count)?,
            Ok(_) => {}
            Err(errors) => {
                tally.faulty += 1;
                let room = MAX_PROBLEMS.saturating_sub(tally.problems.len());
                tally.problems.extend(errors.into_iter().take(room));
            }
        }
    }
    Ok(tally)
}

/// The rows of a file, held for one transaction (SQLite), and what reading it gave.
fn parse<R: Read>(
    reader: R,
    regions: &RegionIndex,
    max_count: i64,
) -> Result<(Tally, Vec<Count>), AppError> {
    let mut rows: Vec<Count> = Vec::new();
    let tally = read_counts(reader, regions, max_count, |c| {
        rows.push(c);
        Ok(())
    })?;
    Ok((tally, rows))
}

/// Reads, checks and (unless `dry_run` or any fault) writes a CSV file of counts. The file is
/// read as a stream on a blocking thread (it may be an upload still arriving). On PostgreSQL the
/// lines stream into `COPY` (see [`postgres`]); on SQLite the rows of a valid file are held in
/// memory (about 150 bytes each) so that the write is one transaction.
pub async fn import_counts<R: Read + Send + 'static>(
    db: &DatabaseConnection,
    k1: &Secret,
    source_id: i32,
    reader: R,
    actor: &Actor,
    dry_run: bool,
    max_count: i64,
) -> Result<ImportOutcome, AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        return postgres::import_counts(db, k1, source_id, reader, actor, dry_run, max_count).await;
    }
    let regions = RegionIndex::load(db).await?;
    let (tally, rows) = tokio::task::spawn_blocking(move || parse(reader, &regions, max_count))
        .await
        .map_err(|e| AppError::Internal(format!("the import task failed: {e}")))??;
    let read = tally.lines;
    if let Some(refused) = tally.refusal(dry_run) {
        return Ok(refused);
    }
    let changes = write::write_counts(db, k1, source_id, &rows, actor, dry_run).await?;
    if !dry_run {
        crate::store::analyze(db, &["case_count"]).await?;
    }
    Ok(ImportOutcome {
        accepted: true,
        rows: read,
        changes: Some(changes),
        dry_run,
        problems: Vec::new(),
        faulty_lines: 0,
    })
}

/// Who may import counts citing `source`, and with which ingest key: the one check the mutation
/// `importCounts` and the upload endpoint share, so that both refuse the same callers. An EDITOR
/// key writes only the sources it is bound to.
pub async fn authorize<'a>(
    db: &DatabaseConnection,
    k1: Option<&'a Secret>,
    caller: &crate::auth::Caller,
    source: &str,
) -> Result<(&'a Secret, entity::source::Model), AppError> {
    caller.require(crate::auth::Role::Editor)?;
    let k1 = k1.ok_or_else(|| {
        AppError::Forbidden("this server holds no ingest key (K1), so it cannot write counts: write through a server or command configured with CTIP_K1".to_owned())
    })?;
    let src = write::source(db, source).await?;
    caller.may_write(&src)?;
    Ok((k1, src))
}
