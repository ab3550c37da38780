//! Published figures kept up to date: an ADMIN adds a figure an official source published, or
//! corrects one, from GraphQL or from a CSV file in the shipped file's columns. Each figure is
//! checked the same way whichever way it comes, and every change is audited in the transaction
//! that makes it. A file is all or nothing, with every faulty line named.
use std::io::Read;

use chrono::Datelike;
use entity::{published_figure, region};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, TransactionTrait,
};

use crate::error::AppError;
use crate::ingest::csv::RowError;
use crate::store::writes::{self, Actor};

/// The columns of a figures file (`id` optional: with it, the line corrects that figure).
pub const COLUMNS: [&str; 10] = [
    "year",
    "scope",
    "metric",
    "value",
    "unit",
    "period_start",
    "period_end",
    "notes",
    "reliability",
    "source",
];

/// A figure as an ADMIN writes it.
#[derive(Debug, Clone, Default)]
pub struct FigureInput {
    pub year: i32,
    /// `national`, or the pre-2025 two-digit GSO code of a province.
    pub scope: String,
    pub metric: String,
    /// The number, or the text (e.g. a TIP report tier) when `unit` is `text`.
    pub value: String,
    /// `count`, `percent` or `text`.
    pub unit: String,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub notes: Option<String>,
    pub reliability: String,
    /// The code of the source that published it.
    pub source: String,
}

/// The checked figure, ready to store.
struct Checked {
    model: published_figure::ActiveModel,
}

fn month(field: &str, s: &Option<String>) -> Result<Option<String>, String> {
    let Some(s) = s.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    match crate::ingest::record::year_month(s) {
        Ok(_) => Ok(Some(s.to_owned())),
        Err(e) => Err(format!("{field}: {e}")),
    }
}

async fn check(txn: &DatabaseTransaction, input: &FigureInput) -> Result<Checked, Vec<String>> {
    let mut errors = Vec::new();
    let this_year = crate::write::today().year();
    if !(1990..=this_year).contains(&input.year) {
        errors.push(format!(
            "year {} is outside 1990–{this_year}: write the year the figure refers to",
            input.year
        ));
    }
    let scope = input.scope.trim();
    let region_code = match scope {
        "national" => Some("VN".to_owned()),
        s if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(migration::reference::province_2024_code(s))
        }
        _ => {
            errors.push(format!(
                "scope \"{scope}\" is neither `national` nor a pre-2025 two-digit GSO province code (e.g. 40)"
            ));
            None
        }
    };
    let region_id = match region_code {
        Some(code) => {
            let found = region::Entity::find()
                .filter(region::Column::Code.eq(&code))
                .one(txn)
                .await
                .map_err(|_| vec!["the regions could not be read".to_owned()])?;
            match found {
                Some(r) => Some(r.id),
                None => {
                    errors.push(format!("scope \"{scope}\" names no province ({code})"));
                    None
                }
            }
        }
        None => None,
    };
    let metric = input.metric.trim();
    if metric.is_empty()
        || !metric
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        errors.push(format!(
            "metric \"{metric}\" must be lower case with underscores, as the source counts it (e.g. victims_identified)"
        ));
    }
    let value = input.value.trim();
    let (number, text) = match input.unit.trim() {
        "text" if !value.is_empty() => (None, Some(value.to_owned())),
        "count" | "percent" => match value.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 0.0 => (Some(n), None),
            _ => {
                errors.push(format!(
                    "value \"{value}\" is not a number of 0 or more: write digits, with a point for decimals and no thousands separator"
                ));
                (None, None)
            }
        },
        "text" => {
            errors.push("value is empty: write the figure as published".to_owned());
            (None, None)
        }
        other => {
            errors.push(format!("unit \"{other}\" is not count, percent or text"));
            (None, None)
        }
    };
    let start = month("period_start", &input.period_start).map_err(|e| errors.push(e));
    let end = month("period_end", &input.period_end).map_err(|e| errors.push(e));
    if let (Ok(Some(s)), Ok(Some(e))) = (&start, &end)
        && s > e
    {
        errors.push(format!("period_start {s} is after period_end {e}"));
    }
    if input.reliability.trim().is_empty() {
        errors.push(
            "reliability is empty: say primary, secondary (official outlet) or secondary (news), with remarks"
                .to_owned(),
        );
    }
    let source = crate::store::catalogue::source_by_code(txn, input.source.trim())
        .await
        .map_err(|_| vec!["the sources could not be read".to_owned()])?;
    if source.is_none() {
        errors.push(format!(
            "no source has the code \"{}\": create it first (createSource or `ctip-api sources create`)",
            input.source.trim()
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Ok(start), Ok(end), Some(source)) = (start, end, source) else {
        return Err(vec!["the figure could not be checked".to_owned()]);
    };
    let notes = input
        .notes
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    Ok(Checked {
        model: published_figure::ActiveModel {
            year: Set(input.year),
            scope: Set(scope.to_owned()),
            region_id: Set(region_id),
            metric: Set(metric.to_owned()),
            value_number: Set(number),
            value_text: Set(text),
            unit: Set(input.unit.trim().to_owned()),
            period_start: Set(start),
            period_end: Set(end),
            notes: Set(notes.map(str::to_owned)),
            reliability: Set(input.reliability.trim().to_owned()),
            source_id: Set(source.id),
            ..Default::default()
        },
    })
}

fn json(m: &published_figure::Model) -> String {
    serde_json::json!({
        "year": m.year, "scope": m.scope, "metric": m.metric, "value": m.value_number,
        "value_text": m.value_text, "unit": m.unit, "period_start": m.period_start,
        "period_end": m.period_end, "notes": m.notes, "reliability": m.reliability,
        "source_id": m.source_id,
    })
    .to_string()
}

/// Adds (`id` None) or corrects one figure inside `txn`, audited.
async fn write(
    txn: &DatabaseTransaction,
    id: Option<i32>,
    input: &FigureInput,
    actor: &Actor,
) -> Result<Result<published_figure::Model, Vec<String>>, AppError> {
    let mut checked = match check(txn, input).await {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    let Some(id) = id else {
        let made = checked.model.insert(txn).await?;
        let after = Some(json(&made));
        writes::record(
            txn,
            actor,
            "add_published_figure",
            "published_figure",
            made.id.to_string(),
            None,
            after,
        )
        .await?;
        return Ok(Ok(made));
    };
    let Some(before) = published_figure::Entity::find_by_id(id).one(txn).await? else {
        return Ok(Err(vec![format!("no published figure has the id {id}")]));
    };
    checked.model.id = Set(id);
    let saved = checked.model.update(txn).await?;
    writes::record(
        txn,
        actor,
        "correct_published_figure",
        "published_figure",
        id.to_string(),
        Some(json(&before)),
        Some(json(&saved)),
    )
    .await?;
    Ok(Ok(saved))
}

/// Adds a figure (`id` None) or corrects one, audited.
pub async fn save(
    db: &DatabaseConnection,
    id: Option<i32>,
    input: &FigureInput,
    actor: &Actor,
) -> Result<published_figure::Model, AppError> {
    let txn = db.begin().await?;
    match write(&txn, id, input, actor).await? {
        Ok(m) => {
            txn.commit().await?;
            Ok(m)
        }
        Err(errors) if errors.iter().any(|e| e.starts_with("no published figure")) => {
            Err(AppError::NotFound(errors.join("; ")))
        }
        Err(errors) => Err(AppError::BadUserInput(format!(
            "nothing was written: {}",
            errors.join("; ")
        ))),
    }
}

/// The outcome of a figures file: how many lines were added and corrected, or every problem.
#[derive(Debug, Default)]
pub struct FiguresOutcome {
    pub accepted: bool,
    pub added: u64,
    pub corrected: u64,
    pub problems: Vec<RowError>,
}

/// Reads a figures file (UTF-8 CSV with a header naming [`COLUMNS`], plus `id` to correct) and
/// writes every line in one transaction, or nothing (with `dry_run`, nothing either way).
pub async fn import<R: Read>(
    db: &DatabaseConnection,
    reader: R,
    actor: &Actor,
    dry_run: bool,
) -> Result<FiguresOutcome, AppError> {
    let mut csv = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(reader);
    let problem = |line: u64, message: String| RowError {
        line,
        column: None,
        message,
    };
    let header = csv
        .headers()
        .map_err(|e| AppError::BadUserInput(format!("the file could not be read: {e}")))?
        .clone();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
    };
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| at(c).is_none())
        .collect();
    if !missing.is_empty() {
        let message = format!(
            "the header lacks {}: the columns are {} (and id, to correct a figure)",
            missing.join(", "),
            COLUMNS.join(",")
        );
        return Ok(FiguresOutcome {
            problems: vec![problem(1, message)],
            ..FiguresOutcome::default()
        });
    }
    let id_at = at("id");
    let txn = db.begin().await?;
    let mut out = FiguresOutcome::default();
    for record in csv.records() {
        let record = record
            .map_err(|e| AppError::BadUserInput(format!("the file could not be read: {e}")))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let get = |c: &str| {
            at(c)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let opt = |c: &str| Some(get(c)).filter(|s| !s.is_empty());
        let id = match id_at.and_then(|i| record.get(i)).map(str::trim) {
            None | Some("") => None,
            Some(s) => match s.parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    out.problems
                        .push(problem(line, format!("id \"{s}\" is not a figure's id")));
                    continue;
                }
            },
        };
        let Ok(year) = get("year").parse::<i32>() else {
            out.problems.push(problem(
                line,
                format!("year \"{}\" is not a year", get("year")),
            ));
            continue;
        };
        let input = FigureInput {
            year,
            scope: get("scope"),
            metric: get("metric"),
            value: get("value"),
            unit: get("unit"),
            period_start: opt("period_start"),
            period_end: opt("period_end"),
            notes: opt("notes"),
            reliability: get("reliability"),
            source: get("source"),
        };
        match write(&txn, id, &input, actor).await? {
            Ok(_) if id.is_some() => out.corrected += 1,
            Ok(_) => out.added += 1,
            Err(errors) => {
                for e in errors {
                    out.problems.push(problem(line, e));
                }
            }
        }
    }
    out.accepted = out.problems.is_empty();
    if out.accepted && !dry_run {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(out)
}
