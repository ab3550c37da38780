//! Regions: the country, socio-economic regions and provinces, with validity in time and the 2025 mapping.
use async_graphql::{Context, Enum, ID, Object, Result};
use entity::{region, source};

use super::ApiContext;
use super::ids::global_id;
use super::lang::{Language, pick};
use super::loader::{
    CaseTotalOf, ChildrenOf, Loaders, PopulationsOf, PredecessorsOf, RegionId, SourceId,
};
use super::pagination::{Page, connection, page_args};
use super::scalars::{Date, date};
use super::source::Source;
use super::statistics::{Boundaries, Metric, StatisticValue, release_code};
use crate::dimensions::MetricKind;
use crate::error::AppError;
use crate::statistics::PeriodSpec;
use crate::statistics::nearest_population;
use crate::store;

/// The level of a region in the tree.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RegionLevel {
    /// A whole country (Viet Nam: `VN`).
    Country,
    /// One of the six socio-economic regions of Resolution 81/2023/QH15 (e.g. `VN-RRD`, Red River Delta).
    SocioEconomicRegion,
    /// A province-level unit: a province or a centrally-run city.
    Province,
}

impl RegionLevel {
    pub fn as_db(self) -> &'static str {
        match self {
            RegionLevel::Country => "COUNTRY",
            RegionLevel::SocioEconomicRegion => "SOCIO_ECONOMIC_REGION",
            RegionLevel::Province => "PROVINCE",
        }
    }

    fn from_db(s: &str) -> Self {
        match s {
            "COUNTRY" => RegionLevel::Country,
            "SOCIO_ECONOMIC_REGION" => RegionLevel::SocioEconomicRegion,
            _ => RegionLevel::Province,
        }
    }
}

/// What kind of unit a region is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// A country.
    Country,
    /// A socio-economic region (a statistical grouping, not an administrative unit).
    SocioEconomicRegion,
    /// A province (tỉnh).
    Province,
    /// A centrally-run city (thành phố trực thuộc Trung ương).
    CentrallyRunCity,
}

pub use super::population::Population;

/// A territorial unit: the country, a socio-economic region or a province. Units have validity in
/// time: the 63 provinces were valid until 2025-06-30, the 34 of Resolution 202/2025/QH15 from 2025-07-01.
#[derive(Clone)]
pub struct Region(pub region::Model);

/// A territorial unit: the country, a socio-economic region or a province. Units have validity in
/// time: the 63 provinces were valid until 2025-06-30, the 34 of Resolution 202/2025/QH15 from 2025-07-01.
#[Object(cache_control(max_age = 86400))]
impl Region {
    /// Relay global id.
    pub async fn id(&self) -> ID {
        global_id("Region", &self.0.code)
    }
    /// Stable code, unique across every unit that ever existed: `VN`, `VN-RRD` (a socio-economic
    /// region), `VN-P63-02` (Hà Giang, one of the 63 provinces until 2025-06-30), `VN-P34-08`
    /// (Tuyên Quang, one of the 34 from 2025-07-01).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The statistics office (GSO/NSO) code. Reused with a new meaning in 2025 (15 was Yên Bái and is
    /// now Lào Cai), so never use it alone as a key: use `code`.
    async fn gso_code(&self) -> Option<&str> {
        self.0.gso_code.as_deref()
    }
    /// ISO 3166-1 alpha-2 code of the country the unit belongs to.
    async fn country_code(&self) -> &str {
        &self.0.country_code
    }
    /// Level in the tree.
    async fn level(&self) -> RegionLevel {
        RegionLevel::from_db(&self.0.level)
    }
    /// Kind of unit.
    async fn kind(&self) -> RegionKind {
        match self.0.kind.as_str() {
            "country" => RegionKind::Country,
            "socio-economic region" => RegionKind::SocioEconomicRegion,
            "centrally-run city" => RegionKind::CentrallyRunCity,
            _ => RegionKind::Province,
        }
    }
    /// Name in the requested language (`lang`, else the request's `Accept-Language`, else Vietnamese).
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the name.")] lang: Option<Language>,
    ) -> String {
        pick(ctx, lang, &self.0.name_vi, &self.0.name_en).to_owned()
    }
    /// Vietnamese name, with diacritics, without the "Tỉnh"/"Thành phố" prefix.
    async fn name_vi(&self) -> &str {
        &self.0.name_vi
    }
    /// Full Vietnamese name, e.g. "Tỉnh Hà Giang".
    async fn name_vi_full(&self) -> Option<&str> {
        self.0.name_vi_full.as_deref()
    }
    /// English name (ASCII transliteration in GSO style).
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    /// The unit above this one (a province's socio-economic region, a region's country). A 2025
    /// province made of provinces from two socio-economic regions sits directly under the country.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, self.0.parent_id).await
    }
    /// The units directly below this one (of every period; filter with `validOn`).
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only units valid on this date.")] valid_on: Option<Date>,
    ) -> Result<Vec<Region>> {
        let all = ctx
            .data::<Loaders>()?
            .load_one(ChildrenOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|r| valid_on.is_none_or(|d| crate::regions::is_valid_on(r, d.0)))
            .map(Region)
            .collect())
    }
    /// For a unit that ended: the unit it went into whole (for the 63 provinces, the 2025 province).
    async fn successor(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, self.0.successor_id).await
    }
    /// The units that went into this one (for a 2025 province, the provinces merged into it).
    async fn predecessors(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        let all = ctx
            .data::<Loaders>()?
            .load_one(PredecessorsOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(all.into_iter().map(Region).collect())
    }
    /// First day the unit existed in this form; null when before the data this API holds.
    async fn valid_from(&self) -> Option<Date> {
        date(self.0.valid_from)
    }
    /// Last day the unit existed in this form; null while it still exists.
    async fn valid_to(&self) -> Option<Date> {
        date(self.0.valid_to)
    }
    /// Countries the unit has a land border with (ISO 3166-1 alpha-2: CN China, LA Laos, KH Cambodia).
    async fn land_borders(&self) -> Vec<String> {
        self.0
            .land_borders
            .split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
    /// Whether the unit has a sea coast (null when not recorded, e.g. for socio-economic regions).
    async fn coastal(&self) -> Option<bool> {
        self.0.coastal
    }
    /// Area in square kilometres, where known (the 2025 units, from the merger map).
    async fn area_km2(&self) -> Option<f64> {
        self.0.area_km2
    }
    /// The "population scale" quoted in the 2025 merger dossier. Not a statistics-office figure (it
    /// likely counts temporary residents twice): do not use it for rates.
    async fn merger_dossier_population(&self) -> Option<i64> {
        self.0.merger_dossier_population
    }
    /// Population in `year`, or in the nearest year known (see `Population.year` for the year used).
    /// Without `year`: the latest known.
    async fn population(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The year wanted; the nearest known year is used when that one is missing."
        )]
        year: Option<i32>,
    ) -> Result<Option<Population>> {
        let all = ctx
            .data::<Loaders>()?
            .load_one(PopulationsOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(nearest_population(&all, year)
            .cloned()
            .map(Population::from))
    }
    /// Every population figure held for this unit, by year.
    async fn populations(&self, ctx: &Context<'_>) -> Result<Vec<Population>> {
        let all = ctx
            .data::<Loaders>()?
            .load_one(PopulationsOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(all.into_iter().map(Population::from).collect())
    }
    /// The protected total of one metric for this region in one period (all periods when not
    /// given), in the current release or a pinned one. Batched: a whole map of regions costs one
    /// SQL statement. Planned and protected exactly as `caseStatistics` filtered on this region.
    async fn case_total(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What is counted.")] metric: Metric,
        #[graphql(
            desc = "An aligned period: `2024`, `2024-Q3` or `2024-07`; all periods when not given."
        )]
        period: Option<String>,
        #[graphql(desc = "AS_RECORDED (default) or V2025.")] boundaries: Option<Boundaries>,
        #[graphql(desc = "Pin a release by its code or id (default: the current release).")]
        release: Option<ID>,
    ) -> Result<StatisticValue> {
        let period = period
            .as_deref()
            .map(PeriodSpec::parse)
            .transpose()
            .map_err(AppError::BadUserInput)?;
        let metric_kind = MetricKind::parse(metric.as_db())
            .ok_or_else(|| AppError::Internal("metric mapping".to_owned()))?;
        let boundaries = boundaries.unwrap_or_default().engine();
        crate::statistics::check_boundaries(&self.0, boundaries)?;
        let release = release.map(|r| release_code(&r.0));
        let key = CaseTotalOf {
            region_id: self.0.id,
            level: crate::statistics::level_of(&self.0),
            metric: metric_kind,
            boundaries,
            period,
            release: release.clone(),
        };
        let loaders = ctx.data::<Loaders>()?;
        let protected = loaders
            .case_total(key)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| {
                AppError::NotFound(match &release {
                    Some(code) => {
                        format!("no published release \"{code}\"; `releases` lists them")
                    }
                    None => "no release has been published yet".to_owned(),
                })
            })?;
        let rate = match (protected.value, period) {
            (Some(_), Some(p)) => {
                let pops = loaders
                    .load_one(PopulationsOf(self.0.id))
                    .await
                    .map_err(AppError::from)?
                    .unwrap_or_default();
                crate::statistics::rate::rate(&protected, &pops, Some(p.year()))
            }
            _ => None,
        };
        Ok(StatisticValue::from(&crate::statistics::StatValue {
            protected,
            rate,
        }))
    }
    /// Notes on the unit (e.g. a change of status).
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Where the unit's code and names come from.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        load_source(ctx, self.0.source_id).await
    }
}

pub async fn load_region(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Region>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .data::<Loaders>()?
        .load_one(RegionId(id))
        .await
        .map_err(AppError::from)?
        .map(Region))
}

pub async fn load_source(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Source>> {
    let Some(id) = id else { return Ok(None) };
    let s: Option<source::Model> = ctx
        .data::<Loaders>()?
        .load_one(SourceId(id))
        .await
        .map_err(AppError::from)?;
    Ok(s.map(Source))
}

#[derive(Default)]
pub struct RegionQuery;

#[Object]
impl RegionQuery {
    /// One region by its code (e.g. `VN-P63-02` for Hà Giang before 2025); null when no unit has that code.
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region's `code`.")] code: String,
    ) -> Result<Option<Region>> {
        let api = ctx.data::<ApiContext>()?;
        Ok(store::region::by_code(&api.db, &code)
            .await
            .map_err(AppError::from)?
            .map(Region))
    }

    /// Regions, ordered by code, filtered by level, parent and validity date, or found by name.
    #[graphql(complexity = "crate::graphql::cost::page_cost(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only regions of this level.")] level: Option<RegionLevel>,
        #[graphql(desc = "Only the children of the region with this code.")] parent_code: Option<
            String,
        >,
        #[graphql(
            desc = "Only regions valid on this date (e.g. 2024-12-31 for the 63 provinces, 2025-07-01 for the 34)."
        )]
        valid_on: Option<Date>,
        #[graphql(
            desc = "Only regions whose Vietnamese or English name contains this text (case-insensitive for English)."
        )]
        search: Option<String>,
        #[graphql(desc = "Page size (at most the page size cap, 100 by default).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<Region>> {
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let filter = store::region::RegionFilter {
            level: level.map(RegionLevel::as_db),
            parent_code,
            valid_on: valid_on.map(|d| d.0),
            search,
        };
        let (rows, total) = store::region::list(&api.db, &filter, page.offset, page.limit)
            .await
            .map_err(AppError::from)?;
        Ok(connection(
            rows.into_iter().map(Region).collect(),
            page,
            total,
        ))
    }
}
