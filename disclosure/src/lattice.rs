//! The closed query lattice (disclosure.md §4): which grains a request may use at all.
//!
//! Noise stops averaging; the lattice stops differencing. A child count of one province in
//! one month must not be reachable as a sum or difference of nodes the API serves, so any
//! use of the age group is limited to the coarser grains of [`AGE_GRAIN_TABLE`]. The table is
//! data, published as is, and [`check_grain`] reads it, so the rule and its documentation
//! cannot drift apart. The derivability tests prove the table does what it claims.

/// The finest kind of region node a request serves or filters on.
///
/// Ordered from coarse to fine. Request mapping (done by the caller): a region filter or a
/// `REGION` grouping contributes the level it names; the finer of the two counts. A request
/// without either is at `Country`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegionGrain {
    /// The whole country.
    Country,
    /// One of the socio-economic regions.
    SocioEconomicRegion,
    /// A province (either set of boundaries, including a 2025 province spanning two regions).
    Province,
}

impl RegionGrain {
    /// Every region grain, coarse to fine.
    pub const ALL: [Self; 3] = [Self::Country, Self::SocioEconomicRegion, Self::Province];

    /// The API's `RegionLevel` spelling.
    #[must_use]
    pub const fn api_name(self) -> &'static str {
        match self {
            Self::Country => "COUNTRY",
            Self::SocioEconomicRegion => "SOCIO_ECONOMIC_REGION",
            Self::Province => "PROVINCE",
        }
    }

    /// Words for messages: "country", "socio-economic region", "province".
    #[must_use]
    pub const fn phrase(self) -> &'static str {
        match self {
            Self::Country => "country",
            Self::SocioEconomicRegion => "socio-economic region",
            Self::Province => "province",
        }
    }
}

/// The finest period a request serves or filters on. "All periods" (no period filter and
/// no `PERIOD` grouping) counts as `Year`: it is a union of whole years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodGrain {
    /// A calendar year, or all periods.
    Year,
    /// A calendar quarter.
    Quarter,
    /// A calendar month.
    Month,
}

impl PeriodGrain {
    /// Every period grain, coarse to fine.
    pub const ALL: [Self; 3] = [Self::Year, Self::Quarter, Self::Month];

    /// The API's `Granularity` spelling.
    #[must_use]
    pub const fn api_name(self) -> &'static str {
        match self {
            Self::Year => "YEAR",
            Self::Quarter => "QUARTER",
            Self::Month => "MONTH",
        }
    }

    /// Words for messages: "year", "quarter", "month".
    #[must_use]
    pub const fn phrase(self) -> &'static str {
        match self {
            Self::Year => "year",
            Self::Quarter => "quarter",
            Self::Month => "month",
        }
    }
}

/// A category dimension of the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CategoryDim {
    /// Sex of the victim.
    Sex,
    /// Age group of the victim: the dimension the lattice restricts.
    AgeGroup,
    /// Form of exploitation.
    ExploitationForm,
    /// Destination (domestic or a country).
    Destination,
}

impl CategoryDim {
    /// Every category dimension.
    pub const ALL: [Self; 4] = [
        Self::Sex,
        Self::AgeGroup,
        Self::ExploitationForm,
        Self::Destination,
    ];

    /// Words for messages: "sex", "age group", "exploitation form", "destination".
    #[must_use]
    pub const fn phrase(self) -> &'static str {
        match self {
            Self::Sex => "sex",
            Self::AgeGroup => "age group",
            Self::ExploitationForm => "exploitation form",
            Self::Destination => "destination",
        }
    }
}

/// The grain of one request: where it sits in the lattice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grain {
    /// The finest region level served or filtered on.
    pub region: RegionGrain,
    /// The finest period served or filtered on.
    pub period: PeriodGrain,
    /// Category dimensions used as a filter **or** a grouping. Duplicates are harmless:
    /// [`check_grain`] counts each dimension once.
    pub categories: Vec<CategoryDim>,
}

impl Grain {
    /// A grain with its categories sorted and deduplicated.
    #[must_use]
    pub fn new(
        region: RegionGrain,
        period: PeriodGrain,
        categories: impl IntoIterator<Item = CategoryDim>,
    ) -> Self {
        let mut categories: Vec<CategoryDim> = categories.into_iter().collect();
        categories.sort_unstable();
        categories.dedup();
        Self {
            region,
            period,
            categories,
        }
    }

    /// The distinct category dimensions other than age, in a fixed order.
    fn others(&self) -> Vec<CategoryDim> {
        let mut others: Vec<CategoryDim> = self
            .categories
            .iter()
            .copied()
            .filter(|d| *d != CategoryDim::AgeGroup)
            .collect();
        others.sort_unstable();
        others.dedup();
        others
    }
}

/// How many other category dimensions may be used together with the age group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeAllowance {
    /// Age may not be used at this region and period grain.
    Never,
    /// Age may be used with at most one of sex, exploitation form, destination.
    AtMostOneOther,
    /// Age may be used with any of the other category dimensions.
    AnyOthers,
}

impl AgeAllowance {
    /// Whether age together with `other_dims` other category dimensions is allowed.
    #[must_use]
    pub const fn permits(self, other_dims: usize) -> bool {
        match self {
            Self::Never => false,
            Self::AtMostOneOther => other_dims <= 1,
            Self::AnyOthers => true,
        }
    }

    /// A stable name for publishing the table: `NEVER`, `AT_MOST_ONE_OTHER`, `ANY_OTHERS`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Never => "NEVER",
            Self::AtMostOneOther => "AT_MOST_ONE_OTHER",
            Self::AnyOthers => "ANY_OTHERS",
        }
    }

    const fn phrase(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::AtMostOneOther => "with at most one other category",
            Self::AnyOthers => "with any other categories",
        }
    }
}

/// One cell of the age rule table: age used at `region` × `period` is allowed as `allowance` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgeGrainRule {
    /// Region grain of the request.
    pub region: RegionGrain,
    /// Period grain of the request.
    pub period: PeriodGrain,
    /// What is allowed with age at that grain.
    pub allowance: AgeAllowance,
}

const fn rule(region: RegionGrain, period: PeriodGrain, allowance: AgeAllowance) -> AgeGrainRule {
    AgeGrainRule {
        region,
        period,
        allowance,
    }
}

/// The age rule of disclosure.md §4.2, one row per region grain × period grain.
///
/// | age used with | month | quarter | year |
/// |---|---|---|---|
/// | country | ≤ 1 other | ≤ 1 other | any |
/// | socio-economic region | no | ≤ 1 other | ≤ 1 other |
/// | province | no | no | ≤ 1 other |
///
/// Requests that do not use age are allowed at every grain.
pub const AGE_GRAIN_TABLE: [AgeGrainRule; 9] = {
    use AgeAllowance::{AnyOthers, AtMostOneOther, Never};
    use PeriodGrain::{Month, Quarter, Year};
    use RegionGrain::{Country, Province, SocioEconomicRegion};
    [
        rule(Country, Month, AtMostOneOther),
        rule(Country, Quarter, AtMostOneOther),
        rule(Country, Year, AnyOthers),
        rule(SocioEconomicRegion, Month, Never),
        rule(SocioEconomicRegion, Quarter, AtMostOneOther),
        rule(SocioEconomicRegion, Year, AtMostOneOther),
        rule(Province, Month, Never),
        rule(Province, Quarter, Never),
        rule(Province, Year, AtMostOneOther),
    ]
};

/// The age rule table, for the API's methodology section.
#[must_use]
pub fn age_grain_table() -> &'static [AgeGrainRule] {
    &AGE_GRAIN_TABLE
}

/// What the table allows for age at `region` × `period`.
#[must_use]
pub fn age_allowance(region: RegionGrain, period: PeriodGrain) -> AgeAllowance {
    AGE_GRAIN_TABLE
        .iter()
        .find(|r| r.region == region && r.period == period)
        // Unreachable (the table has all nine combinations, checked by the tests);
        // refusing is the safe default for a hole.
        .map_or(AgeAllowance::Never, |r| r.allowance)
}

/// A request refused because its grain is outside the lattice.
///
/// The message names what the request asked and which grain is allowed instead; it
/// depends only on the grain, never on data, so it reveals nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrainRefusal {
    pub region: RegionGrain,
    pub period: PeriodGrain,
    /// The category dimensions used beside the age group.
    pub others: Vec<CategoryDim>,
}

/// How the caller's requests name their arguments, for the messages (this module knows no API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestWords {
    /// The argument that sets the region level (e.g. `regionLevel`).
    pub region_level: &'static str,
    /// The argument that sets the period length (e.g. `periodGranularity`).
    pub period_granularity: &'static str,
    /// The age group dimension (e.g. `ageGroup`).
    pub age_group: &'static str,
    /// The argument that lists the groupings (e.g. `groupBy`).
    pub group_by: &'static str,
}

impl GrainRefusal {
    /// The `extensions.code` the API attaches to this error.
    pub const CODE: &'static str = "GRAIN_NOT_ALLOWED";

    /// A sentence a person can act on, in the words of the caller's requests.
    pub fn message(&self, words: &RequestWords) -> String {
        refusal_message(self.region, self.period, &self.others, words)
    }
}

/// Checks a request's grain against the closed lattice.
///
/// Without the age group every grain is allowed. With it (as a filter or a grouping, any
/// value, adult included, because "adult" is the complement of "child" and would give the
/// child count by differencing), the region × period grain must be in [`AGE_GRAIN_TABLE`]
/// and the number of other category dimensions within its limit.
///
/// # Errors
///
/// [`GrainRefusal`] for a grain outside the table; the API answers it with
/// `extensions.code = "GRAIN_NOT_ALLOWED"` for the whole request.
pub fn check_grain(g: &Grain) -> Result<(), GrainRefusal> {
    if !g.categories.contains(&CategoryDim::AgeGroup) {
        return Ok(());
    }
    let others = g.others();
    if age_allowance(g.region, g.period).permits(others.len()) {
        return Ok(());
    }
    Err(GrainRefusal {
        region: g.region,
        period: g.period,
        others,
    })
}

/// Says what was refused, what the rule is for that region, and the nearest grains that
/// would be served: another period length or a coarser region for the same categories, or
/// fewer categories. Every suggestion is read from the table, so it is always allowed.
fn refusal_message(
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
