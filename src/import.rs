//! Importing counts from CSV (the command `ctip-api import counts` and the mutation
//! `importCounts`): the file is read as a stream and checked line by line (`ingest::csv`), and
//! only a file without a single fault is written, in one transaction.
use std::io::Read;

use sea_orm::DatabaseConnection;

use crate::disclosure::Secret;
use crate::error::AppError;
use crate::ingest::csv::{CountReader, ImportLimits, RegionCheck, RowError};
use crate::store::writes::{Actor, Changes, CountWrite};
use crate::write::{self, RegionIndex};

/// At most this many problems are listed (all are counted).
pub const MAX_PROBLEMS: usize = 1000;

impl RegionCheck for RegionIndex {
    fn check(&self, code: &str, year: i32, month: u32) -> Result<(), String> {
        self.province(code, year, month).map(|_| ())
    }
}

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

/// Reads, checks and (unless `dry_run` or any fault) writes a CSV file of counts. The rows of a
/// valid file are held in memory (about 150 bytes each) so that the write is one transaction.
pub async fn import_counts<R: Read>(
    db: &DatabaseConnection,
    k1: &Secret,
    source_id: i32,
    reader: R,
    actor: &Actor,
    dry_run: bool,
    max_count: i64,
) -> Result<ImportOutcome, AppError> {
    let regions = RegionIndex::load(db).await?;
    let limits = ImportLimits {
        today: write::today(),
        max_errors: MAX_PROBLEMS,
        max_count,
    };
    let refused = |problems: Vec<RowError>, rows: u64, faulty: u64| ImportOutcome {
        accepted: false,
        rows,
        changes: None,
        dry_run,
        problems,
        faulty_lines: faulty,
    };
    let counts = match CountReader::new(reader, &regions, limits) {
        Ok(r) => r,
        Err(header) => return Ok(refused(vec![header], 0, 0)),
    };
    let mut rows: Vec<CountWrite> = Vec::new();
    let mut problems = Vec::new();
    let (mut read, mut faulty) = (0u64, 0u64);
    for item in counts {
        read += 1;
        match item {
            Ok(r) => {
                let province = regions
                    .province(&r.region, r.year, r.month)
                    .map_err(AppError::BadUserInput)?;
                rows.push(CountWrite {
                    metric: r.metric,
                    region_id: province.id,
                    region_code: province.code.clone(),
                    year: r.year,
                    month: r.month,
                    sex: r.sex,
                    age_group: r.age_group,
                    exploitation_form: r.exploitation_form,
                    destination: r.destination,
                    count: r.count,
                });
            }
            Err(errors) => {
                faulty += 1;
                for e in errors {
                    if problems.len() < MAX_PROBLEMS {
                        problems.push(e);
                    }
                }
            }
        }
    }
    if faulty > 0 {
        return Ok(refused(problems, read, faulty));
    }
    let changes = write::write_counts(db, k1, source_id, &rows, actor, dry_run).await?;
    Ok(ImportOutcome {
        accepted: true,
        rows: read,
        changes: Some(changes),
        dry_run,
        problems: Vec::new(),
        faulty_lines: 0,
    })
}
