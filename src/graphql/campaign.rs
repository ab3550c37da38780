//! Campaigns, the activities of each (`activity`) and the campaign queries.
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entity::{activity, campaign};

use super::ApiContext;
use super::agency::{Agency, load_agency};
use super::ids::global_id;
use super::lang::{Language, pick, pick_opt};
use super::loader::{ActivitiesOfCampaign, CampaignId, CampaignTreeOf, Loaders, SubCampaignsOf};
use super::pagination::{Page, connection, page_args, slice};
use super::region::load_source;
use super::scalars::{Date, date};
use super::source::Source;
use crate::error::AppError;
use crate::store;

/// The document that launched a campaign.
#[derive(SimpleObject)]
pub struct Directive {
    /// Its number, e.g. "72/BCĐ 138/CP" (null where the source does not give one).
    pub number: Option<String>,
    /// The day it was issued.
    pub date: Option<Date>,
    /// The body that issued it.
    pub issuer: Option<Agency>,
}

/// A campaign against trafficking, launched by a directive, possibly part of a larger campaign.
#[derive(Clone)]
pub struct Campaign(pub campaign::Model);

/// A campaign against trafficking, launched by a directive, possibly part of a larger campaign.
#[Object(cache_control(max_age = 86400))]
impl Campaign {
    /// Relay global id.
    pub async fn id(&self) -> ID {
        global_id("Campaign", &self.0.slug)
    }
    /// Stable slug, e.g. `action-month-2024`.
    async fn slug(&self) -> &str {
        &self.0.slug
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
    /// Theme in the requested language, e.g. "No child left behind in the fight against human trafficking".
    async fn theme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the theme.")] lang: Option<Language>,
    ) -> Option<String> {
        pick_opt(ctx, lang, &self.0.theme_vi, &self.0.theme_en)
    }
    /// Theme in Vietnamese.
    async fn theme_vi(&self) -> Option<&str> {
        self.0.theme_vi.as_deref()
    }
    /// Theme in English.
    async fn theme_en(&self) -> Option<&str> {
        self.0.theme_en.as_deref()
    }
    /// Description in the requested language.
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the description.")] lang: Option<Language>,
    ) -> Option<String> {
        pick_opt(ctx, lang, &self.0.description_vi, &self.0.description_en)
    }
    /// First day (null where the source does not say).
    async fn start_date(&self) -> Option<Date> {
        date(self.0.start_date)
    }
    /// Last day (null where the source does not say, or the campaign is open-ended).
    async fn end_date(&self) -> Option<Date> {
        date(self.0.end_date)
    }
    /// The agency that leads it.
    async fn lead_agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        load_agency(ctx, self.0.lead_agency_id).await
    }
    /// The directive that launched it.
    async fn directive(&self, ctx: &Context<'_>) -> Result<Directive> {
        Ok(Directive {
            number: self.0.directive_number.clone(),
            date: date(self.0.directive_date),
            issuer: load_agency(ctx, self.0.directive_issuer_id).await?,
        })
    }
    /// The campaign this one is part of.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Campaign>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<Loaders>()?
            .load_one(CampaignId(id))
            .await
            .map_err(AppError::from)?
            .map(Campaign))
    }
    /// The campaigns that are part of this one.
    async fn sub_campaigns(&self, ctx: &Context<'_>) -> Result<Vec<Campaign>> {
        let subs = ctx
            .data::<Loaders>()?
            .load_one(SubCampaignsOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(subs
            .into_iter()
            .filter(|c| !c.retired)
            .map(Campaign)
            .collect())
    }
    /// The activities of the campaign (by default with those of its sub-campaigns).
    #[graphql(complexity = "crate::graphql::cost::page_cost(first, child_complexity)")]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Include the activities of sub-campaigns (default true).",
            default = true
        )]
        include_sub_campaigns: bool,
        #[graphql(desc = "Page size (at most the page size cap).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<Activity>> {
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let loaders = ctx.data::<Loaders>()?;
        // Two batched loads whatever the list: the campaign trees, then the activities.
        let ids = if include_sub_campaigns {
            loaders
                .load_one(CampaignTreeOf(self.0.id))
                .await
                .map_err(AppError::from)?
                .unwrap_or_else(|| vec![self.0.id])
        } else {
            vec![self.0.id]
        };
        let by_campaign = loaders
            .load_many(ids.iter().map(|id| ActivitiesOfCampaign(*id)))
            .await
            .map_err(AppError::from)?;
        let mut all: Vec<activity::Model> = by_campaign.into_values().flatten().collect();
        all.sort_by_key(|a| a.id);
        Ok(slice(all.into_iter().map(Activity).collect(), page))
    }
    /// The publication the campaign is recorded from.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        load_source(ctx, self.0.source_id).await
    }
}

pub use super::activity::*;

/// Ids of the campaign with this slug and of its sub-campaigns (empty for an unknown slug).
pub async fn campaign_ids(ctx: &Context<'_>, slug: &str) -> Result<Vec<i32>> {
    let api = ctx.data::<ApiContext>()?;
    Ok(
        match store::campaign::by_slug(&api.db, slug)
            .await
            .map_err(AppError::from)?
        {
            Some(c) => store::campaign::with_descendants(&api.db, c.id)
                .await
                .map_err(AppError::from)?,
            None => Vec::new(),
        },
    )
}

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// One campaign by its slug (e.g. `action-month-2024`); null when no campaign has that slug.
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's `slug`.")] slug: String,
    ) -> Result<Option<Campaign>> {
        let api = ctx.data::<ApiContext>()?;
        Ok(store::campaign::by_slug(&api.db, &slug)
            .await
            .map_err(AppError::from)?
            .filter(|c| !c.retired)
            .map(Campaign))
    }

    /// Campaigns, oldest first.
    #[graphql(complexity = "crate::graphql::cost::page_cost(first, child_complexity)")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only campaigns running on this day.")] active_on: Option<Date>,
        #[graphql(desc = "Only campaigns running at some time in this year.")] year: Option<i32>,
        #[graphql(desc = "Page size (at most the page size cap).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<Campaign>> {
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let (rows, total) = store::campaign::list(
            &api.db,
            active_on.map(|d| d.0),
            year,
            page.offset,
            page.limit,
        )
        .await
        .map_err(AppError::from)?;
        Ok(connection(
            rows.into_iter().map(Campaign).collect(),
            page,
            total,
        ))
    }

    /// Activities of all campaigns, filtered.
    #[graphql(complexity = "crate::graphql::cost::page_cost(first, child_complexity)")]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters; all given must hold.")] filter: Option<ActivityFilter>,
        #[graphql(desc = "Page size (at most the page size cap).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<Activity>> {
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let f = filter.unwrap_or_default();
        let mut q = store::activity::ActivityFilter {
            kind: f.kind.map(enum_db),
            status: f.status.map(enum_db),
            active_on: f.active_on.map(|d| d.0),
            ..Default::default()
        };
        // An unknown code in a filter matches nothing (an empty page), like an unknown code in a lookup.
        let mut unknown = false;
        if let Some(slug) = &f.campaign {
            let ids = campaign_ids(ctx, slug).await?;
            unknown |= ids.is_empty();
            q.campaign_ids = Some(ids);
        }
        if let Some(code) = &f.agency {
            match store::catalogue::agency_by_code(&api.db, code)
                .await
                .map_err(AppError::from)?
            {
                Some(a) => q.agency_id = Some(a.id),
                None => unknown = true,
            }
        }
        if let Some(code) = &f.region {
            match store::region::by_code(&api.db, code)
                .await
                .map_err(AppError::from)?
            {
                Some(r) => q.region_id = Some(r.id),
                None => unknown = true,
            }
        }
        if unknown {
            return Ok(connection(Vec::<Activity>::new(), page, 0));
        }
        let (rows, total) = store::activity::list(&api.db, &q, page.offset, page.limit)
            .await
            .map_err(AppError::from)?;
        Ok(connection(
            rows.into_iter().map(Activity).collect(),
            page,
            total,
        ))
    }
}
