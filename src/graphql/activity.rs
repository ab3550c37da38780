//! Activities of campaigns: what an agency was given or reported doing, with its outputs.
use async_graphql::resolver_utils::EnumType;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::{activity, activity_output};

use super::agency::{Agency, load_agency};
use super::campaign::Campaign;
use super::ids::global_id;
use super::lang::{Language, pick, pick_opt};
use super::loader::{CampaignId, Loaders, OutputsOf, ParticipantsOf, SourcesOfActivity};
use super::region::{Region, load_region};
use super::scalars::{Date, date};
use super::source::Source;
use crate::error::AppError;

/// What an activity is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ActivityKind {
    /// A launch ceremony or event.
    LaunchEvent,
    /// Awareness raising.
    Awareness,
    /// Legal education (phổ biến giáo dục pháp luật).
    LegalEducation,
    /// An enforcement operation: crackdown, investigation.
    EnforcementOperation,
    /// Border patrol and control, at land borders, border gates, at sea and on islands.
    BorderPatrol,
    /// Inspection of businesses.
    BusinessInspection,
    /// Support to victims: identification, protection, reintegration.
    VictimSupport,
    /// A hotline taking reports (e.g. the National Child Protection Hotline 111).
    Hotline,
    /// International cooperation.
    InternationalCooperation,
    /// Consular protection of citizens abroad.
    ConsularProtection,
    /// Oversight of labour migration (recruitment and sending of workers abroad).
    LabourMigrationOversight,
    /// Media coverage.
    MediaCoverage,
    /// Anything else (the title says what).
    Other,
}

/// Whether an activity was only assigned or was carried out.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ActivityStatus {
    /// Assigned by a directive; nothing reported yet.
    Directed,
    /// Carried out and reported.
    Reported,
}

/// The database stores these enums by their GraphQL names.
pub fn enum_name<T: EnumType + PartialEq>(v: T) -> &'static str {
    enum_db(v)
}

pub(super) fn enum_db<T: EnumType + PartialEq>(v: T) -> &'static str {
    T::items()
        .iter()
        .find(|i| i.value == v)
        .map(|i| i.name)
        .unwrap_or("OTHER")
}

pub(super) fn enum_from_db<T: EnumType + Copy>(s: &str) -> Option<T> {
    T::items().iter().find(|i| i.name == s).map(|i| i.value)
}

/// A reported output figure of an activity: people reached, events held, inspections … These are
/// not about victims and are published as reported.
#[derive(SimpleObject)]
pub struct ActivityOutput {
    /// What was counted.
    pub indicator: String,
    /// The figure.
    pub value: i64,
    /// Its unit.
    pub unit: String,
}

impl From<activity_output::Model> for ActivityOutput {
    fn from(m: activity_output::Model) -> Self {
        ActivityOutput {
            indicator: m.indicator,
            value: m.value,
            unit: m.unit,
        }
    }
}

/// An activity of a campaign: a task an agency was given, or something it reported doing.
#[derive(Clone)]
pub struct Activity(pub activity::Model);

/// An activity of a campaign: a task an agency was given, or something it reported doing.
#[Object(cache_control(max_age = 86400))]
impl Activity {
    /// Relay global id.
    pub async fn id(&self) -> ID {
        global_id("Activity", &self.0.code)
    }
    /// Stable code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The campaign it belongs to.
    async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<Campaign>> {
        Ok(ctx
            .data::<Loaders>()?
            .load_one(CampaignId(self.0.campaign_id))
            .await
            .map_err(AppError::from)?
            .map(Campaign))
    }
    /// The agency that leads it.
    async fn lead_agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        load_agency(ctx, Some(self.0.lead_agency_id)).await
    }
    /// Other agencies taking part.
    async fn participating_agencies(&self, ctx: &Context<'_>) -> Result<Vec<Agency>> {
        let all = ctx
            .data::<Loaders>()?
            .load_one(ParticipantsOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(all.into_iter().map(Agency).collect())
    }
    /// The province it takes place in, if it is tied to one.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, self.0.region_id).await
    }
    /// What kind of activity it is (null for a kind this version of the API does not know).
    async fn kind(&self) -> Option<ActivityKind> {
        enum_from_db(&self.0.kind)
    }
    /// DIRECTED (assigned) or REPORTED (carried out).
    async fn status(&self) -> Option<ActivityStatus> {
        enum_from_db(&self.0.status)
    }
    /// First day (null where the source does not say).
    async fn start_date(&self) -> Option<Date> {
        date(self.0.start_date)
    }
    /// Last day (null where the source does not say).
    async fn end_date(&self) -> Option<Date> {
        date(self.0.end_date)
    }
    /// Title in the requested language (`lang`, else `Accept-Language`, else Vietnamese).
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the title.")] lang: Option<Language>,
    ) -> String {
        pick(ctx, lang, &self.0.title_vi, &self.0.title_en).to_owned()
    }
    /// Title in Vietnamese.
    async fn title_vi(&self) -> &str {
        &self.0.title_vi
    }
    /// Title in English.
    async fn title_en(&self) -> &str {
        &self.0.title_en
    }
    /// Description in the requested language.
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the description.")] lang: Option<Language>,
    ) -> Option<String> {
        pick_opt(ctx, lang, &self.0.description_vi, &self.0.description_en)
    }
    /// Reported output figures (none for a DIRECTED activity).
    async fn outputs(&self, ctx: &Context<'_>) -> Result<Vec<ActivityOutput>> {
        let all = ctx
            .data::<Loaders>()?
            .load_one(OutputsOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(all.into_iter().map(ActivityOutput::from).collect())
    }
    /// The publications that record it.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<Source>> {
        let all = ctx
            .data::<Loaders>()?
            .load_one(SourcesOfActivity(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(all.into_iter().map(Source).collect())
    }
}

/// Filters of `activities`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct ActivityFilter {
    /// Only activities of the campaign with this slug, or of its sub-campaigns.
    pub campaign: Option<String>,
    /// Only activities this agency (by code) leads or takes part in.
    pub agency: Option<String>,
    /// Only activities of this kind.
    pub kind: Option<ActivityKind>,
    /// Only activities with this status.
    pub status: Option<ActivityStatus>,
    /// Only activities tied to the region with this code.
    pub region: Option<String>,
    /// Only activities running on this day.
    pub active_on: Option<Date>,
}
