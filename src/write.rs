//! The write service shared by the GraphQL mutations and the command line: checks incoming counts
//! against the reference data, then writes them through `store::writes` in one transaction.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::{region, source};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

use crate::dimensions::{self, Category, MetricKind};
use crate::disclosure::Secret;
use crate::error::AppError;
use crate::store::fingerprints::{self, Check};
use crate::store::writes::{self, Actor, Changes, CountWrite};

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
        if crate::graphql::region::is_valid_on(r, first) {
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

/// One count as a client sends it (GraphQL input or a CSV record), before validation.
#[derive(Debug, Clone)]
pub struct CountInput {
    pub metric: MetricKind,
    pub region: String,
    pub month: String,
    pub sex: String,
    pub age_group: String,
    pub exploitation_form: String,
    pub destination: String,
    pub count: i64,
}

/// Checks one input: known codes, a province valid in that month, a past month, a non-negative
/// count, dimensions that apply to the metric. The errors say what to change.
pub fn validate(
    input: &CountInput,
    regions: &RegionIndex,
    today: NaiveDate,
    max_count: i64,
) -> Result<CountWrite, Vec<String>> {
    let mut errors = Vec::new();
    let month = parse_month(&input.month, today)
        .map_err(|e| errors.push(e))
        .ok();
    let mut category = |c: Category, v: &str| -> &'static str {
        match dimensions::values(c).iter().find(|x| **x == v) {
            None => {
                errors.push(format!(
                    "\"{v}\" is not a {}; use one of {}",
                    c.phrase(),
                    dimensions::values(c).join(", ")
                ));
                "UNKNOWN"
            }
            Some(x) if *x != "UNKNOWN" && !input.metric.supports(c) => {
                let supported: Vec<&str> = input
                    .metric
                    .categories()
                    .iter()
                    .map(|c| c.phrase())
                    .collect();
                errors.push(format!(
                    "{} is not broken down by {} (it supports {}): leave it UNKNOWN",
                    input.metric.as_str(),
                    c.phrase(),
                    if supported.is_empty() {
                        "none".to_owned()
                    } else {
                        supported.join(", ")
                    }
                ));
                x
            }
            Some(x) => x,
        }
    };
    let sex = category(Category::Sex, &input.sex);
    let age_group = category(Category::AgeGroup, &input.age_group);
    let exploitation_form = category(Category::ExploitationForm, &input.exploitation_form);
    let destination = category(Category::Destination, &input.destination);
    if input.count < 0 {
        errors.push(format!(
            "the count must be 0 or more; it was {}",
            input.count
        ));
    } else if let Err(e) = crate::ingest::csv::within_ceiling(input.count, max_count) {
        errors.push(e);
    }
    let region = month.and_then(|(y, m)| {
        regions
            .province(&input.region, y, m)
            .map_err(|e| errors.push(e))
            .ok()
    });
    match (month, region) {
        (Some((year, month)), Some(r)) if errors.is_empty() => Ok(CountWrite {
            metric: input.metric,
            region_id: r.id,
            region_code: r.code.clone(),
            year,
            month,
            sex,
            age_group,
            exploitation_form,
            destination,
            count: input.count,
        }),
        _ => Err(errors),
    }
}

/// `YYYY-MM`, a month that has ended.
pub fn parse_month(s: &str, today: NaiveDate) -> Result<(i32, u32), String> {
    let bad = || format!("\"{s}\" is not a month: write YYYY-MM, e.g. 2024-07");
    let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (year, month): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&month) || year < 1990 {
        return Err(bad());
    }
    if (year, month) >= (today.year(), today.month()) {
        return Err(format!(
            "{s} has not ended yet: only past months can be written"
        ));
    }
    Ok((year, month))
}

/// A source by its code or global id, for a write to cite.
pub async fn source(db: &DatabaseConnection, id: &str) -> Result<source::Model, AppError> {
    let code = match crate::graphql::ids::parse_global_id(id) {
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
pub fn refuse_repeated_cells(rows: &[CountWrite]) -> Result<(), AppError> {
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
    rows: &[CountWrite],
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
