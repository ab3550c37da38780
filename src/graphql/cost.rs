//! The cost of an operation, as async-graphql computes it during validation from the
//! `complexity` the schema declares: each field costs 1, and a list field multiplies the cost of
//! what it selects by its page size ([`page_cost`]). [`CostLimit`] refuses an operation over the
//! limit, and can measure one without running it ([`CostProbe`]), which lets the HTTP layer add up
//! the cost of a whole batch before any of it runs. `caseStatistics` costs by the rows it can
//! list ([`statistics_cost`]), on GraphQL and in the CSV export alike.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation,
};
use async_graphql::{Response, ServerError, ValidationResult, Value};

use super::pagination::DEFAULT_PAGE_SIZE;
use super::region::RegionLevel;
use super::statistics::{Dimension, Granularity, StatisticsFilter};
use crate::ratelimit::{RateTicket, points};

pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";

/// The cost of a page: each of its items costs what it selects. `first` is validated later by
/// the resolver; a negative one costs nothing here and fails there.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let items = first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize);
    1usize.saturating_add(items.saturating_mul(child_complexity))
}

/// The most rows a `caseStatistics` request can list, known from its arguments alone (before
/// anything runs): the regions its region grouping can list (every unit of the level that ever
/// existed: 1 country; the 6 socio-economic regions and every 2025 unit, which can be a node of
/// its own at that level; 63 + 34 provinces), times the periods of its period grouping (inside
/// the period filter, else every year since the first month that can be imported), times every
/// value of each category it groups by. At most [`crate::statistics::MAX_ROWS`]: past it the
/// request is refused before its `GROUP BY` runs.
pub fn statistics_rows(
    group_by: &[Dimension],
    region_level: Option<RegionLevel>,
    granularity: Option<Granularity>,
    period: Option<&str>,
) -> usize {
    use crate::dimensions::{Category, values};
    use crate::statistics::PeriodSpec;
    let mut rows = 1usize;
    let mut counted = Vec::new();
    for d in group_by {
        if counted.contains(d) {
            continue;
        }
        counted.push(*d);
        let n = match d {
            Dimension::Region => {
                let (units_2024, units_2025) = reference_units();
                match region_level.unwrap_or(RegionLevel::Province) {
                    RegionLevel::Country => 1,
                    RegionLevel::SocioEconomicRegion => {
                        migration::reference::SOCIO_ECONOMIC_REGIONS.len() + units_2025
                    }
                    RegionLevel::Province => units_2024 + units_2025,
                }
            }
            Dimension::Period => {
                let per_year = |g: Granularity| -> usize {
                    match g {
                        Granularity::Year => 1,
                        Granularity::Quarter => 4,
                        Granularity::Month => 12,
                    }
                };
                let g = granularity.unwrap_or_default();
                match period.map(PeriodSpec::parse) {
                    Some(Ok(PeriodSpec::Year(_))) => per_year(g),
                    Some(Ok(PeriodSpec::Quarter(..))) => per_year(g).div_ceil(4),
                    // A month, or a period the resolver refuses.
                    Some(_) => 1,
                    None => {
                        use chrono::Datelike;
                        let years = chrono::Utc::now().year() - crate::ingest::csv::FIRST_YEAR + 1;
                        per_year(g) * years.max(1) as usize
                    }
                }
            }
            Dimension::Sex => values(Category::Sex).len(),
            Dimension::AgeGroup => values(Category::AgeGroup).len(),
            Dimension::ExploitationForm => values(Category::ExploitationForm).len(),
            Dimension::Destination => values(Category::Destination).len(),
        };
        rows = rows.saturating_mul(n);
    }
    rows.min(crate::statistics::MAX_ROWS)
}

/// The province-level units before and after July 2025, from the reference data.
fn reference_units() -> (usize, usize) {
    static UNITS: std::sync::OnceLock<(usize, usize)> = std::sync::OnceLock::new();
    *UNITS.get_or_init(|| {
        let count = |csv: &str| csv.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
        (
            count(migration::reference::PROVINCES_2024_CSV),
            count(migration::reference::PROVINCES_2025_CSV),
        )
    })
}

/// The cost of `caseStatistics`: what it selects, and 1 for each row it can list (see
/// [`statistics_rows`]), like a field. A table of 20,000 rows costs about 200 points; fifty aliased
/// copies of it are over the cost limit.
pub fn statistics_cost(
    group_by: &Option<Vec<Dimension>>,
    region_level: Option<RegionLevel>,
    granularity: Option<Granularity>,
    filter: &Option<StatisticsFilter>,
    child_complexity: usize,
) -> usize {
    let rows = statistics_rows(
        group_by.as_deref().unwrap_or_default(),
        region_level,
        granularity,
        filter.as_ref().and_then(|f| f.period.as_deref()),
    );
    1usize.saturating_add(child_complexity).saturating_add(rows)
}

/// The coded error of an operation over the cost limit.
pub fn too_complex(cost: usize, max: usize) -> ServerError {
    let mut e = ServerError::new(
        format!(
            "The request costs {cost}; at most {max} is accepted. Each field costs 1 and a list's page size (`first`, {DEFAULT_PAGE_SIZE} when not given) multiplies the cost of what it selects: ask for smaller pages or fewer fields."
        ),
        None,
    );
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", QUERY_TOO_COMPLEX);
    e.extensions = Some(ext);
    e
}

/// Request data that turns execution into a dry run: the operation is parsed and validated, its
/// cost recorded here, and nothing is resolved.
#[derive(Clone, Default)]
pub struct CostProbe(Arc<AtomicUsize>);

impl CostProbe {
    pub fn cost(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// The schema extension enforcing the cost limit of one operation.
pub struct CostLimit {
    pub max_complexity: usize,
}

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostLimitExtension {
            max: self.max_complexity,
        })
    }
}

struct CostLimitExtension {
    max: usize,
}

#[async_graphql::async_trait::async_trait]
impl Extension for CostLimitExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(probe) = ctx.data_opt::<CostProbe>() {
            probe.0.store(result.complexity, Ordering::Relaxed);
        }
        if result.complexity > self.max {
            return Err(vec![too_complex(result.complexity, self.max)]);
        }
        // The caller's budget pays for the operation before it runs (never for a dry run).
        if let Some(ticket) = ctx.data_opt::<RateTicket>()
            && ctx.data_opt::<CostProbe>().is_none()
        {
            let state = ticket.pay(points(result.complexity)).await;
            if !state.allowed {
                let mut e = ServerError::new(crate::ratelimit::rate_limited_message(&state), None);
                let mut ext = async_graphql::ErrorExtensionValues::default();
                ext.set("code", crate::ratelimit::RATE_LIMITED);
                e.extensions = Some(ext);
                return Err(vec![e]);
            }
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if ctx.data_opt::<CostProbe>().is_some() {
            return Response::new(Value::Null);
        }
        next.run(ctx, operation_name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_rows_multiply_regions_periods_and_categories() {
        use Dimension::*;
        assert_eq!(statistics_rows(&[], None, None, None), 1);
        assert_eq!(reference_units(), (63, 34));
        assert_eq!(
            statistics_rows(&[Region], Some(RegionLevel::Province), None, Some("2024")),
            97
        );
        assert_eq!(
            statistics_rows(
                &[Region, Period, Sex],
                Some(RegionLevel::Country),
                Some(Granularity::Month),
                Some("2024")
            ),
            12 * 3
        );
        assert_eq!(
            statistics_rows(&[Period], None, Some(Granularity::Month), Some("2024-Q3")),
            3
        );
        // Past the row limit a request is refused before it runs: it costs no more than that.
        assert_eq!(
            statistics_rows(
                &[Region, Period, Destination, ExploitationForm],
                None,
                Some(Granularity::Month),
                None
            ),
            crate::statistics::MAX_ROWS
        );
    }
}
