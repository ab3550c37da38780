//! Anonymized case statistics: turns a request into one checked `GROUP BY` (disclosure.md §4),
//! lists every category (zeros too), and passes every node, the total included, through the
//! disclosure module before anything leaves. No GraphQL types here: the `graphql` and `http`
//! layers map [`StatsResult`] into their own shapes, so GraphQL and CSV serve the same numbers.
pub mod age;
pub mod period;
pub mod plan;
pub mod rate;
pub mod request;

use std::collections::{BTreeSet, HashMap};

use entity::{region, release};
use sea_orm::ConnectionTrait;

pub use crate::dimensions::Boundaries;
use crate::dimensions::{self, Category, MetricKind, RegionLevel};
use crate::disclosure::{
    AgeUse, DisplayPolicy, PeriodGrain, Protected, RequestWords, Secret, protect,
};
use crate::error::AppError;
use crate::reference::Snapshot;
use crate::store::statistics::{self as sql, GroupQuery, NodeSums};
pub use period::{PeriodSpec, month_label};
pub use plan::{check_boundaries, level_of, plan};
pub use rate::{Rate, nearest_population};
pub use request::{StatsArgs, resolve, resolve_release};

/// The serving half of the disclosure configuration.
pub struct Disclosure {
    pub k2: Secret,
    pub policy: DisplayPolicy,
}

impl Disclosure {
    /// Protects one node; `age` says whether it uses the age group (then zeros are "<5" too).
    pub fn protect(&self, n: i64, key_sum: i64, age: AgeUse) -> Protected {
        protect(&self.k2, n, key_sum, &self.policy, age)
    }
}

/// A dimension a result can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Region,
    Period,
    Category(Category),
}

/// Identifies a node of a grouped result: region, year, quarter or month, category values.
type NodeKey = (Option<i32>, Option<i32>, Option<i32>, Vec<String>);

/// Most rows one result may hold; past it the request is refused with advice to narrow it.
pub const MAX_ROWS: usize = 20_000;

/// How requests (GraphQL and the CSV export alike) name their arguments, for the disclosure
/// policy's refusals.
pub const REQUEST_WORDS: RequestWords = RequestWords {
    region_level: "regionLevel",
    period_granularity: "periodGranularity",
    age_group: "ageGroup",
    group_by: "groupBy",
};

/// A statistics request with its codes resolved.
#[derive(Debug, Clone)]
pub struct StatsRequest {
    pub metric: MetricKind,
    pub region: Option<region::Model>,
    pub period: Option<PeriodSpec>,
    pub filters: Vec<(Category, &'static str)>,
    pub group_by: Vec<Dimension>,
    /// The level `Dimension::Region` groups at.
    pub region_level: RegionLevel,
    pub granularity: PeriodGrain,
    pub boundaries: Boundaries,
    pub release: release::Model,
}

/// One protected value and its rate.
#[derive(Debug, Clone)]
pub struct StatValue {
    pub protected: Protected,
    pub rate: Option<Rate>,
}

#[derive(Debug, Clone)]
pub struct StatRow {
    pub region: Option<region::Model>,
    pub period: Option<PeriodSpec>,
    /// Sex, age group, exploitation form, destination: set for the grouped ones.
    pub categories: [Option<&'static str>; 4],
    pub value: StatValue,
}

#[derive(Debug, Clone)]
pub struct StatsResult {
    pub metric: MetricKind,
    pub rows: Vec<StatRow>,
    pub total: StatValue,
    pub release: release::Model,
}

fn slot(c: Category) -> usize {
    match c {
        Category::Sex => 0,
        Category::AgeGroup => 1,
        Category::ExploitationForm => 2,
        Category::Destination => 3,
    }
}

/// Validates a value of a category dimension, returning the stored form.
pub fn category_value(c: Category, v: &str) -> Result<&'static str, AppError> {
    dimensions::parse_value(c, v).map_err(AppError::BadUserInput)
}

impl StatsRequest {
    /// Whether the request uses the age group, as a filter or a grouping.
    pub fn uses_age(&self) -> bool {
        self.filters.iter().any(|(c, _)| *c == Category::AgeGroup)
            || self
                .group_by
                .contains(&Dimension::Category(Category::AgeGroup))
    }

    fn filters_on_age(&self) -> bool {
        self.filters.iter().any(|(c, _)| *c == Category::AgeGroup)
    }
}

/// Runs a request: one `GROUP BY` (one per age vintage where the age group is used and its
/// periods were first complete in different releases), every category listed, every node
/// protected. Everything else it needs (region nodes, populations, the releases' months) comes
/// from the reference data of the version the request was resolved against: no other statement.
pub async fn run(
    db: &impl ConnectionTrait,
    disclosure: &Disclosure,
    snapshot: &Snapshot,
    req: &StatsRequest,
) -> Result<StatsResult, AppError> {
    run_with(db, disclosure, snapshot, req, true).await
}

/// [`run`], choosing whether the per-release rollups may be read: the results are the same
/// (a test compares both ways); the rollups only make them fast.
pub async fn run_with(
    db: &impl ConnectionTrait,
    disclosure: &Disclosure,
    snapshot: &Snapshot,
    req: &StatsRequest,
    use_rollups: bool,
) -> Result<StatsResult, AppError> {
    plan::used_categories(req)?;
    let uses_age = req.uses_age();
    // The months of the releases: what "all periods" lists, and what age needs complete.
    let releases = if uses_age || req.period.is_none() {
        Some(age::ReleaseMonths::of_snapshot(snapshot, &req.release))
    } else {
        None
    };
    let held = releases.as_ref().and_then(|r| r.of(req.release.id));
    if uses_age {
        age::check_request(
            req.period,
            req.region.as_ref(),
            req.boundaries,
            &req.release,
            held,
        )?;
    }
    let months = req.period.map(PeriodSpec::months).or(held);
    let query = plan(req, months, use_rollups)?;

    // The keys of every row, zeros included: the presence of a row tells nothing.
    let regions: Vec<Option<region::Model>> = match query.group_region_level {
        Some(_) => {
            let Some(m) = months else {
                return Ok(empty(req, disclosure));
            };
            let within = req.region.as_ref().map(|r| (level_of(r), r.id));
            let nodes = snapshot.region_nodes(req.boundaries, req.region_level, m, within);
            if let (true, Some(period)) = (uses_age, req.period) {
                age::check_units(&nodes, period, req.boundaries)?;
            }
            nodes.into_iter().map(Some).collect()
        }
        None => vec![None],
    };
    let periods: Vec<Option<PeriodSpec>> = match query.group_period {
        Some(_) => match months {
            Some(m) => PeriodSpec::all_within(req.granularity, m)
                .into_iter()
                .map(Some)
                .collect(),
            None => Vec::new(),
        },
        None => vec![None],
    };
    let mut category_values: Vec<Vec<&'static str>> = vec![Vec::new()];
    for c in &query.group_categories {
        category_values = category_values
            .into_iter()
            .flat_map(|prefix| {
                dimensions::values(*c)
                    .iter()
                    .map(move |v| [prefix.clone(), vec![*v]].concat())
            })
            .collect();
    }
    let count = regions.len() * periods.len() * category_values.len();
    if count > MAX_ROWS {
        return Err(AppError::BadUserInput(format!(
            "this request would list {count} rows, more than the {MAX_ROWS} one answer may hold; filter on a region or a period, or group by fewer dimensions"
        )));
    }
    // Only a request within the row limit reaches the GROUP BY (below).

    // The release each node is read from: the one asked for, except for age nodes, which keep
    // the values of the release that first held their period complete.
    let release_of = |period: Option<PeriodSpec>, age: bool| -> i32 {
        match (age, period.or(req.period), &releases) {
            (true, Some(p), Some(r)) => r.first_complete(p.months()).unwrap_or(req.release.id),
            _ => req.release.id,
        }
    };
    // Every row of a request that uses age selects an age group, by its filter or its grouping.
    let row_age = uses_age;
    let total_age = req.filters_on_age();
    let mut wanted: BTreeSet<i32> = periods.iter().map(|p| release_of(*p, row_age)).collect();
    wanted.insert(release_of(None, total_age));
    let mut sums: HashMap<i32, Vec<NodeSums>> = HashMap::new();
    for release_id in wanted {
        let q = GroupQuery {
            release_id,
            ..query.clone()
        };
        sums.insert(release_id, sql::group_sums(db, &q).await?);
    }
    let by_key: HashMap<(i32, NodeKey), &NodeSums> = sums
        .iter()
        .flat_map(|(r, all)| {
            all.iter().map(move |s| {
                (
                    (
                        *r,
                        (s.region_id, s.year, s.sub_period, s.categories.clone()),
                    ),
                    s,
                )
            })
        })
        .collect();

    let country_code = req
        .region
        .as_ref()
        .or(regions.iter().flatten().next())
        .map_or("VN", |r| r.country_code.as_str());
    let populations = rate::Populations::of(snapshot, country_code);
    let fixed_region = req.region.clone().map(|r| r.id);
    let mut rows = Vec::with_capacity(count);
    for region in &regions {
        for period in &periods {
            let release_id = release_of(*period, row_age);
            for cats in &category_values {
                let (year, sub) = match period {
                    Some(PeriodSpec::Year(y)) => (Some(*y), None),
                    Some(PeriodSpec::Quarter(y, q)) => (Some(*y), Some(*q as i32)),
                    Some(PeriodSpec::Month(y, m)) => (Some(*y), Some(*m as i32)),
                    None => (None, None),
                };
                let key = (
                    release_id,
                    (
                        region.as_ref().map(|r| r.id),
                        year,
                        sub,
                        cats.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
                    ),
                );
                let (n, key_sum) = by_key.get(&key).map(|s| (s.n, s.key_sum)).unwrap_or((0, 0));
                let protected = disclosure.protect(n, key_sum, AgeUse::from_bool(row_age));
                let rate_region = region.as_ref().map(|r| r.id).or(fixed_region);
                let rate_year = period
                    .map(PeriodSpec::year)
                    .or(req.period.map(PeriodSpec::year));
                let rate = populations.rate(&protected, rate_region, rate_year);
                let mut categories = [None; 4];
                for (c, v) in query.group_categories.iter().zip(cats) {
                    categories[slot(*c)] = Some(*v);
                }
                rows.push(StatRow {
                    region: region.clone(),
                    period: *period,
                    categories,
                    value: StatValue { protected, rate },
                });
            }
        }
    }
    // The total is a node of its own: the same cells, summed, protected independently.
    let (n, key_sum) = sums
        .get(&release_of(None, total_age))
        .into_iter()
        .flatten()
        .fold((0i64, 0i64), |(n, k), s| {
            (n + s.n, k.wrapping_add(s.key_sum))
        });
    let protected = disclosure.protect(n, key_sum, AgeUse::from_bool(total_age));
    let total_region = fixed_region.or(populations.country_id);
    let rate = populations.rate(&protected, total_region, req.period.map(PeriodSpec::year));
    Ok(StatsResult {
        metric: req.metric,
        rows,
        total: StatValue { protected, rate },
        release: req.release.clone(),
    })
}

fn empty(req: &StatsRequest, disclosure: &Disclosure) -> StatsResult {
    StatsResult {
        metric: req.metric,
        rows: Vec::new(),
        total: StatValue {
            protected: disclosure.protect(0, 0, AgeUse::from_bool(req.filters_on_age())),
            rate: None,
        },
        release: req.release.clone(),
    }
}
