//! The dimensions of the case counts (domain.md): metrics with their unit type and the category
//! dimensions each supports, and the values of each dimension as stored. Pure data; the GraphQL
//! enums mirror it.
use crate::disclosure::UnitType;

/// A category dimension of the finest cell (period and region are the other two).
pub use crate::disclosure::CategoryDim as Category;

pub const SEXES: [&str; 3] = ["FEMALE", "MALE", "UNKNOWN"];
pub const AGE_GROUPS: [&str; 4] = ["UNDER_16", "AGE_16_17", "ADULT", "UNKNOWN"];
pub const EXPLOITATION_FORMS: [&str; 8] = [
    "SEXUAL",
    "FORCED_LABOUR",
    "FORCED_MARRIAGE",
    "CHILD_SALE",
    "ORGAN_REMOVAL",
    "FORCED_CRIMINALITY",
    "OTHER",
    "UNKNOWN",
];
/// `DOMESTIC`, the countries where Vietnamese victims are most often taken, and `UNKNOWN`.
pub const DESTINATIONS: [&str; 10] = [
    "DOMESTIC", "CN", "KH", "LA", "MM", "TH", "MY", "KR", "OTHER", "UNKNOWN",
];

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    CasesDetected,
    CasesProsecuted,
    SuspectsArrested,
    SuspectsProsecuted,
    SuspectsConvicted,
    VictimsIdentified,
    VictimsRescued,
    VictimsSupported,
    HotlineReports,
}

impl MetricKind {
    pub const ALL: [MetricKind; 9] = [
        MetricKind::CasesDetected,
        MetricKind::CasesProsecuted,
        MetricKind::SuspectsArrested,
        MetricKind::SuspectsProsecuted,
        MetricKind::SuspectsConvicted,
        MetricKind::VictimsIdentified,
        MetricKind::VictimsRescued,
        MetricKind::VictimsSupported,
        MetricKind::HotlineReports,
    ];

    /// The stored name (and the GraphQL enum value).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::CasesDetected => "CASES_DETECTED",
            MetricKind::CasesProsecuted => "CASES_PROSECUTED",
            MetricKind::SuspectsArrested => "SUSPECTS_ARRESTED",
            MetricKind::SuspectsProsecuted => "SUSPECTS_PROSECUTED",
            MetricKind::SuspectsConvicted => "SUSPECTS_CONVICTED",
            MetricKind::VictimsIdentified => "VICTIMS_IDENTIFIED",
            MetricKind::VictimsRescued => "VICTIMS_RESCUED",
            MetricKind::VictimsSupported => "VICTIMS_SUPPORTED",
            MetricKind::HotlineReports => "HOTLINE_REPORTS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Metrics of the same unit type share record keys (disclosure.md §1).
    pub fn unit_type(self) -> UnitType {
        match self {
            MetricKind::CasesDetected | MetricKind::CasesProsecuted => UnitType::Case,
            MetricKind::SuspectsArrested
            | MetricKind::SuspectsProsecuted
            | MetricKind::SuspectsConvicted => UnitType::Suspect,
            MetricKind::VictimsIdentified
            | MetricKind::VictimsRescued
            | MetricKind::VictimsSupported => UnitType::Victim,
            MetricKind::HotlineReports => UnitType::Report,
        }
    }

    /// The category dimensions the metric is broken down by; the others hold UNKNOWN.
    pub fn categories(self) -> &'static [Category] {
        match self.unit_type() {
            UnitType::Victim => &[
                Category::Sex,
                Category::AgeGroup,
                Category::ExploitationForm,
                Category::Destination,
            ],
            UnitType::Case | UnitType::Suspect => {
                &[Category::ExploitationForm, Category::Destination]
            }
            UnitType::Report => &[Category::Sex, Category::AgeGroup],
        }
    }

    pub fn supports(self, c: Category) -> bool {
        self.categories().contains(&c)
    }
}

/// The stored values of a category dimension.
pub fn values(c: Category) -> &'static [&'static str] {
    match c {
        Category::Sex => &SEXES,
        Category::AgeGroup => &AGE_GROUPS,
        Category::ExploitationForm => &EXPLOITATION_FORMS,
        Category::Destination => &DESTINATIONS,
    }
}

/// The level of a node of the region tree, as stored (`region.level`, `region_ancestor.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegionLevel {
    Country,
    SocioEconomicRegion,
    Province,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 3] = [
        RegionLevel::Country,
        RegionLevel::SocioEconomicRegion,
        RegionLevel::Province,
    ];

    pub fn as_db(self) -> &'static str {
        match self {
            RegionLevel::Country => "COUNTRY",
            RegionLevel::SocioEconomicRegion => "SOCIO_ECONOMIC_REGION",
            RegionLevel::Province => "PROVINCE",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_db() == s)
    }

    /// The grain of the disclosure lattice a node of this level is.
    pub fn grain(self) -> crate::disclosure::RegionGrain {
        use crate::disclosure::RegionGrain;
        match self {
            RegionLevel::Country => RegionGrain::Country,
            RegionLevel::SocioEconomicRegion => RegionGrain::SocioEconomicRegion,
            RegionLevel::Province => RegionGrain::Province,
        }
    }
}

/// How old provinces are expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Boundaries {
    /// Each count on the unit it was recorded in.
    AsRecorded,
    /// Counts of the 63 pre-2025 provinces re-expressed on the 34 units of 2025.
    V2025,
}

impl Boundaries {
    pub const ALL: [Boundaries; 2] = [Boundaries::AsRecorded, Boundaries::V2025];

    pub fn as_db(self) -> &'static str {
        match self {
            Boundaries::AsRecorded => "AS_RECORDED",
            Boundaries::V2025 => "V2025",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_db() == s)
    }
}

/// The value of a category as its constant, or a message that lists the values (and names the
/// one meant when only the case or a separator differs). The one check of a category value:
/// the CSV import, `upsertCounts` and the statistics filters use it.
pub fn parse_value(category: Category, s: &str) -> Result<&'static str, String> {
    let values = values(category);
    let note = match category {
        Category::Destination => " (DOMESTIC: within Vietnam; OTHER: a country not listed)",
        _ => "",
    };
    Ok(values[choose(category.phrase(), s, values, note)?])
}

/// The index of `s` in `names`, or a message listing them (with the likely intended one).
pub fn choose(what: &str, s: &str, names: &[&str], note: &str) -> Result<usize, String> {
    if let Some(i) = names.iter().position(|n| *n == s) {
        return Ok(i);
    }
    let list = names.join(", ");
    let normalized = s.to_ascii_uppercase().replace([' ', '-'], "_");
    match names.iter().find(|n| **n == normalized) {
        _ if s.is_empty() => Err(format!("{what} is empty: write one of {list}{note}")),
        Some(n) => Err(format!("{} must be written exactly {n}", shown(s))),
        None => Err(format!(
            "{} is not a known {what}: write one of {list}{note}",
            shown(s)
        )),
    }
}

/// A value quoted for a message, shortened so a stray paragraph does not flood the report.
pub fn shown(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((end, _)) => format!("\"{}…\"", &s[..end]),
        None => format!("\"{s}\""),
    }
}
