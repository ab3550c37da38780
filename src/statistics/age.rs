//! What applies only where the age group is used (disclosure.md §3, §4 rules 2 and 8, §5):
//!
//! - a period must be named (the sum over every period is the difference of year nodes in
//!   disguise);
//! - the period must be complete for every node served: each of its months inside the months
//!   the release holds and inside the life of the unit (a year a release holds only partly is
//!   one month or a few in disguise);
//! - age nodes are frozen: once a release has published a period complete, every later release
//!   serves the age nodes of that period from that first release (its "age vintage"), so two
//!   releases never differ on an age node, and revisions show only where age is not used.
//!
//! Every refusal is `GRAIN_NOT_ALLOWED` with a message that says what is allowed; it depends on
//! the request, the release's months and the units' dates, never on a count.
use entity::{region, release};

use super::{Boundaries, PeriodSpec, month_label};
use crate::error::AppError;
use crate::reference::Snapshot;
use crate::store::statistics as sql;

/// The months each published release holds, up to the release a request reads, oldest first.
#[derive(Debug, Clone)]
pub struct ReleaseMonths {
    releases: Vec<sql::ReleaseMonths>,
}

impl ReleaseMonths {
    /// The first and last month of every published release up to `release`, from the
    /// reference data (no statement).
    pub fn of_snapshot(snapshot: &Snapshot, release: &release::Model) -> Self {
        Self {
            releases: snapshot.release_months(release.id),
        }
    }

    /// The first and last month `release_id` holds (None for a release without counts).
    pub fn of(&self, release_id: i32) -> Option<(i32, i32)> {
        self.releases
            .iter()
            .find(|r| r.release_id == release_id)
            .map(|r| (r.first, r.last))
    }

    /// The age vintage of a period: the first release that held every one of its months.
    pub fn first_complete(&self, (from, to): (i32, i32)) -> Option<i32> {
        self.releases
            .iter()
            .find(|r| r.first <= from && to <= r.last)
            .map(|r| r.release_id)
    }
}

/// Rules 2 and 8 for the request as a whole: a named period, complete in the release, and a
/// region filter that existed throughout it.
pub fn check_request(
    period: Option<PeriodSpec>,
    region: Option<&region::Model>,
    boundaries: Boundaries,
    release: &release::Model,
    held: Option<(i32, i32)>,
) -> Result<(), AppError> {
    let Some(period) = period else {
        return Err(AppError::GrainNotAllowed(
            "with the age group, name a period: a year (\"2024\"), a quarter (\"2024-Q3\") or a \
             month (\"2024-07\") in the period filter; the sum over every period is not \
             published with the age group"
                .to_owned(),
        ));
    };
    let (from, to) = period.months();
    match held {
        Some((first, last)) if first <= from && to <= last => {}
        Some((first, last)) => {
            return Err(AppError::GrainNotAllowed(format!(
                "with the age group, a period is published only when the release holds every \
                 one of its months: release {} holds {} to {}, so {} is not complete in it; ask \
                 for a year, a quarter or a month within {} to {}",
                release.code,
                month_label(first),
                month_label(last),
                period.label(),
                month_label(first),
                month_label(last)
            )));
        }
        None => {
            return Err(AppError::GrainNotAllowed(format!(
                "release {} holds no counts, so no period is complete in it",
                release.code
            )));
        }
    }
    if let Some(r) = region {
        check_units(std::slice::from_ref(r), period, boundaries)?;
    }
    Ok(())
}

/// The months a unit's node can hold under `boundaries`: its life as recorded; under `V2025`
/// a unit of July 2025 also holds its predecessors' months, so every month before.
pub fn unit_months(r: &region::Model, boundaries: Boundaries) -> (Option<i32>, Option<i32>) {
    let month = |d: chrono::NaiveDate| {
        use chrono::Datelike;
        d.year() * 12 + d.month0() as i32
    };
    let from = match boundaries {
        Boundaries::V2025 if r.successor_id.is_none() => None,
        _ => r.valid_from.map(month),
    };
    (from, r.valid_to.map(month))
}

/// Rule 8 for the units a request serves: each must exist throughout the period.
pub fn check_units(
    units: &[region::Model],
    period: PeriodSpec,
    boundaries: Boundaries,
) -> Result<(), AppError> {
    let (from, to) = period.months();
    let partial: Vec<&region::Model> = units
        .iter()
        .filter(|r| {
            let (start, end) = unit_months(r, boundaries);
            start.is_some_and(|s| s > from) || end.is_some_and(|e| e < to)
        })
        .collect();
    let Some(first) = partial.first() else {
        return Ok(());
    };
    let life = match (first.valid_from, first.valid_to) {
        (Some(f), Some(t)) => format!("from {f} to {t}"),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("until {t}"),
        (None, None) => "always".to_owned(),
    };
    let others = match partial.len() - 1 {
        0 => String::new(),
        1 => " (and 1 other unit this request lists)".to_owned(),
        n => format!(" (and {n} other units this request lists)"),
    };
    let advice = if first.successor_id.is_some() || boundaries == Boundaries::V2025 {
        "; ask for a period within its life, or for the unit it went into with boundaries V2025 \
         (the 34 units of July 2025 hold every month of 2025 there)"
    } else {
        "; ask for a period within its life, or with boundaries V2025 (the 34 units of July 2025 \
         hold every month of 2025 there)"
    };
    Err(AppError::GrainNotAllowed(format!(
        "with the age group, a period is published for a unit only when the unit existed \
         throughout it: {} ({}) existed {life}{others}, so {} is not complete for it{advice}",
        first.code,
        first.name_en,
        period.label()
    )))
}
