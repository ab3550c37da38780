//! `caseStatistics`: the resolver, its arguments and its result types. Every value here comes
//! out of `statistics::run` or the `CaseTotal` loader, which protect it. The enums are in
//! `statistics_enums`, the methodology in `methodology`.
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::ApiContext;
use super::ids::parse_global_id;
use super::region::{Region, RegionLevel};
use super::scalars::Date;
use super::source::Release;
use crate::dimensions::Category;
use crate::disclosure::ValueStatus as DValueStatus;
use crate::error::AppError;
use crate::statistics::{self, PeriodSpec, StatValue, StatsArgs};

pub use super::methodology::*;
pub use super::statistics_enums::*;

/// Equality on one node per dimension (the closed query lattice: no ranges, lists or negation).
#[derive(InputObject, Default, Clone)]
pub struct StatisticsFilter {
    /// A region code at any level: `VN`, `VN-RRD`, `VN-P63-10`, `VN-P34-15`.
    pub region: Option<String>,
    /// An aligned period: a year `2024`, a quarter `2024-Q3` or a month `2024-07`.
    pub period: Option<String>,
    /// One sex.
    pub sex: Option<Sex>,
    /// One age group (restricted by the age rule).
    pub age_group: Option<AgeGroup>,
    /// One form of exploitation.
    pub exploitation_form: Option<ExploitationForm>,
    /// One destination: `DOMESTIC`, a country code (`CN`, `KH`, `LA`, `MM`, `TH`, `MY`, `KR`), `OTHER` or `UNKNOWN`.
    pub destination: Option<String>,
}

/// An aligned period.
#[derive(SimpleObject, Clone)]
pub struct Period {
    /// First day.
    pub start: Option<Date>,
    /// Last day.
    pub end: Option<Date>,
    /// `2024`, `2024-Q3` or `2024-07`.
    pub label: String,
}

impl From<PeriodSpec> for Period {
    fn from(p: PeriodSpec) -> Self {
        Period {
            start: p.start().map(Date),
            end: p.end().map(Date),
            label: p.label(),
        }
    }
}

/// A protected number: adjusted by the cell-key method, shown or suppressed by the display rule.
/// Every value is documented as adjusted; none says whether it was changed.
#[derive(SimpleObject, Clone)]
#[graphql(cache_control(max_age = 300))]
pub struct StatisticValue {
    /// The adjusted count; null when suppressed.
    pub value: Option<i64>,
    /// PUBLISHED, SUPPRESSED or ZERO.
    pub status: ValueStatus,
    /// What a person reads: "12", "<5", "0".
    pub display: String,
    /// Per 100,000 inhabitants, from the adjusted value and the population of the period's year
    /// (or the nearest known year: see `populationYear`). Null when suppressed or unknown.
    #[graphql(name = "ratePer100k")]
    pub rate_per_100k: Option<f64>,
    /// The year of the population the rate used.
    pub population_year: Option<i32>,
}

impl From<&StatValue> for StatisticValue {
    fn from(v: &StatValue) -> Self {
        StatisticValue {
            value: v.protected.value,
            status: match v.protected.status {
                DValueStatus::Published => ValueStatus::Published,
                DValueStatus::Suppressed => ValueStatus::Suppressed,
                DValueStatus::Zero => ValueStatus::Zero,
            },
            display: v.protected.display.clone(),
            rate_per_100k: v.rate.map(|r| (r.per_100k * 1000.0).round() / 1000.0),
            population_year: v.rate.map(|r| r.population_year),
        }
    }
}

/// One group of a result. Dimensions not grouped by are null.
#[derive(SimpleObject, Clone)]
pub struct StatisticsRow {
    /// The region of the group.
    pub region: Option<Region>,
    /// The period of the group.
    pub period: Option<Period>,
    /// The sex of the group.
    pub sex: Option<Sex>,
    /// The age group of the group.
    pub age_group: Option<AgeGroup>,
    /// The exploitation form of the group.
    pub exploitation_form: Option<ExploitationForm>,
    /// The destination of the group.
    pub destination: Option<String>,
    /// The protected value.
    pub value: StatisticValue,
}

/// A protected table: one row per group, every category listed (zeros too), and the total as a
/// node of its own. Parts need not add up to the total: each is adjusted independently.
#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 300))]
pub struct StatisticsResult {
    /// The metric counted.
    pub metric: Metric,
    /// One row per group.
    pub rows: Vec<StatisticsRow>,
    /// The whole filtered set, protected like any other node.
    pub total: StatisticValue,
    /// The release the numbers come from: cite it to find them again.
    pub release: Release,
}

pub fn row_from(r: &statistics::StatRow) -> StatisticsRow {
    StatisticsRow {
        region: r.region.clone().map(Region),
        period: r.period.map(Period::from),
        sex: r.categories[0].and_then(Sex::from_db),
        age_group: r.categories[1].and_then(AgeGroup::from_db),
        exploitation_form: r.categories[2].and_then(ExploitationForm::from_db),
        destination: r.categories[3].map(str::to_owned),
        value: StatisticValue::from(&r.value),
    }
}

/// A release code from what a client sent: the code itself, or the release's global id.
pub fn release_code(id: &str) -> String {
    match parse_global_id(id) {
        Some((kind, key)) if kind == "Release" => key,
        _ => id.to_owned(),
    }
}

/// Everything `caseStatistics` takes, as the GraphQL and CSV layers receive it.
#[derive(Default, Clone)]
pub struct StatisticsArgs {
    pub metric: Option<Metric>,
    pub filter: StatisticsFilter,
    pub group_by: Vec<Dimension>,
    pub region_level: Option<RegionLevel>,
    pub period_granularity: Option<Granularity>,
    pub boundaries: Option<Boundaries>,
    pub release: Option<String>,
}

impl StatisticsArgs {
    /// The engine's form of the arguments (codes are resolved by `statistics::resolve`).
    pub fn engine(&self) -> StatsArgs {
        let f = &self.filter;
        let mut filters = Vec::new();
        if let Some(v) = f.sex {
            filters.push((Category::Sex, v.as_db().to_owned()));
        }
        if let Some(v) = f.age_group {
            filters.push((Category::AgeGroup, v.as_db().to_owned()));
        }
        if let Some(v) = f.exploitation_form {
            filters.push((Category::ExploitationForm, v.as_db().to_owned()));
        }
        if let Some(v) = &f.destination {
            filters.push((Category::Destination, v.clone()));
        }
        StatsArgs {
            metric: self.metric.map(Metric::engine),
            region: f.region.clone(),
            period: f.period.clone(),
            filters,
            group_by: self.group_by.iter().map(|d| d.engine()).collect(),
            region_level: self.region_level.map(RegionLevel::engine),
            granularity: self.period_granularity.map(Granularity::engine),
            boundaries: self.boundaries.map(Boundaries::engine),
            release: self.release.as_deref().map(release_code),
        }
    }
}

#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// Anonymized case statistics (see `dataset.methodology`). Filters are equality on one node
    /// per dimension; a request outside the closed query lattice fails as a whole with
    /// `GRAIN_NOT_ALLOWED` and a message saying which grain is allowed.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "super::cost::statistics_cost(&group_by, region_level, period_granularity, &filter, child_complexity)"
    )]
    async fn case_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What is counted.")] metric: Metric,
        #[graphql(desc = "Equality on one node per dimension.")] filter: Option<StatisticsFilter>,
        #[graphql(desc = "Dimensions to group by; every category is listed, zeros too.")] group_by: Option<Vec<Dimension>>,
        #[graphql(desc = "The level REGION groups at (default PROVINCE).")] region_level: Option<
            RegionLevel,
        >,
        #[graphql(desc = "The length of the periods PERIOD groups by (default YEAR).")]
        period_granularity: Option<Granularity>,
        #[graphql(
            desc = "AS_RECORDED (default) or V2025: old provinces re-expressed on the 2025 units."
        )]
        boundaries: Option<Boundaries>,
        #[graphql(desc = "Pin a release by its code or id (default: the current release).")]
        release: Option<ID>,
    ) -> Result<StatisticsResult> {
        let api = ctx.data::<ApiContext>()?;
        let args = StatisticsArgs {
            metric: Some(metric),
            filter: filter.unwrap_or_default(),
            group_by: group_by.unwrap_or_default(),
            region_level,
            period_granularity,
            boundaries,
            release: release.map(|r| r.0),
        };
        let snapshot = api
            .reference
            .current(&api.db)
            .await
            .map_err(AppError::from)?;
        let req = statistics::resolve(&snapshot, &args.engine())?;
        let result = statistics::run(&api.db, &api.disclosure, &snapshot, &req).await?;
        Ok(StatisticsResult {
            metric,
            rows: result.rows.iter().map(row_from).collect(),
            total: StatisticValue::from(&result.total),
            release: Release(result.release),
        })
    }
}
