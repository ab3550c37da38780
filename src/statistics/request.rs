//! A statistics request as the GraphQL field, the CSV export and `Region.caseTotal` receive it,
//! resolved against the reference data of the current data version: codes to models, periods
//! parsed, category values checked. No statement runs here.
use entity::release;

use super::{Boundaries, Dimension, PeriodSpec, StatsRequest, category_value};
use crate::dimensions::{Category, MetricKind, RegionLevel};
use crate::disclosure::PeriodGrain;
use crate::error::AppError;
use crate::reference::Snapshot;

/// Everything `caseStatistics` takes, with the enums already read.
#[derive(Debug, Clone, Default)]
pub struct StatsArgs {
    pub metric: Option<MetricKind>,
    /// A region code at any level.
    pub region: Option<String>,
    /// `2024`, `2024-Q3` or `2024-07`.
    pub period: Option<String>,
    /// Equality filters on category dimensions, as sent (checked here).
    pub filters: Vec<(Category, String)>,
    pub group_by: Vec<Dimension>,
    pub region_level: Option<RegionLevel>,
    pub granularity: Option<PeriodGrain>,
    pub boundaries: Option<Boundaries>,
    /// A release code; the current release when absent.
    pub release: Option<String>,
}

/// The release a request reads: the one named, else the current one.
pub fn resolve_release(
    snapshot: &Snapshot,
    code: Option<&str>,
) -> Result<release::Model, AppError> {
    match code {
        Some(code) => snapshot.release_by_code(code).cloned().ok_or_else(|| {
            AppError::NotFound(format!(
                "no published release \"{code}\"; `releases` lists them"
            ))
        }),
        None => snapshot
            .current_release()
            .cloned()
            .ok_or_else(|| AppError::NotFound("no release has been published yet".to_owned())),
    }
}

/// Resolves codes and builds the engine's request; a wrong value is a `BAD_USER_INPUT` that says
/// why.
pub fn resolve(snapshot: &Snapshot, a: &StatsArgs) -> Result<StatsRequest, AppError> {
    let metric = a
        .metric
        .ok_or_else(|| AppError::BadUserInput("`metric` is required".to_owned()))?;
    let region = match &a.region {
        None => None,
        Some(code) => Some(snapshot.region_by_code(code).cloned().ok_or_else(|| {
            AppError::BadUserInput(format!(
                "no region has the code \"{code}\"; find codes with `regions(search: ...)`"
            ))
        })?),
    };
    let period = a
        .period
        .as_deref()
        .map(PeriodSpec::parse)
        .transpose()
        .map_err(AppError::BadUserInput)?;
    let filters = a
        .filters
        .iter()
        .map(|(c, v)| Ok((*c, category_value(*c, v)?)))
        .collect::<Result<Vec<_>, AppError>>()?;
    let mut group_by: Vec<Dimension> = Vec::new();
    for d in &a.group_by {
        if !group_by.contains(d) {
            group_by.push(*d);
        }
    }
    Ok(StatsRequest {
        metric,
        region,
        period,
        filters,
        group_by,
        region_level: a.region_level.unwrap_or(RegionLevel::Province),
        granularity: a.granularity.unwrap_or(PeriodGrain::Year),
        boundaries: a.boundaries.unwrap_or(Boundaries::AsRecorded),
        release: resolve_release(snapshot, a.release.as_deref())?,
    })
}
