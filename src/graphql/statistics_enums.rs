//! The GraphQL enums of the statistics: mirrors of the engine's dimensions (`dimensions`,
//! `statistics`), each with the stored form of its values.
use async_graphql::Enum;

use crate::dimensions::{Category, RegionLevel as DLevel};
use crate::disclosure::PeriodGrain;
use crate::statistics::{Boundaries as SBoundaries, Dimension as SDimension};

use super::region::RegionLevel;

macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $db:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $name {
            pub fn as_db(self) -> &'static str { match self { $($name::$v => $db),* } }
            pub fn from_db(s: &str) -> Option<Self> { match s { $($db => Some($name::$v),)* _ => None } }
        }
    };
}

mirror_enum!(
    /// What is counted. Metrics never add up across each other.
    Metric {
        /// Trafficking cases detected (unit: case).
        CasesDetected => "CASES_DETECTED",
        /// Cases prosecuted (khởi tố) (unit: case).
        CasesProsecuted => "CASES_PROSECUTED",
        /// Suspects arrested (unit: person).
        SuspectsArrested => "SUSPECTS_ARRESTED",
        /// Suspects prosecuted (unit: person).
        SuspectsProsecuted => "SUSPECTS_PROSECUTED",
        /// Suspects convicted (unit: person).
        SuspectsConvicted => "SUSPECTS_CONVICTED",
        /// Victims identified (unit: person).
        VictimsIdentified => "VICTIMS_IDENTIFIED",
        /// Victims rescued (unit: person).
        VictimsRescued => "VICTIMS_RESCUED",
        /// Victims supported (unit: person).
        VictimsSupported => "VICTIMS_SUPPORTED",
        /// Reports to hotlines such as the National Child Protection Hotline 111 (unit: report).
        HotlineReports => "HOTLINE_REPORTS",
    }
);

mirror_enum!(
    /// Sex of the victim.
    Sex {
        /// Female.
        Female => "FEMALE",
        /// Male.
        Male => "MALE",
        /// Not recorded, or not applicable to the metric.
        Unknown => "UNKNOWN",
    }
);

mirror_enum!(
    /// Age group of the victim. Any use of it is restricted by the age rule (`dataset.methodology`).
    AgeGroup {
        /// Under 16: a child in Vietnamese law.
        Under16 => "UNDER_16",
        /// 16 or 17: a child in the UN definition, not in Vietnamese law.
        #[graphql(name = "AGE_16_17")]
        Age1617 => "AGE_16_17",
        /// 18 and over.
        Adult => "ADULT",
        /// Not recorded, or not applicable to the metric.
        Unknown => "UNKNOWN",
    }
);

mirror_enum!(
    /// Form of exploitation.
    ExploitationForm {
        /// Sexual exploitation.
        Sexual => "SEXUAL",
        /// Forced labour.
        ForcedLabour => "FORCED_LABOUR",
        /// Forced marriage.
        ForcedMarriage => "FORCED_MARRIAGE",
        /// Sale of a child.
        ChildSale => "CHILD_SALE",
        /// Removal of organs.
        OrganRemoval => "ORGAN_REMOVAL",
        /// Forced criminality, e.g. in online-scam compounds.
        ForcedCriminality => "FORCED_CRIMINALITY",
        /// Another form.
        Other => "OTHER",
        /// Not recorded, or not applicable to the metric.
        Unknown => "UNKNOWN",
    }
);

/// A dimension a result can be grouped by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Dimension {
    /// By region, at `regionLevel`.
    Region,
    /// By period, at `periodGranularity`.
    Period,
    /// By sex of the victim.
    Sex,
    /// By age group of the victim (restricted by the age rule).
    AgeGroup,
    /// By form of exploitation.
    ExploitationForm,
    /// By destination.
    Destination,
}

impl Dimension {
    pub fn engine(self) -> SDimension {
        match self {
            Dimension::Region => SDimension::Region,
            Dimension::Period => SDimension::Period,
            Dimension::Sex => SDimension::Category(Category::Sex),
            Dimension::AgeGroup => SDimension::Category(Category::AgeGroup),
            Dimension::ExploitationForm => SDimension::Category(Category::ExploitationForm),
            Dimension::Destination => SDimension::Category(Category::Destination),
        }
    }
}

/// The length of the periods a result is grouped by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Granularity {
    /// Calendar months (`2024-07`).
    Month,
    /// Calendar quarters (`2024-Q3`).
    Quarter,
    /// Calendar years (`2024`).
    #[default]
    Year,
}

/// Which boundaries counts are expressed on.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Boundaries {
    /// Each count on the unit it was recorded in (63 provinces until June 2025, 34 from July 2025).
    #[default]
    AsRecorded,
    /// Counts of the 63 earlier provinces re-expressed on the 34 units of July 2025, so a series
    /// compares across the merger (every old province went whole into one new one).
    V2025,
}

impl Boundaries {
    pub fn engine(self) -> SBoundaries {
        match self {
            Boundaries::AsRecorded => SBoundaries::AsRecorded,
            Boundaries::V2025 => SBoundaries::V2025,
        }
    }
}

/// How a value is shown.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValueStatus {
    /// Shown: an adjusted count at or above the threshold.
    Published,
    /// Hidden: an adjusted count between 1 and the threshold; `value` is null, `display` is "<5".
    /// Where the age group is used (a filter or a grouping), an adjusted zero is hidden too.
    Suppressed,
    /// Zero (which can hide a true count of 1 or 2). Never shown where the age group is used.
    Zero,
}

impl Metric {
    pub fn engine(self) -> crate::dimensions::MetricKind {
        use crate::dimensions::MetricKind as K;
        match self {
            Metric::CasesDetected => K::CasesDetected,
            Metric::CasesProsecuted => K::CasesProsecuted,
            Metric::SuspectsArrested => K::SuspectsArrested,
            Metric::SuspectsProsecuted => K::SuspectsProsecuted,
            Metric::SuspectsConvicted => K::SuspectsConvicted,
            Metric::VictimsIdentified => K::VictimsIdentified,
            Metric::VictimsRescued => K::VictimsRescued,
            Metric::VictimsSupported => K::VictimsSupported,
            Metric::HotlineReports => K::HotlineReports,
        }
    }
}

impl Granularity {
    pub fn engine(self) -> PeriodGrain {
        match self {
            Granularity::Year => PeriodGrain::Year,
            Granularity::Quarter => PeriodGrain::Quarter,
            Granularity::Month => PeriodGrain::Month,
        }
    }

    pub fn from_engine(g: PeriodGrain) -> Self {
        match g {
            PeriodGrain::Year => Granularity::Year,
            PeriodGrain::Quarter => Granularity::Quarter,
            PeriodGrain::Month => Granularity::Month,
        }
    }
}

impl RegionLevel {
    pub fn engine(self) -> DLevel {
        match self {
            RegionLevel::Country => DLevel::Country,
            RegionLevel::SocioEconomicRegion => DLevel::SocioEconomicRegion,
            RegionLevel::Province => DLevel::Province,
        }
    }

    pub fn from_engine(l: DLevel) -> Self {
        match l {
            DLevel::Country => RegionLevel::Country,
            DLevel::SocioEconomicRegion => RegionLevel::SocioEconomicRegion,
            DLevel::Province => RegionLevel::Province,
        }
    }
}
