//! The words of a refusal: what was refused, the rule for that region, and the nearest grains
//! that would be served, every suggestion read from the age rule table.
use super::lattice::{
    AGE_GRAIN_TABLE, AgeAllowance, CategoryDim, PeriodGrain, RegionGrain, RequestWords,
    age_allowance,
};

/// Says what was refused, what the rule is for that region, and the nearest grains that
/// would be served: another period length or a coarser region for the same categories, or
/// fewer categories. Every suggestion is read from the table, so it is always allowed.
pub(crate) fn message(
    region: RegionGrain,
    period: PeriodGrain,
    others: &[CategoryDim],
    w: &RequestWords,
) -> String {
    let k = others.len();
    let used: Vec<&str> = others.iter().map(|d| d.phrase()).collect();
    let mut message = if age_allowance(region, period) == AgeAllowance::Never {
        format!(
            "age group by {} is published {}, not per {}",
            region.phrase(),
            describe_periods(region),
            period.phrase()
        )
    } else {
        format!(
            "age group by {} per {} is published with at most one other category \
             (sex, exploitation form or destination), and this request uses {k}: {}",
            region.phrase(),
            period.phrase(),
            used.join(", ")
        )
    };
    if k <= 1 {
        let mut moves = nearest_grains(region, period, k, w);
        if moves.is_empty() {
            // Not reached with the current table; the coarsest grain always takes age.
            moves.push(format!(
                "{} COUNTRY with {} YEAR",
                w.region_level, w.period_granularity
            ));
        }
        message.push_str("; ask for ");
        message.push_str(&moves.join(", or "));
    } else {
        // Fewer categories first (the usual intent), then the one grain that takes them all.
        message.push_str(&format!("; keep only one of {}", used.join(", ")));
        let moves = nearest_grains(region, period, 1, w);
        if age_allowance(region, period) == AgeAllowance::Never && !moves.is_empty() {
            message.push_str(&format!(" and ask for {}", moves.join(" or ")));
        }
        for r in AGE_GRAIN_TABLE.iter().filter(|r| r.allowance.permits(k)) {
            message.push_str(&format!(
                ", or ask for {} {} with {} {}, which allows age with any other categories",
                w.region_level,
                r.region.api_name(),
                w.period_granularity,
                r.period.api_name()
            ));
        }
    }
    message.push_str(&format!(
        " (any use of {} counts, as a filter or in {}, whatever the value; \
         a period or region filter counts as its length or level)",
        w.age_group, w.group_by
    ));
    message
}

/// Grains one step away that take age with `k` other categories: the same region at
/// another period length, or a coarser region at the same period length.
fn nearest_grains(
    region: RegionGrain,
    period: PeriodGrain,
    k: usize,
    w: &RequestWords,
) -> Vec<String> {
    let periods: Vec<&str> = PeriodGrain::ALL
        .iter()
        .filter(|p| **p != period && age_allowance(region, **p).permits(k))
        .map(|p| p.api_name())
        .collect();
    let regions: Vec<&str> = RegionGrain::ALL
        .iter()
        .filter(|r| **r < region && age_allowance(**r, period).permits(k))
        .map(|r| r.api_name())
        .collect();
    let mut grains = Vec::new();
    if !periods.is_empty() {
        grains.push(format!("{} {}", w.period_granularity, periods.join(" or ")));
    }
    if !regions.is_empty() {
        grains.push(format!("{} {}", w.region_level, regions.join(" or ")));
    }
    grains
}

/// "per year only, with at most one other category", or "per month or quarter with at
/// most one other category, and per year with any other categories".
fn describe_periods(region: RegionGrain) -> String {
    let allowed: Vec<(PeriodGrain, AgeAllowance)> = PeriodGrain::ALL
        .iter()
        .rev()
        .map(|p| (*p, age_allowance(region, *p)))
        .filter(|(_, a)| *a != AgeAllowance::Never)
        .collect();
    // Group consecutive period lengths with the same allowance, finest first.
    let mut groups: Vec<(Vec<&str>, AgeAllowance)> = Vec::new();
    for (period, allowance) in &allowed {
        match groups.last_mut() {
            Some((periods, a)) if a == allowance => periods.push(period.phrase()),
            _ => groups.push((vec![period.phrase()], *allowance)),
        }
    }
    let only = if allowed.len() == 1 { " only," } else { "" };
    let parts: Vec<String> = groups
        .iter()
        .map(|(periods, a)| format!("per {}{only} {}", periods.join(" or "), a.phrase()))
        .collect();
    parts.join(", and ")
}
