//! The write side: counts land in the draft release, each change is audited in the same
//! transaction, and publishing freezes the draft into an immutable release with its rollups.
//! Writers are serialized (an advisory lock on PostgreSQL, the write lock on SQLite), so two
//! imports never interleave; every write is one transaction, so a failure leaves nothing behind.
use std::collections::HashMap;

use chrono::Utc;
use entity::{audit_log, case_count, release};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::count::Count;
use crate::dimensions::MetricKind;
use crate::disclosure::Secret;

/// What a write changed (or, in a dry run, would change).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub inserted: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
}

/// Who writes, as the audit log records it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub key_id: Option<i32>,
    pub name: String,
}

/// One audit entry to append: action, entity, entity key, before and after (JSON).
type AuditRow<'a> = (&'a str, &'a str, String, Option<String>, Option<String>);

/// Serializes writers across processes and replicas for the rest of the transaction.
pub async fn lock_writers(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7246200)")
                .await?;
        }
        _ => {
            // A write statement takes SQLite's write lock now (waiting out busy_timeout), instead of
            // failing later when the transaction first writes.
            txn.execute_unprepared("UPDATE release SET id = id WHERE id < 0")
                .await?;
        }
    }
    Ok(())
}

/// The draft release writes land in (created on the first write after a publication).
pub async fn draft_release(txn: &DatabaseTransaction) -> Result<release::Model, DbErr> {
    if let Some(d) = release::Entity::find()
        .filter(release::Column::PublishedAt.is_null())
        .one(txn)
        .await?
    {
        return Ok(d);
    }
    release::ActiveModel {
        code: Set(format!("draft-{}", Utc::now().format("%Y%m%dT%H%M%S%.6f"))),
        published_at: Set(None),
        created_at: Set(Utc::now()),
        notes: Set("Draft: not public until published.".to_owned()),
        ..Default::default()
    }
    .insert(txn)
    .await
}

async fn audit(
    txn: &DatabaseTransaction,
    actor: &Actor,
    rows: Vec<AuditRow<'_>>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let models: Vec<audit_log::ActiveModel> = rows
        .into_iter()
        .map(
            |(action, entity, key, before, after)| audit_log::ActiveModel {
                at: Set(now),
                key_id: Set(actor.key_id),
                actor: Set(actor.name.clone()),
                action: Set(action.to_owned()),
                entity: Set(entity.to_owned()),
                entity_key: Set(key),
                before: Set(before),
                after: Set(after),
                ..Default::default()
            },
        )
        .collect();
    for chunk in models.chunks(1000) {
        audit_log::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The key sum of each row (disclosure.md §1; 0 for a count of 0), in order. One HMAC per unit:
/// run it before taking the writers' lock, and off the async workers.
pub fn key_sums(k1: &Secret, rows: &[Count]) -> Vec<i64> {
    rows.iter().map(|w| w.key_sum(k1)).collect()
}

/// Writes one source's counts into the draft: a new cell is inserted, a changed one gets a new
/// version (the published version stays for the releases that hold it), a count set to 0 removes
/// the cell from the draft. `key_sums` are the rows' key sums ([`key_sums`]), in order.
///
/// A cell is its dimensions and its source: the counts other sources hold for the same
/// dimensions are neither read nor touched, so what the answer reports (inserted, updated,
/// removed, unchanged) tells the writer about its own source's cells only.
pub async fn apply_counts(
    txn: &DatabaseTransaction,
    source_id: i32,
    rows: &[Count],
    key_sums: &[i64],
    actor: &Actor,
) -> Result<Changes, DbErr> {
    if key_sums.len() != rows.len() {
        return Err(DbErr::Custom(
            "apply_counts needs one key sum per row".to_owned(),
        ));
    }
    lock_writers(txn).await?;
    let draft = draft_release(txn).await?;
    let mut changes = Changes::default();
    // Read the current versions one (metric, year, month) at a time: a file of a year costs
    // about a hundred reads, whatever its length.
    // Each row with its key sum, by (metric, year, month).
    type Group<'a> = Vec<(&'a Count, i64)>;
    let mut groups: HashMap<(MetricKind, i32, u32), Group<'_>> = HashMap::new();
    for (r, k) in rows.iter().zip(key_sums) {
        groups
            .entry((r.metric, r.year, r.month))
            .or_default()
            .push((r, *k));
    }
    let mut inserts: Vec<case_count::ActiveModel> = Vec::new();
    let mut closes: Vec<i64> = Vec::new();
    let mut deletes: Vec<i64> = Vec::new();
    let mut audits = Vec::new();
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort_by_key(|(m, y, mo)| (m.as_str(), *y, *mo));
    for (metric, year, month) in keys {
        let current: HashMap<(i32, String, String, String, String), case_count::Model> =
            case_count::Entity::find()
                .filter(case_count::Column::Metric.eq(metric.as_str()))
                .filter(case_count::Column::Year.eq(year))
                .filter(case_count::Column::Month.eq(month as i32))
                .filter(case_count::Column::ReleaseTo.is_null())
                .filter(case_count::Column::SourceId.eq(source_id))
                .all(txn)
                .await?
                .into_iter()
                .map(|c| {
                    (
                        (
                            c.region_id,
                            c.sex.clone(),
                            c.age_group.clone(),
                            c.exploitation_form.clone(),
                            c.destination.clone(),
                        ),
                        c,
                    )
                })
                .collect();
        for &(w, w_key_sum) in &groups[&(metric, year, month)] {
            let k = (
                w.region_id,
                w.sex.to_owned(),
                w.age_group.to_owned(),
                w.exploitation_form.to_owned(),
                w.destination.to_owned(),
            );
            let old = current.get(&k);
            let before = old.map(|c| c.n).unwrap_or(0);
            if before == w.count {
                changes.unchanged += 1;
                continue;
            }
            match old {
                // A version made in this draft is not public yet: replace it.
                Some(c) if c.release_from == draft.id => deletes.push(c.id),
                Some(c) => closes.push(c.id),
                None => {}
            }
            if w.count > 0 {
                inserts.push(case_count::ActiveModel {
                    metric: Set(metric.as_str().to_owned()),
                    region_id: Set(w.region_id),
                    year: Set(w.year),
                    month: Set(w.month as i32),
                    sex: Set(w.sex.to_owned()),
                    age_group: Set(w.age_group.to_owned()),
                    exploitation_form: Set(w.exploitation_form.to_owned()),
                    destination: Set(w.destination.to_owned()),
                    n: Set(w.count),
                    key_sum: Set(w_key_sum),
                    source_id: Set(source_id),
                    release_from: Set(draft.id),
                    release_to: Set(None),
                    ..Default::default()
                });
            }
            match (old, w.count) {
                (None, _) => changes.inserted += 1,
                (Some(_), 0) => changes.removed += 1,
                (Some(_), _) => changes.updated += 1,
            }
            let before_json =
                old.map(|c| json!({ "n": c.n, "source_id": c.source_id }).to_string());
            let after_json =
                (w.count > 0).then(|| json!({ "n": w.count, "source_id": source_id }).to_string());
            audits.push((
                "set_count",
                "case_count",
                w.cell_label(),
                before_json,
                after_json,
            ));
        }
    }
    for chunk in deletes.chunks(1000) {
        case_count::Entity::delete_many()
            .filter(case_count::Column::Id.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
    }
    for chunk in closes.chunks(1000) {
        let q = Query::update()
            .table(case_count::Entity)
            .value(case_count::Column::ReleaseTo, draft.id)
            .and_where(Expr::col(case_count::Column::Id).is_in(chunk.to_vec()))
            .to_owned();
        txn.execute(&q).await?;
    }
    for chunk in inserts.chunks(2000) {
        case_count::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    audit(txn, actor, audits).await?;
    Ok(changes)
}

/// Freezes the draft into a published release with its rollups. None when there is no draft.
pub async fn publish_release(
    txn: &DatabaseTransaction,
    notes: &str,
    actor: &Actor,
) -> Result<Option<release::Model>, DbErr> {
    lock_writers(txn).await?;
    let Some(draft) = release::Entity::find()
        .filter(release::Column::PublishedAt.is_null())
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    // Release codes carry the date of publication in Vietnam, like every date the API gives.
    let today = crate::calendar::date_in_vietnam(now)
        .format("%Y-%m-%d")
        .to_string();
    let same_day = release::Entity::find()
        .filter(release::Column::Code.starts_with(&today))
        .order_by_desc(release::Column::Id)
        .all(txn)
        .await?
        .len();
    let revised = revised_months(txn, draft.id).await?;
    let notes = if revised.is_empty() {
        notes.to_owned()
    } else {
        format!(
            "{notes}\n\nRevised periods: {}. Figures that use the age group keep, for periods an \
             earlier release held whole, the values that release published; the revisions show in \
             the figures without age.",
            revised.join(", ")
        )
    };
    let mut active: release::ActiveModel = draft.clone().into();
    active.code = Set(format!("{today}.{}", same_day + 1));
    active.published_at = Set(Some(now));
    active.notes = Set(notes);
    let published = active.update(txn).await?;
    crate::store::statistics::build_rollups(txn, published.id).await?;
    let after = json!({ "code": published.code, "notes": published.notes }).to_string();
    audit(
        txn,
        actor,
        vec![(
            "publish_release",
            "release",
            published.code.clone(),
            None,
            Some(after),
        )],
    )
    .await?;
    Ok(Some(published))
}

/// The months (`2024-07`) a draft revises: months the latest published release already held,
/// in which the draft adds, changes or removes a cell.
async fn revised_months(txn: &DatabaseTransaction, draft_id: i32) -> Result<Vec<String>, DbErr> {
    let held = crate::store::statistics::release_months(txn, draft_id - 1)
        .await?
        .last()
        .map(|r| r.last);
    let Some(last_held) = held else {
        return Ok(Vec::new());
    };
    let changed = case_count::Entity::find()
        .filter(
            case_count::Column::ReleaseFrom
                .eq(draft_id)
                .or(case_count::Column::ReleaseTo.eq(draft_id)),
        )
        .select_only()
        .column(case_count::Column::Year)
        .column(case_count::Column::Month)
        .distinct()
        .into_tuple::<(i32, i32)>()
        .all(txn)
        .await?;
    let mut months: Vec<(i32, i32)> = changed
        .into_iter()
        .filter(|(y, m)| y * 12 + m - 1 <= last_held)
        .collect();
    months.sort_unstable();
    months.dedup();
    Ok(months
        .into_iter()
        .map(|(y, m)| format!("{y}-{m:02}"))
        .collect())
}

/// Appends one audit entry (for writes outside the count path).
pub async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    entity: &str,
    key: String,
    before: Option<String>,
    after: Option<String>,
) -> Result<(), DbErr> {
    audit(txn, actor, vec![(action, entity, key, before, after)]).await
}
