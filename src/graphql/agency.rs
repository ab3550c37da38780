//! Agencies: the members of Steering Committee 138/CP and others that run activities.
use async_graphql::{Context, Enum, ID, Object, Result};
use entity::agency;

use super::ApiContext;
use super::campaign::Activity;
use super::ids::global_id;
use super::lang::{Language, pick};
use super::loader::{ActivitiesOfAgency, AgencyId, Loaders};
use super::pagination::{Page, connection, page_args, slice};
use super::region::{Region, load_region};
use crate::error::AppError;
use crate::store;

/// What kind of body an agency is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AgencyKind {
    /// A government body above the ministries, such as Steering Committee 138/CP.
    GovernmentBody,
    /// A ministry.
    Ministry,
    /// A court.
    Court,
    /// A procuracy.
    Procuracy,
    /// A mass organization, such as the Vietnam Women's Union.
    MassOrganization,
    /// A state media outlet.
    Media,
    /// A provincial People's Committee (or all of them together).
    ProvincialAuthority,
    /// An international organization.
    InternationalOrganization,
    /// A non-governmental organization.
    Ngo,
}

impl AgencyKind {
    pub fn as_db(self) -> &'static str {
        match self {
            AgencyKind::GovernmentBody => "GOVERNMENT_BODY",
            AgencyKind::Ministry => "MINISTRY",
            AgencyKind::Court => "COURT",
            AgencyKind::Procuracy => "PROCURACY",
            AgencyKind::MassOrganization => "MASS_ORGANIZATION",
            AgencyKind::Media => "MEDIA",
            AgencyKind::ProvincialAuthority => "PROVINCIAL_AUTHORITY",
            AgencyKind::InternationalOrganization => "INTERNATIONAL_ORGANIZATION",
            AgencyKind::Ngo => "NGO",
        }
    }

    fn from_db(s: &str) -> Option<Self> {
        [
            AgencyKind::GovernmentBody,
            AgencyKind::Ministry,
            AgencyKind::Court,
            AgencyKind::Procuracy,
            AgencyKind::MassOrganization,
            AgencyKind::Media,
            AgencyKind::ProvincialAuthority,
            AgencyKind::InternationalOrganization,
            AgencyKind::Ngo,
        ]
        .into_iter()
        .find(|k| k.as_db() == s)
    }
}

/// An agency that directs or runs activities against trafficking (recorded with its 2024 name).
#[derive(Clone)]
pub struct Agency(pub agency::Model);

/// An agency that directs or runs activities against trafficking (recorded with its 2024 name).
#[Object(cache_control(max_age = 86400))]
impl Agency {
    /// Relay global id.
    pub async fn id(&self) -> ID {
        global_id("Agency", &self.0.code)
    }
    /// Stable code, e.g. `MPS` (Ministry of Public Security), `MND` (Ministry of National Defence).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name in the requested language (`lang`, else `Accept-Language`, else Vietnamese).
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the name.")] lang: Option<Language>,
    ) -> String {
        pick(ctx, lang, &self.0.name_vi, &self.0.name_en).to_owned()
    }
    /// Vietnamese name.
    async fn name_vi(&self) -> &str {
        &self.0.name_vi
    }
    /// English name.
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    /// Usual abbreviation, where there is one.
    async fn abbreviation(&self) -> Option<&str> {
        self.0.abbreviation.as_deref()
    }
    /// Kind of body (null for a kind this version of the API does not know).
    async fn kind(&self) -> Option<AgencyKind> {
        AgencyKind::from_db(&self.0.kind)
    }
    /// The body it belongs to, if any.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        load_agency(ctx, self.0.parent_id).await
    }
    /// The province it is the authority of (for a provincial People's Committee).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load_region(ctx, self.0.region_id).await
    }
    /// Activities the agency leads or takes part in, optionally within one campaign (and its sub-campaigns).
    #[graphql(complexity = "crate::graphql::cost::page_cost(first, child_complexity)")]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only activities of the campaign with this slug, or of its sub-campaigns."
        )]
        campaign: Option<String>,
        #[graphql(desc = "Page size (at most the page size cap).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<Activity>> {
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let all = ctx
            .data::<Loaders>()?
            .load_one(ActivitiesOfAgency(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        let campaigns = match campaign {
            None => None,
            Some(slug) => Some(super::campaign::campaign_ids(ctx, &slug).await?),
        };
        let kept = all
            .into_iter()
            .filter(|a| {
                campaigns
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&a.campaign_id))
            })
            .map(Activity)
            .collect();
        Ok(slice(kept, page))
    }
}

pub async fn load_agency(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Agency>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .data::<Loaders>()?
        .load_one(AgencyId(id))
        .await
        .map_err(AppError::from)?
        .map(Agency))
}

#[derive(Default)]
pub struct AgencyQuery;

#[Object]
impl AgencyQuery {
    /// One agency by its code (e.g. `MND`); null when no agency has that code.
    async fn agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency's `code`.")] code: String,
    ) -> Result<Option<Agency>> {
        let api = ctx.data::<ApiContext>()?;
        Ok(store::catalogue::agency_by_code(&api.db, &code)
            .await
            .map_err(AppError::from)?
            .map(Agency))
    }

    /// Agencies, ordered by code.
    #[graphql(complexity = "crate::graphql::cost::page_cost(first, child_complexity)")]
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only agencies of this kind.")] kind: Option<AgencyKind>,
        #[graphql(desc = "Page size (at most the page size cap).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<Agency>> {
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let (rows, total) = store::catalogue::agencies(
            &api.db,
            kind.map(AgencyKind::as_db),
            page.offset,
            page.limit,
        )
        .await
        .map_err(AppError::from)?;
        Ok(connection(
            rows.into_iter().map(Agency).collect(),
            page,
            total,
        ))
    }
}
