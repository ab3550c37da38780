//! Checks a request against its metric's dimensions and the query lattice (disclosure.md §4),
//! and builds its one `GROUP BY`.
use entity::region;

use super::{Boundaries, Dimension, PeriodSpec, StatsRequest};
use crate::dimensions::{Category, RegionLevel};
use crate::disclosure::{Grain, PeriodGrain, RegionGrain, check_grain};
use crate::error::AppError;
use crate::store::statistics::{GroupQuery, PeriodGroup};

/// First month of the 34-unit set, numbered `year * 12 + month - 1`.
const MONTH_2025_07: i32 = 2025 * 12 + 6;

/// The level of a stored region.
pub fn level_of(r: &region::Model) -> RegionLevel {
    RegionLevel::from_db(&r.level).unwrap_or(RegionLevel::Province)
}

/// Refuses a unit of before July 2025 under `V2025`: its counts are served on the unit it went
/// into. The same check for `caseStatistics`, the CSV export and `Region.caseTotal`.
pub fn check_boundaries(region: &region::Model, boundaries: Boundaries) -> Result<(), AppError> {
    if boundaries == Boundaries::V2025
        && level_of(region) == RegionLevel::Province
        && region.successor_id.is_some()
    {
        return Err(AppError::BadUserInput(format!(
            "{} is a unit of before July 2025; with boundaries V2025, filter on the 2025 unit it went into (see its `successor`), or use boundaries AS_RECORDED",
            region.code
        )));
    }
    Ok(())
}

/// The category dimensions a request groups by.
pub(super) fn grouped_categories(req: &StatsRequest) -> impl Iterator<Item = Category> + '_ {
    req.group_by.iter().filter_map(|d| match d {
        Dimension::Category(c) => Some(*c),
        _ => None,
    })
}

/// The category dimensions a request uses, as filters or groupings; refuses one its metric
/// does not break down by.
pub(super) fn used_categories(req: &StatsRequest) -> Result<Vec<Category>, AppError> {
    let supported = req.metric.categories();
    let used: Vec<Category> = req
        .filters
        .iter()
        .map(|(c, _)| *c)
        .chain(grouped_categories(req))
        .collect();
    if let Some(c) = used.iter().find(|c| !supported.contains(c)) {
        let names: Vec<&str> = supported.iter().map(|c| c.phrase()).collect();
        return Err(AppError::BadUserInput(format!(
            "{} is not broken down by {}; it supports: {}",
            req.metric.as_str(),
            c.phrase(),
            if names.is_empty() {
                "no category".to_owned()
            } else {
                names.join(", ")
            }
        )));
    }
    Ok(used)
}

/// Checks the request against the metric's dimensions and the lattice; builds its `GROUP BY`.
pub fn plan(
    req: &StatsRequest,
    months: Option<(i32, i32)>,
    use_rollups: bool,
) -> Result<GroupQuery, AppError> {
    let used_categories = used_categories(req)?;
    let group_region = req.group_by.contains(&Dimension::Region);
    let group_period = req.group_by.contains(&Dimension::Period);
    if let Some(r) = &req.region {
        check_boundaries(r, req.boundaries)?;
    }
    // The finest region node the request serves or filters on.
    let mut region_grain = req
        .region
        .as_ref()
        .map(|r| level_of(r).grain())
        .unwrap_or(RegionGrain::Country);
    if group_region {
        region_grain = region_grain.max(req.region_level.grain());
    }
    // A 2025 province made of two regions' provinces is served as a node of its own at the region
    // level, and V2025 regions differ from recorded ones by whole provinces: with either in play, a
    // "region" node can be a province, so the province rule applies (see the derivability tests).
    let reaches_2025_units =
        req.boundaries == Boundaries::V2025 || months.is_none_or(|(_, to)| to >= MONTH_2025_07);
    if region_grain == RegionGrain::SocioEconomicRegion && reaches_2025_units {
        region_grain = RegionGrain::Province;
    }
    let mut period_grain = req
        .period
        .map(PeriodSpec::grain)
        .unwrap_or(PeriodGrain::Year);
    if group_period {
        period_grain = period_grain.max(req.granularity);
    }
    let grain = Grain::new(region_grain, period_grain, used_categories.iter().copied());
    check_grain(&grain).map_err(|r| AppError::GrainNotAllowed(r.message(&super::REQUEST_WORDS)))?;

    Ok(GroupQuery {
        metric: req.metric.as_str(),
        release_id: req.release.id,
        boundaries: req.boundaries,
        region_filter: req.region.as_ref().map(|r| (level_of(r), r.id)),
        months: req.period.map(PeriodSpec::months),
        category_filters: req.filters.clone(),
        group_region_level: group_region.then_some(req.region_level),
        group_region_only: None,
        group_period: group_period.then_some(match req.granularity {
            PeriodGrain::Year => PeriodGroup::Year,
            PeriodGrain::Quarter => PeriodGroup::Quarter,
            PeriodGrain::Month => PeriodGroup::Month,
        }),
        group_categories: grouped_categories(req).collect(),
        use_rollups,
    })
}
