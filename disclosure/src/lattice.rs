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

    pub(crate) const fn phrase(self) -> &'static str {
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
        super::refusal::message(self.region, self.period, &self.others, words)
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
