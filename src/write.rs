//! The write service shared by the GraphQL mutations and the command line: checks incoming counts
//! against the reference data, then writes them through `store::writes` in one transaction.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{region, source};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

use crate::count::Count;
use crate::disclosure::Secret;
use crate::error::AppError;
use crate::ingest::record::{self, Limits, RegionCheck};
use crate::store::fingerprints::{self, Check};
use crate::store::writes::{self, Actor, Changes};

/// The provinces by code, to check that a count's province existed in its month.
pub struct RegionIndex {
    provinces: HashMap<String, region::Model>,
}

impl RegionIndex {
    pub async fn load(db: &DatabaseConnection) -> Result<Self, AppError> {
        let provinces = region::Entity::find()
            .filter(region::Column::Level.eq("PROVINCE"))
            .all(db)
            .await?;
        Ok(RegionIndex {
            provinces: provinces.into_iter().map(|r| (r.code.clone(), r)).collect(),
        })
    }

    /// The province, if `code` names one valid in that month.
    pub fn province(&self, code: &str, year: i32, month: u32) -> Result<&region::Model, String> {
        let Some(r) = self.provinces.get(code) else {
            return Err(format!(
                "\"{code}\" is not a province code (e.g. VN-P63-10 before July 2025, VN-P34-15 from July 2025)"
            ));
        };
        let first = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| format!("{year}-{month:02} is not a month"))?;
        if crate::regions::is_valid_on(r, first) {
            Ok(r)
        } else {
            let span = match (r.valid_from, r.valid_to) {
                (_, Some(to)) => format!("it existed until {to}; use the unit it went into"),
                (Some(from), None) => {
                    format!("it exists from {from}; use the unit that was there before")
                }
                (None, None) => "it has no validity".to_owned(),
            };
            Err(format!(
                "{code} ({}) was not a province in {year}-{month:02}: {span}",
                r.name_en
            ))
        }
    }
}

impl RegionCheck for RegionIndex {
    fn check(&self, code: &str, year: i32, month: u32) -> Result<i32, String> {
        self.province(code, year, month).map(|r| r.id)
    }
}

/// Checks one count given as the text of its fields (in the order of [`record::COLUMNS`]), with
/// the checks and messages of the CSV import; each message names the field.
pub fn validate(
    fields: [&str; 8],
    regions: &RegionIndex,
    limits: Limits,
) -> Result<Count, Vec<String>> {
    record::check(|c| Ok(fields[c].trim()), regions, limits).map_err(|errors| {
        let named = errors.into_iter();
        named
            .map(|(c, m)| format!("{}: {m}", record::COLUMNS[c]))
            .collect()
    })
}

/// A source by its code or global id, for a write to cite.
pub async fn source(db: &DatabaseConnection, id: &str) -> Result<source::Model, AppError> {
    let code = match crate::ids::parse_global_id(id) {
        Some((kind, key)) if kind == "Source" => key,
        _ => id.to_owned(),
    };
    crate::store::catalogue::source_by_code(db, &code)
        .await?
        .ok_or_else(|| AppError::BadUserInput(format!("no source has the code \"{code}\"; create it first (createSource) or list them with `sources`")))
}

/// Today in Vietnam: a month has ended when it has ended in Vietnam.
pub fn today() -> NaiveDate {
    crate::calendar::today()
}

/// Refuses a batch that names the same cell twice (which count would be meant?).
pub fn refuse_repeated_cells(rows: &[Count]) -> Result<(), AppError> {
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        if let Some(first) = seen.insert(r.cell_label(), i) {
            return Err(AppError::BadUserInput(format!(
                "nothing was written: counts[{i}] is the same cell as counts[{first}] ({}): send each cell once",
                r.cell_label()
            )));
        }
    }
    Ok(())
}

/// Writes validated counts in one transaction, or nothing. The record keys are computed first,
/// away from the async workers and before the writers' lock is taken: a big count costs its
/// writer time, never the other writers. With `dry_run` the transaction is rolled back: the
/// answer says what would change.
pub async fn write_counts(
    db: &DatabaseConnection,
    k1: &Secret,
    source_id: i32,
    rows: &[Count],
    actor: &Actor,
    dry_run: bool,
) -> Result<Changes, AppError> {
    let key_sums = {
        let (k1, rows) = (k1.clone(), rows.to_vec());
        tokio::task::spawn_blocking(move || writes::key_sums(&k1, &rows))
            .await
            .map_err(|e| AppError::Internal(format!("computing record keys: {e}")))?
    };
    let txn = db.begin().await?;
    writes::lock_writers(&txn).await?;
    // Counts keyed with another K1 than the stored ones would get noise from unrelated keys.
    if fingerprints::check(&txn, "K1", k1).await? == Check::Mismatch {
        return Err(AppError::Forbidden(
            "nothing was written: this server's ingest key (K1) is not the one the counts in the \
             database were made with; configure the key file or CTIP_K1 that belongs to it"
                .to_owned(),
        ));
    }
    let changes = writes::apply_counts(&txn, source_id, rows, &key_sums, actor).await?;
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(changes)
}

/// Freezes the draft into a new release (audited), for the mutation and the command line alike.
pub async fn publish(
    db: &DatabaseConnection,
    notes: &str,
    actor: &Actor,
) -> Result<entity::release::Model, AppError> {
    let txn = db.begin().await?;
    let Some(published) = writes::publish_release(&txn, notes, actor).await? else {
        return Err(AppError::BadUserInput(
            "there is no draft to publish: write counts first".to_owned(),
        ));
    };
    txn.commit().await?;
    // The release's rollups (and the counts it froze) are what every public query reads next.
    crate::store::analyze(db, &crate::store::STATISTICS_TABLES).await?;
    Ok(published)
}
