//! Writes to the catalogue: campaigns, activities and agencies are created, updated and retired
//! (never deleted: a retired one leaves the lists but stays citable by its code). EDITOR; audited.
use async_graphql::{Context, InputObject, Object, Result};
use entity::{activity, activity_agency, activity_source, agency, campaign};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait, TryIntoModel,
};

use super::ApiContext;
use super::agency::{Agency, AgencyKind};
use super::campaign::{Activity, ActivityKind, ActivityStatus, Campaign};
use super::mutation::caller;
use super::scalars::Date;
use crate::auth::Role;
use crate::error::AppError;
use crate::store::writes::{self, Actor};

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

fn check_code(what: &str, code: &str) -> Result<(), AppError> {
    if code.is_empty()
        || code.len() > 80
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    {
        return Err(AppError::BadUserInput(format!(
            "{what} must be 1 to 80 letters, digits, dots, dashes or underscores; it was \"{code}\""
        )));
    }
    Ok(())
}

async fn agency_id(txn: &DatabaseTransaction, code: Option<&str>) -> Result<Option<i32>, AppError> {
    let Some(code) = code else { return Ok(None) };
    agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .one(txn)
        .await?
        .map(|a| Some(a.id))
        .ok_or_else(|| AppError::BadUserInput(format!("no agency has the code \"{code}\"")))
}

async fn campaign_id(
    txn: &DatabaseTransaction,
    slug: Option<&str>,
) -> Result<Option<i32>, AppError> {
    let Some(slug) = slug else { return Ok(None) };
    campaign::Entity::find()
        .filter(campaign::Column::Slug.eq(slug))
        .one(txn)
        .await?
        .map(|c| Some(c.id))
        .ok_or_else(|| AppError::BadUserInput(format!("no campaign has the slug \"{slug}\"")))
}

async fn region_id(txn: &DatabaseTransaction, code: Option<&str>) -> Result<Option<i32>, AppError> {
    let Some(code) = code else { return Ok(None) };
    crate::store::region::by_code(txn, code)
        .await?
        .map(|r| Some(r.id))
        .ok_or_else(|| AppError::BadUserInput(format!("no region has the code \"{code}\"")))
}

async fn source_id(txn: &DatabaseTransaction, code: &str) -> Result<i32, AppError> {
    crate::store::catalogue::source_by_code(txn, code)
        .await?
        .map(|s| s.id)
        .ok_or_else(|| {
            AppError::BadUserInput(format!(
                "no source has the code \"{code}\"; create it with createSource"
            ))
        })
}

fn json<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

fn actor(ctx: &Context<'_>) -> Result<Actor, AppError> {
    let who = caller(ctx);
    who.require(Role::Editor)?;
    Ok(Actor {
        key_id: who.key_id,
        name: who.actor(),
    })
}

async fn save_campaign(
    ctx: &Context<'_>,
    input: CampaignInput,
    create: bool,
) -> Result<Campaign, AppError> {
    let actor = actor(ctx)?;
    check_code("`slug`", &input.slug)?;
    let api = ctx
        .data::<ApiContext>()
        .map_err(|e| AppError::Internal(e.message))?;
    let txn = api.db.begin().await?;
    writes::lock_writers(&txn).await?;
    let existing = campaign::Entity::find()
        .filter(campaign::Column::Slug.eq(&input.slug))
        .one(&txn)
        .await?;
    let mut model: campaign::ActiveModel = match (&existing, create) {
        (Some(_), true) => {
            return Err(AppError::BadUserInput(format!(
                "a campaign with the slug \"{}\" exists already; use updateCampaign",
                input.slug
            )));
        }
        (None, false) => {
            return Err(AppError::NotFound(format!(
                "no campaign has the slug \"{}\"",
                input.slug
            )));
        }
        (Some(c), false) => c.clone().into(),
        (None, true) => campaign::ActiveModel {
            retired: Set(false),
            ..Default::default()
        },
    };
    let parent = campaign_id(&txn, input.parent.as_deref()).await?;
    if parent.is_some() && parent == existing.as_ref().map(|c| c.id) {
        return Err(AppError::BadUserInput(
            "a campaign cannot be part of itself".to_owned(),
        ));
    }
    model.slug = Set(input.slug.clone());
    model.name_vi = Set(input.name_vi);
    model.name_en = Set(input.name_en);
    model.theme_vi = Set(input.theme_vi);
    model.theme_en = Set(input.theme_en);
    model.description_vi = Set(input.description_vi);
    model.description_en = Set(input.description_en);
    model.start_date = Set(input.start_date.map(|d| d.0));
    model.end_date = Set(input.end_date.map(|d| d.0));
    model.lead_agency_id = Set(agency_id(&txn, input.lead_agency.as_deref()).await?);
    model.directive_number = Set(input.directive_number);
    model.directive_date = Set(input.directive_date.map(|d| d.0));
    model.directive_issuer_id = Set(agency_id(&txn, input.directive_issuer.as_deref()).await?);
    model.parent_id = Set(parent);
    model.source_id = Set(match &input.source {
        Some(code) => Some(source_id(&txn, code).await?),
        None => None,
    });
    let saved = model.save(&txn).await?.try_into_model()?;
    let action = if create {
        "create_campaign"
    } else {
        "update_campaign"
    };
    writes::record(
        &txn,
        &actor,
        action,
        "campaign",
        saved.slug.clone(),
        existing.as_ref().and_then(json),
        json(&saved),
    )
    .await?;
    txn.commit().await?;
    Ok(Campaign(saved))
}

async fn save_activity(
    ctx: &Context<'_>,
    input: ActivityInput,
    create: bool,
) -> Result<Activity, AppError> {
    let actor = actor(ctx)?;
    check_code("`code`", &input.code)?;
    if input.sources.is_empty() {
        return Err(AppError::BadUserInput(
            "an activity cites at least one source".to_owned(),
        ));
    }
    let api = ctx
        .data::<ApiContext>()
        .map_err(|e| AppError::Internal(e.message))?;
    let txn = api.db.begin().await?;
    writes::lock_writers(&txn).await?;
    let existing = activity::Entity::find()
        .filter(activity::Column::Code.eq(&input.code))
        .one(&txn)
        .await?;
    let mut model: activity::ActiveModel = match (&existing, create) {
        (Some(_), true) => {
            return Err(AppError::BadUserInput(format!(
                "an activity with the code \"{}\" exists already; use updateActivity",
                input.code
            )));
        }
        (None, false) => {
            return Err(AppError::NotFound(format!(
                "no activity has the code \"{}\"",
                input.code
            )));
        }
        (Some(a), false) => a.clone().into(),
        (None, true) => activity::ActiveModel {
            retired: Set(false),
            ..Default::default()
        },
    };
    let campaign = campaign_id(&txn, Some(&input.campaign))
        .await?
        .unwrap_or_default();
    let lead = agency_id(&txn, Some(&input.lead_agency))
        .await?
        .unwrap_or_default();
    let mut participants = Vec::new();
    for code in &input.participating_agencies {
        participants.extend(agency_id(&txn, Some(code)).await?);
    }
    let mut sources = Vec::new();
    for code in &input.sources {
        sources.push(source_id(&txn, code).await?);
    }
    let kind = super::campaign::enum_name(input.kind);
    let status = super::campaign::enum_name(input.status);
    model.code = Set(input.code.clone());
    model.campaign_id = Set(campaign);
    model.lead_agency_id = Set(lead);
    model.region_id = Set(region_id(&txn, input.region.as_deref()).await?);
    model.kind = Set(kind.to_owned());
    model.status = Set(status.to_owned());
    model.start_date = Set(input.start_date.map(|d| d.0));
    model.end_date = Set(input.end_date.map(|d| d.0));
    model.title_vi = Set(input.title_vi);
    model.title_en = Set(input.title_en);
    model.description_vi = Set(input.description_vi);
    model.description_en = Set(input.description_en);
    let saved = model.save(&txn).await?.try_into_model()?;
    activity_agency::Entity::delete_many()
        .filter(activity_agency::Column::ActivityId.eq(saved.id))
        .exec(&txn)
        .await?;
    activity_source::Entity::delete_many()
        .filter(activity_source::Column::ActivityId.eq(saved.id))
        .exec(&txn)
        .await?;
    participants.sort_unstable();
    participants.dedup();
    for agency_id in participants {
        activity_agency::ActiveModel {
            activity_id: Set(saved.id),
            agency_id: Set(agency_id),
        }
        .insert(&txn)
        .await?;
    }
    sources.sort_unstable();
    sources.dedup();
    for source_id in sources {
        activity_source::ActiveModel {
            activity_id: Set(saved.id),
            source_id: Set(source_id),
        }
        .insert(&txn)
        .await?;
    }
    let after = serde_json::json!({ "activity": saved, "participants": input.participating_agencies, "sources": input.sources }).to_string();
    let action = if create {
        "create_activity"
    } else {
        "update_activity"
    };
    writes::record(
        &txn,
        &actor,
        action,
        "activity",
        saved.code.clone(),
        existing.as_ref().and_then(json),
        Some(after),
    )
    .await?;
    txn.commit().await?;
    Ok(Activity(saved))
}

async fn save_agency(
    ctx: &Context<'_>,
    input: AgencyInput,
    create: bool,
) -> Result<Agency, AppError> {
    let actor = actor(ctx)?;
    check_code("`code`", &input.code)?;
    let api = ctx
        .data::<ApiContext>()
        .map_err(|e| AppError::Internal(e.message))?;
    let txn = api.db.begin().await?;
    writes::lock_writers(&txn).await?;
    let existing = agency::Entity::find()
        .filter(agency::Column::Code.eq(&input.code))
        .one(&txn)
        .await?;
    let mut model: agency::ActiveModel = match (&existing, create) {
        (Some(_), true) => {
            return Err(AppError::BadUserInput(format!(
                "an agency with the code \"{}\" exists already; use updateAgency",
                input.code
            )));
        }
        (None, false) => {
            return Err(AppError::NotFound(format!(
                "no agency has the code \"{}\"",
                input.code
            )));
        }
        (Some(a), false) => a.clone().into(),
        (None, true) => agency::ActiveModel {
            retired: Set(false),
            ..Default::default()
        },
    };
    let parent = agency_id(&txn, input.parent.as_deref()).await?;
    if parent.is_some() && parent == existing.as_ref().map(|a| a.id) {
        return Err(AppError::BadUserInput(
            "an agency cannot belong to itself".to_owned(),
        ));
    }
    model.code = Set(input.code.clone());
    model.name_vi = Set(input.name_vi);
    model.name_en = Set(input.name_en);
    model.abbreviation = Set(input.abbreviation);
    model.kind = Set(input.kind.as_db().to_owned());
    model.parent_id = Set(parent);
    model.region_id = Set(region_id(&txn, input.region.as_deref()).await?);
    let saved = model.save(&txn).await?.try_into_model()?;
    let action = if create {
        "create_agency"
    } else {
        "update_agency"
    };
    writes::record(
        &txn,
        &actor,
        action,
        "agency",
        saved.code.clone(),
        existing.as_ref().and_then(json),
        json(&saved),
    )
    .await?;
    txn.commit().await?;
    Ok(Agency(saved))
}

/// Retires one row of a catalogue table found by its key column, auditing before and after.
macro_rules! retire {
    ($ctx:expr, $entity:ident, $column:ident, $key:expr, $action:literal, $what:literal, $wrap:ident) => {{
        let actor = actor($ctx)?;
        let api = $ctx.data::<ApiContext>()?;
        let txn = api.db.begin().await.map_err(AppError::from)?;
        let found = $entity::Entity::find()
            .filter($entity::Column::$column.eq(&$key))
            .one(&txn)
            .await
            .map_err(AppError::from)?;
        let found = found.ok_or_else(|| {
            AppError::NotFound(format!(concat!("no ", $what, " has the key \"{}\""), $key))
        })?;
        let mut m: $entity::ActiveModel = found.clone().into();
        m.retired = Set(true);
        let saved = m.update(&txn).await.map_err(AppError::from)?;
        writes::record(
            &txn,
            &actor,
            $action,
            stringify!($entity),
            $key,
            json(&found),
            json(&saved),
        )
        .await
        .map_err(AppError::from)?;
        txn.commit().await.map_err(AppError::from)?;
        Ok($wrap(saved))
    }};
}

#[derive(Default)]
pub struct CatalogueMutation;

/// Writes to campaigns, activities and agencies (EDITOR).
#[Object]
impl CatalogueMutation {
    /// Records a new campaign (EDITOR).
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] input: CampaignInput,
    ) -> Result<Campaign> {
        Ok(save_campaign(ctx, input, true).await?)
    }
    /// Replaces the fields of a campaign, found by its slug (EDITOR).
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] input: CampaignInput,
    ) -> Result<Campaign> {
        Ok(save_campaign(ctx, input, false).await?)
    }
    /// Retires a campaign: it leaves the lists, stays findable by its slug (EDITOR).
    async fn retire_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's slug.")] slug: String,
    ) -> Result<Campaign> {
        retire!(
            ctx,
            campaign,
            Slug,
            slug,
            "retire_campaign",
            "campaign",
            Campaign
        )
    }
    /// Records a new activity (EDITOR).
    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: ActivityInput,
    ) -> Result<Activity> {
        Ok(save_activity(ctx, input, true).await?)
    }
    /// Replaces the fields of an activity, found by its code (EDITOR).
    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: ActivityInput,
    ) -> Result<Activity> {
        Ok(save_activity(ctx, input, false).await?)
    }
    /// Retires an activity: it leaves the lists, stays findable by its code (EDITOR).
    async fn retire_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity's code.")] code: String,
    ) -> Result<Activity> {
        retire!(
            ctx,
            activity,
            Code,
            code,
            "retire_activity",
            "activity",
            Activity
        )
    }
    /// Records a new agency (EDITOR).
    async fn create_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency.")] input: AgencyInput,
    ) -> Result<Agency> {
        Ok(save_agency(ctx, input, true).await?)
    }
    /// Replaces the fields of an agency, found by its code (EDITOR).
    async fn update_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency.")] input: AgencyInput,
    ) -> Result<Agency> {
        Ok(save_agency(ctx, input, false).await?)
    }
    /// Retires an agency: it leaves the lists, stays findable by its code (EDITOR).
    async fn retire_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency's code.")] code: String,
    ) -> Result<Agency> {
        retire!(ctx, agency, Code, code, "retire_agency", "agency", Agency)
    }
}
