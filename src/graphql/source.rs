//! Sources, releases, the data set description and the figures official sources already published.
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{published_figure, release, source};

use super::ApiContext;
use super::ids::global_id;
use super::pagination::{Page, connection, page_args};
use super::region::{Region, load_region, load_source};
use crate::error::AppError;
use crate::store::catalogue as store;

/// A publication a figure cites: an article, a directive, a data set, or the synthetic generator.
#[derive(Clone)]
pub struct Source(pub source::Model);

/// A publication a figure cites: an article, a directive, a data set, or the synthetic generator.
#[Object(cache_control(max_age = 86400))]
impl Source {
    /// Relay global id.
    pub async fn id(&self) -> ID {
        global_id("Source", &self.0.code)
    }
    /// Stable code of the source.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// What kind of publication it is (NEWS_ARTICLE, DIRECTIVE, DATASET, STATISTICS, LEGAL_DOCUMENT, GOVERNMENT_REPORT, SYNTHETIC, …).
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// Who published it.
    async fn publisher(&self) -> &str {
        &self.0.publisher
    }
    /// Its title, in its own language.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Where to find it, when it has an address.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Publication date, as precise as known: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    async fn published_on(&self) -> Option<&str> {
        self.0.published_on.as_deref()
    }
    /// Licence or terms of use of what is taken from it.
    async fn licence(&self) -> Option<&str> {
        self.0.licence.as_deref()
    }
    /// True for data made up by a generator: never real, never to be quoted as fact.
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }
    /// Notes on the source and on how it was used.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
}

/// A published state of the case counts. Between releases nothing a client sees changes, and a
/// number quoted from a release can be found again by pinning it.
#[derive(Clone)]
pub struct Release(pub release::Model);

/// A published state of the case counts. Between releases nothing a client sees changes, and a
/// number quoted from a release can be found again by pinning it.
#[Object(cache_control(max_age = 300))]
impl Release {
    /// Relay global id.
    pub async fn id(&self) -> ID {
        global_id("Release", &self.0.code)
    }
    /// The release's code: pass it as `release` to pin statistics to it.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// When it was published.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// What the release holds and what changed.
    async fn notes(&self) -> &str {
        &self.0.notes
    }
}

/// A figure an official source (or the press citing one) already published, served exactly as
/// published with its citation. These are public already and are never mixed with the protected
/// case counts; different counting bases must not be added or compared naïvely.
#[derive(Clone)]
pub struct PublishedFigure(pub published_figure::Model);

/// A figure an official source (or the press citing one) already published, served exactly as
/// published with its citation. These are public already and are never mixed with the protected
/// case counts; different counting bases must not be added or compared naïvely.
#[Object(cache_control(max_age = 86400))]
impl PublishedFigure {
    /// Relay global id.
    pub async fn id(&self) -> ID {
        global_id("PublishedFigure", &self.0.id.to_string())
    }
    /// The year the figure refers to (the last year of a multi-year total; the edition for `us_tip_tier`).
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// `national`, or the pre-2025 GSO code of the province the figure is about.
    async fn scope(&self) -> &str {
        &self.0.scope
    }
    /// The region the figure is about.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, self.0.region_id).await
    }
    /// What was counted, as the source defines it (e.g. `cases_detected`, `victims_identified`).
    async fn metric(&self) -> &str {
        &self.0.metric
    }
    /// The number, when the figure is a number.
    async fn value(&self) -> Option<f64> {
        self.0.value_number
    }
    /// The value as text, when it is not a number (e.g. a U.S. TIP report tier).
    async fn value_text(&self) -> Option<&str> {
        self.0.value_text.as_deref()
    }
    /// `count`, `percent` or `text`.
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// First month covered (`YYYY-MM`).
    async fn period_start(&self) -> Option<&str> {
        self.0.period_start.as_deref()
    }
    /// Last month covered (`YYYY-MM`).
    async fn period_end(&self) -> Option<&str> {
        self.0.period_end.as_deref()
    }
    /// The counting basis and other notes taken from the source.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// How reliable the source is: `primary`, `secondary (official outlet)` or `secondary (news)`, with remarks.
    async fn reliability(&self) -> &str {
        &self.0.reliability
    }
    /// The publication to cite.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        load_source(ctx, Some(self.0.source_id)).await
    }
}

/// Licence, citation and method of the data set, and its current release.
pub struct Dataset;

/// The licence of what ctip-api publishes.
pub const LICENCE: &str = "Statistics served by ctip-api: CC BY 4.0 (cite as below). Reference data keeps the licence of its source (see each Source). Case counts in the demo data set are synthetic.";

/// Licence, citation and method of the data set, and its current release.
#[Object(cache_control(max_age = 300))]
impl Dataset {
    /// Name of the data set.
    async fn title(&self) -> &str {
        "ctip-api: counter-trafficking-in-persons statistics for Viet Nam"
    }
    /// Licence of the data served.
    async fn licence(&self) -> &str {
        LICENCE
    }
    /// How to cite a number: name the release so the number can be found again.
    async fn citation(&self, ctx: &Context<'_>) -> Result<String> {
        let api = ctx.data::<ApiContext>()?;
        let rel = store::current_release(&api.db)
            .await
            .map_err(AppError::from)?;
        Ok(match rel {
            Some(r) => format!(
                "ctip-api, release {} (published {}). Anonymized with the cell-key method; values are adjusted.",
                r.code,
                r.published_at
                    .map(|d| crate::calendar::date_in_vietnam(d).to_string())
                    .unwrap_or_default()
            ),
            None => "ctip-api (no release published yet).".to_owned(),
        })
    }
    /// How the case statistics are protected and how to read them: method, threshold,
    /// perturbation table, age rule, metrics and labels.
    async fn methodology(&self, ctx: &Context<'_>) -> Result<super::statistics::Methodology> {
        let api = ctx.data::<ApiContext>()?;
        Ok(super::statistics::Methodology {
            threshold: api.disclosure.policy.threshold,
            suppressed_display: api.disclosure.policy.suppressed_display(),
        })
    }
    /// The release public queries read by default (the latest published).
    async fn current_release(&self, ctx: &Context<'_>) -> Result<Option<Release>> {
        let api = ctx.data::<ApiContext>()?;
        Ok(store::current_release(&api.db)
            .await
            .map_err(AppError::from)?
            .map(Release))
    }
    /// When the data last changed: the publication time of the current release.
    async fn last_updated(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        let api = ctx.data::<ApiContext>()?;
        Ok(store::current_release(&api.db)
            .await
            .map_err(AppError::from)?
            .and_then(|r| r.published_at))
    }
    /// True while the case counts served are synthetic demo data (the server was started on the
    /// embedded default). Synthetic numbers are never real and must not be quoted as fact.
    async fn synthetic(&self, ctx: &Context<'_>) -> Result<bool> {
        let api = ctx.data::<ApiContext>()?;
        Ok(
            crate::store::catalogue::source_by_code(&api.db, crate::demo::SOURCE_CODE)
                .await
                .map_err(AppError::from)?
                .is_some(),
        )
    }
}

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// Every source the data cites.
    #[graphql(complexity = "crate::graphql::cost::page_cost(first, child_complexity)")]
    async fn sources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most the page size cap).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<Source>> {
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let (rows, total) = store::sources(&api.db, page.offset, page.limit)
            .await
            .map_err(AppError::from)?;
        Ok(connection(
            rows.into_iter().map(Source).collect(),
            page,
            total,
        ))
    }

    /// Published releases, newest first.
    async fn releases(&self, ctx: &Context<'_>) -> Result<Vec<Release>> {
        let api = ctx.data::<ApiContext>()?;
        Ok(store::published_releases(&api.db)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(Release)
            .collect())
    }

    /// Licence, citation, method and current release of the data set.
    async fn dataset(&self) -> Dataset {
        Dataset
    }

    /// Figures official sources already published, as published, each with its citation. Counting
    /// bases differ between sources: never add them up or compare them naïvely.
    #[graphql(complexity = "crate::graphql::cost::page_cost(first, child_complexity)")]
    async fn published_figures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only figures about this year.")] year: Option<i32>,
        #[graphql(desc = "Only this metric, as the source names it (e.g. `victims_identified`).")]
        metric: Option<String>,
        #[graphql(desc = "Only this scope: `national` or a pre-2025 GSO province code.")]
        scope: Option<String>,
        #[graphql(desc = "Page size (at most the page size cap).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<PublishedFigure>> {
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let filter = store::FigureFilter {
            year,
            metric,
            scope,
        };
        let (rows, total) = store::published_figures(&api.db, &filter, page.offset, page.limit)
            .await
            .map_err(AppError::from)?;
        Ok(connection(
            rows.into_iter().map(PublishedFigure).collect(),
            page,
            total,
        ))
    }
}
