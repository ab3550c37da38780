//! Writes to the catalogue (EDITOR; audited): campaigns, activities and agencies are created,
//! updated and retired (never deleted: a retired one leaves the lists but stays citable by its
//! code), and so are sources. The work is the services' (`catalogue`, `sources`); this file
//! turns the GraphQL inputs into their fields.
use async_graphql::{Context, InputObject, Object, Result};

use super::ApiContext;
use super::agency::{Agency, AgencyKind};
use super::campaign::{Activity, ActivityKind, ActivityStatus, Campaign, enum_name};
use super::mutation::{actor, caller};
use super::scalars::Date;
use super::source::Source;
use crate::auth::Role;
use crate::catalogue::{self, ActivityFields, AgencyFields, CampaignFields, OutputFields, Save};
use crate::error::AppError;
use crate::store::writes::Actor;

/// A campaign as written: every field replaces the stored one.
#[derive(InputObject)]
pub struct CampaignInput {
    /// Stable slug (letters, digits and dashes), e.g. `action-month-2025`.
    pub slug: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Theme in Vietnamese.
    pub theme_vi: Option<String>,
    /// Theme in English.
    pub theme_en: Option<String>,
    /// Description in Vietnamese.
    pub description_vi: Option<String>,
    /// Description in English.
    pub description_en: Option<String>,
    /// First day.
    pub start_date: Option<Date>,
    /// Last day.
    pub end_date: Option<Date>,
    /// Code of the lead agency.
    pub lead_agency: Option<String>,
    /// Number of the directive that launched it.
    pub directive_number: Option<String>,
    /// Date of that directive.
    pub directive_date: Option<Date>,
    /// Code of the agency that issued it.
    pub directive_issuer: Option<String>,
    /// Slug of the campaign it is part of.
    pub parent: Option<String>,
    /// Code of the source it is recorded from.
    pub source: Option<String>,
}

/// An activity as written: every field replaces the stored one.
#[derive(InputObject)]
pub struct ActivityInput {
    /// Stable code, e.g. `2025-mps-peak-crackdown`.
    pub code: String,
    /// Slug of its campaign.
    pub campaign: String,
    /// Code of the lead agency.
    pub lead_agency: String,
    /// Codes of the other agencies taking part.
    #[graphql(default)]
    pub participating_agencies: Vec<String>,
    /// Code of the province it takes place in.
    pub region: Option<String>,
    /// What kind of activity it is.
    pub kind: ActivityKind,
    /// DIRECTED or REPORTED.
    pub status: ActivityStatus,
    /// First day.
    pub start_date: Option<Date>,
    /// Last day.
    pub end_date: Option<Date>,
    /// Title in Vietnamese.
    pub title_vi: String,
    /// Title in English.
    pub title_en: String,
    /// Description in Vietnamese.
    pub description_vi: Option<String>,
    /// Description in English.
    pub description_en: Option<String>,
    /// Codes of the sources that record it (at least one).
    pub sources: Vec<String>,
    /// What it reported doing (people reached, events held, …), as reported; replaces the
    /// stored outputs.
    #[graphql(default)]
    pub outputs: Vec<ActivityOutputInput>,
}

/// One reported output figure of an activity.
#[derive(InputObject)]
pub struct ActivityOutputInput {
    /// What was counted, e.g. `people reached by communication events`.
    pub indicator: String,
    /// The figure, 0 or more.
    pub value: i64,
    /// Its unit, e.g. `people`.
    pub unit: String,
    /// The code of the source that reports it.
    pub source: String,
}

/// An agency as written: every field replaces the stored one.
#[derive(InputObject)]
pub struct AgencyInput {
    /// Stable code, e.g. `MPS`.
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Usual abbreviation.
    pub abbreviation: Option<String>,
    /// Kind of body.
    pub kind: AgencyKind,
    /// Code of the body it belongs to.
    pub parent: Option<String>,
    /// Code of the province it is the authority of.
    pub region: Option<String>,
}

/// A new source to cite.
#[derive(InputObject)]
pub struct SourceInput {
    /// Stable code (letters, digits and dashes), e.g. `mps-report-2025`.
    pub code: String,
    /// NEWS_ARTICLE, DIRECTIVE, DATASET, STATISTICS, LEGAL_DOCUMENT, GOVERNMENT_REPORT, …
    pub kind: String,
    /// Who published it.
    pub publisher: String,
    /// Its title.
    pub title: String,
    /// Where to find it.
    pub url: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub published_on: Option<String>,
    /// Licence or terms of use.
    pub licence: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

impl From<CampaignInput> for CampaignFields {
    fn from(i: CampaignInput) -> Self {
        CampaignFields {
            slug: i.slug,
            name_vi: i.name_vi,
            name_en: i.name_en,
            theme_vi: i.theme_vi,
            theme_en: i.theme_en,
            description_vi: i.description_vi,
            description_en: i.description_en,
            start_date: i.start_date.map(|d| d.0),
            end_date: i.end_date.map(|d| d.0),
            lead_agency: i.lead_agency,
            directive_number: i.directive_number,
            directive_date: i.directive_date.map(|d| d.0),
            directive_issuer: i.directive_issuer,
            parent: i.parent,
            source: i.source,
        }
    }
}

impl From<ActivityInput> for ActivityFields {
    fn from(i: ActivityInput) -> Self {
        ActivityFields {
            code: i.code,
            campaign: i.campaign,
            lead_agency: i.lead_agency,
            participating_agencies: i.participating_agencies,
            region: i.region,
            kind: enum_name(i.kind),
            status: enum_name(i.status),
            start_date: i.start_date.map(|d| d.0),
            end_date: i.end_date.map(|d| d.0),
            title_vi: i.title_vi,
            title_en: i.title_en,
            description_vi: i.description_vi,
            description_en: i.description_en,
            sources: i.sources,
            outputs: i
                .outputs
                .into_iter()
                .map(|o| OutputFields {
                    indicator: o.indicator,
                    value: o.value,
                    unit: o.unit,
                    source: o.source,
                })
                .collect(),
        }
    }
}

impl From<AgencyInput> for AgencyFields {
    fn from(i: AgencyInput) -> Self {
        AgencyFields {
            code: i.code,
            name_vi: i.name_vi,
            name_en: i.name_en,
            abbreviation: i.abbreviation,
            kind: i.kind.as_db(),
            parent: i.parent,
            region: i.region,
        }
    }
}

impl From<SourceInput> for crate::sources::NewSource {
    fn from(i: SourceInput) -> Self {
        crate::sources::NewSource {
            code: i.code,
            kind: i.kind,
            publisher: i.publisher,
            title: i.title,
            url: i.url,
            published_on: i.published_on,
            licence: i.licence,
            notes: i.notes,
            synthetic: false,
        }
    }
}

/// The database and the EDITOR writing, or the refusal.
fn editor<'a>(ctx: &Context<'a>) -> Result<(&'a ApiContext, Actor), AppError> {
    let who = caller(ctx);
    who.require(Role::Editor)?;
    let api = ctx
        .data::<ApiContext>()
        .map_err(|e| AppError::Internal(e.message))?;
    Ok((api, actor(who)))
}

macro_rules! save {
    ($ctx:expr, $save:ident, $input:expr, $how:expr, $wrap:ident) => {{
        let (api, actor) = editor($ctx)?;
        let saved = catalogue::$save(&api.db, &actor, $input.into(), $how).await?;
        Ok($wrap(saved))
    }};
}

macro_rules! retire {
    ($ctx:expr, $retire:ident, $key:expr, $wrap:ident) => {{
        let (api, actor) = editor($ctx)?;
        Ok($wrap(catalogue::$retire(&api.db, &actor, &$key).await?))
    }};
}

#[derive(Default)]
pub struct CatalogueMutation;

/// Writes to campaigns, activities, agencies and sources (EDITOR).
#[Object]
impl CatalogueMutation {
    /// Records a new campaign (EDITOR).
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] input: CampaignInput,
    ) -> Result<Campaign> {
        save!(ctx, save_campaign, input, Save::Create, Campaign)
    }
    /// Replaces the fields of a campaign, found by its slug (EDITOR).
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] input: CampaignInput,
    ) -> Result<Campaign> {
        save!(ctx, save_campaign, input, Save::Update, Campaign)
    }
    /// Retires a campaign: it leaves the lists, stays findable by its slug (EDITOR).
    async fn retire_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's slug.")] slug: String,
    ) -> Result<Campaign> {
        retire!(ctx, retire_campaign, slug, Campaign)
    }
    /// Records a new activity (EDITOR).
    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: ActivityInput,
    ) -> Result<Activity> {
        save!(ctx, save_activity, input, Save::Create, Activity)
    }
    /// Replaces the fields of an activity, found by its code (EDITOR).
    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: ActivityInput,
    ) -> Result<Activity> {
        save!(ctx, save_activity, input, Save::Update, Activity)
    }
    /// Retires an activity: it leaves the lists, stays findable by its code (EDITOR).
    async fn retire_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity's code.")] code: String,
    ) -> Result<Activity> {
        retire!(ctx, retire_activity, code, Activity)
    }
    /// Records a new agency (EDITOR).
    async fn create_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency.")] input: AgencyInput,
    ) -> Result<Agency> {
        save!(ctx, save_agency, input, Save::Create, Agency)
    }
    /// Replaces the fields of an agency, found by its code (EDITOR).
    async fn update_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency.")] input: AgencyInput,
    ) -> Result<Agency> {
        save!(ctx, save_agency, input, Save::Update, Agency)
    }
    /// Retires an agency: it leaves the lists, stays findable by its code (EDITOR).
    async fn retire_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency's code.")] code: String,
    ) -> Result<Agency> {
        retire!(ctx, retire_agency, code, Agency)
    }
    /// Records a new source (EDITOR); an EDITOR key may then write it.
    async fn create_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source.")] input: SourceInput,
    ) -> Result<Source> {
        let (api, actor) = editor(ctx)?;
        let who = caller(ctx);
        // The EDITOR key that records a source may write it (nobody else's data is in it).
        let bind = (who.role == Role::Editor).then_some(who.key_id).flatten();
        let model = crate::sources::create(&api.db, input.into(), &actor, bind).await?;
        Ok(Source(model))
    }
    /// Replaces the fields of a source, found by its code (an EDITOR key bound to it, or ADMIN).
    /// What cites it keeps citing it.
    async fn update_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source.")] input: SourceInput,
    ) -> Result<Source> {
        let (api, actor) = editor(ctx)?;
        let who = caller(ctx);
        let saved = crate::sources::update(&api.db, input.into(), &actor, who).await?;
        Ok(Source(saved))
    }
    /// Retires a source: it leaves the list of sources; what cites it keeps citing it (an EDITOR
    /// key bound to it, or ADMIN).
    async fn retire_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source's code.")] code: String,
    ) -> Result<Source> {
        let (api, actor) = editor(ctx)?;
        let who = caller(ctx);
        let saved = crate::sources::retire(&api.db, &code, &actor, Some(who)).await?;
        Ok(Source(saved))
    }
}
