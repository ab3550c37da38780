//! The catalogue service: campaigns, activities and agencies are created, updated and retired
//! (never deleted: a retired one leaves the lists but stays citable by its code), each change
//! with its audit entry in one transaction, under the writers' lock. Shared by the GraphQL
//! mutations; knows nothing of them.
use chrono::NaiveDate;
use entity::{activity, activity_agency, activity_output, activity_source, agency, campaign};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait, TryIntoModel,
};

use crate::error::AppError;
use crate::store::writes::{self, Actor};

mod lookup;
mod retire;
use lookup::{action, agency_id, campaign_id, check_code, existing, json, region_id, source_id};
pub use retire::{retire_activity, retire_agency, retire_campaign};

/// A campaign as written: every field replaces the stored one. Agencies, the parent campaign
/// and the source are named by their codes (the parent by its slug).
pub struct CampaignFields {
    pub slug: String,
    pub name_vi: String,
    pub name_en: String,
    pub theme_vi: Option<String>,
    pub theme_en: Option<String>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub lead_agency: Option<String>,
    pub directive_number: Option<String>,
    pub directive_date: Option<NaiveDate>,
    pub directive_issuer: Option<String>,
    pub parent: Option<String>,
    pub source: Option<String>,
}

/// An activity as written: every field replaces the stored one.
pub struct ActivityFields {
    pub code: String,
    pub campaign: String,
    pub lead_agency: String,
    pub participating_agencies: Vec<String>,
    pub region: Option<String>,
    /// The kind's code (e.g. `INSPECTION`).
    pub kind: &'static str,
    /// `DIRECTED` or `REPORTED`.
    pub status: &'static str,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub title_vi: String,
    pub title_en: String,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    /// Codes of the sources that record it (at least one).
    pub sources: Vec<String>,
    /// What it reported doing, as reported (replaces the stored outputs).
    pub outputs: Vec<OutputFields>,
}

/// One reported output figure of an activity: people reached, events held, …
pub struct OutputFields {
    pub indicator: String,
    /// 0 or more.
    pub value: i64,
    pub unit: String,
    /// The code of the source that reports it.
    pub source: String,
}

/// An agency as written: every field replaces the stored one.
pub struct AgencyFields {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub abbreviation: Option<String>,
    /// The kind's code (e.g. `MINISTRY`).
    pub kind: &'static str,
    pub parent: Option<String>,
    pub region: Option<String>,
}

/// Whether a save creates a new entry or replaces an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    Create,
    Update,
}

/// Creates or replaces a campaign.
pub async fn save_campaign(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CampaignFields,
    save: Save,
) -> Result<campaign::Model, AppError> {
    check_code("`slug`", &input.slug)?;
    let txn = db.begin().await?;
    writes::lock_writers(&txn).await?;
    let names = ("a campaign", "slug", "updateCampaign");
    let before =
        existing::<campaign::Entity, _>(&txn, campaign::Column::Slug, &input.slug, save, names)
            .await?;
    let parent = campaign_id(&txn, input.parent.as_deref()).await?;
    if parent.is_some() && parent == before.as_ref().map(|c| c.id) {
        return Err(AppError::BadUserInput(
            "a campaign cannot be part of itself".to_owned(),
        ));
    }
    let mut model: campaign::ActiveModel = match &before {
        Some(c) => c.clone().into(),
        None => campaign::ActiveModel {
            retired: Set(false),
            ..Default::default()
        },
    };
    model.slug = Set(input.slug.clone());
    model.name_vi = Set(input.name_vi);
    model.name_en = Set(input.name_en);
    model.theme_vi = Set(input.theme_vi);
    model.theme_en = Set(input.theme_en);
    model.description_vi = Set(input.description_vi);
    model.description_en = Set(input.description_en);
    model.start_date = Set(input.start_date);
    model.end_date = Set(input.end_date);
    model.lead_agency_id = Set(agency_id(&txn, input.lead_agency.as_deref()).await?);
    model.directive_number = Set(input.directive_number);
    model.directive_date = Set(input.directive_date);
    model.directive_issuer_id = Set(agency_id(&txn, input.directive_issuer.as_deref()).await?);
    model.parent_id = Set(parent);
    model.source_id = Set(match &input.source {
        Some(code) => Some(source_id(&txn, code).await?),
        None => None,
    });
    let saved = model.save(&txn).await?.try_into_model()?;
    let (key, after) = (saved.slug.clone(), json(&saved));
    let action = action(save, "campaign");
    let before = before.as_ref().and_then(json);
    writes::record(&txn, actor, &action, "campaign", key, before, after).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Creates or replaces an activity, with its participating agencies and its sources.
pub async fn save_activity(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ActivityFields,
    save: Save,
) -> Result<activity::Model, AppError> {
    check_code("`code`", &input.code)?;
    if input.sources.is_empty() {
        return Err(AppError::BadUserInput(
            "an activity cites at least one source".to_owned(),
        ));
    }
    let txn = db.begin().await?;
    writes::lock_writers(&txn).await?;
    let names = ("an activity", "code", "updateActivity");
    let before =
        existing::<activity::Entity, _>(&txn, activity::Column::Code, &input.code, save, names)
            .await?;
    let mut model: activity::ActiveModel = match &before {
        Some(a) => a.clone().into(),
        None => activity::ActiveModel {
            retired: Set(false),
            ..Default::default()
        },
    };
    let campaign = campaign_id(&txn, Some(&input.campaign)).await?;
    let lead = agency_id(&txn, Some(&input.lead_agency)).await?;
    let mut participants = Vec::new();
    for code in &input.participating_agencies {
        participants.extend(agency_id(&txn, Some(code)).await?);
    }
    let mut sources = Vec::new();
    for code in &input.sources {
        sources.push(source_id(&txn, code).await?);
    }
    let mut outputs = Vec::with_capacity(input.outputs.len());
    for (i, o) in input.outputs.iter().enumerate() {
        if o.indicator.trim().is_empty() || o.unit.trim().is_empty() || o.value < 0 {
            return Err(AppError::BadUserInput(format!(
                "outputs[{i}]: an output names what was counted (`indicator`) and its `unit`, \
                 and its `value` is 0 or more"
            )));
        }
        outputs.push((o, source_id(&txn, &o.source).await?));
    }
    model.code = Set(input.code.clone());
    model.campaign_id = Set(campaign.unwrap_or_default());
    model.lead_agency_id = Set(lead.unwrap_or_default());
    model.region_id = Set(region_id(&txn, input.region.as_deref()).await?);
    model.kind = Set(input.kind.to_owned());
    model.status = Set(input.status.to_owned());
    model.start_date = Set(input.start_date);
    model.end_date = Set(input.end_date);
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
    activity_output::Entity::delete_many()
        .filter(activity_output::Column::ActivityId.eq(saved.id))
        .exec(&txn)
        .await?;
    for (o, source_id) in outputs {
        activity_output::ActiveModel {
            activity_id: Set(saved.id),
            indicator: Set(o.indicator.trim().to_owned()),
            value: Set(o.value),
            unit: Set(o.unit.trim().to_owned()),
            source_id: Set(source_id),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
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
    let outputs: Vec<_> = input
        .outputs
        .iter()
        .map(|o| serde_json::json!({ "indicator": o.indicator, "value": o.value, "unit": o.unit, "source": o.source }))
        .collect();
    let after = serde_json::json!({ "activity": saved, "participants": input.participating_agencies, "sources": input.sources, "outputs": outputs }).to_string();
    let action = action(save, "activity");
    let (key, before) = (saved.code.clone(), before.as_ref().and_then(json));
    writes::record(&txn, actor, &action, "activity", key, before, Some(after)).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Creates or replaces an agency.
pub async fn save_agency(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AgencyFields,
    save: Save,
) -> Result<agency::Model, AppError> {
    check_code("`code`", &input.code)?;
    let txn = db.begin().await?;
    writes::lock_writers(&txn).await?;
    let names = ("an agency", "code", "updateAgency");
    let before =
        existing::<agency::Entity, _>(&txn, agency::Column::Code, &input.code, save, names).await?;
    let parent = agency_id(&txn, input.parent.as_deref()).await?;
    if parent.is_some() && parent == before.as_ref().map(|a| a.id) {
        return Err(AppError::BadUserInput(
            "an agency cannot belong to itself".to_owned(),
        ));
    }
    let mut model: agency::ActiveModel = match &before {
        Some(a) => a.clone().into(),
        None => agency::ActiveModel {
            retired: Set(false),
            ..Default::default()
        },
    };
    model.code = Set(input.code.clone());
    model.name_vi = Set(input.name_vi);
    model.name_en = Set(input.name_en);
    model.abbreviation = Set(input.abbreviation);
    model.kind = Set(input.kind.to_owned());
    model.parent_id = Set(parent);
    model.region_id = Set(region_id(&txn, input.region.as_deref()).await?);
    let saved = model.save(&txn).await?.try_into_model()?;
    let (key, after) = (saved.code.clone(), json(&saved));
    let action = action(save, "agency");
    let before = before.as_ref().and_then(json);
    writes::record(&txn, actor, &action, "agency", key, before, after).await?;
    txn.commit().await?;
    Ok(saved)
}
