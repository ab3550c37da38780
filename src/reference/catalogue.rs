//! The catalogue of a data version: agencies, campaigns, activities with their participants,
//! sources and outputs, and sources. Every edit of them is audited in the transaction that makes
//! it, so it changes the data version: a copy per version is exact. Small (hundreds of rows): read
//! in six statements, then every nested catalogue field is a lookup here instead of a statement.
use std::collections::HashMap;

use entity::{
    activity, activity_agency, activity_output, activity_source, agency, campaign, source,
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};

#[derive(Debug, Default)]
pub struct Catalogue {
    agencies: HashMap<i32, agency::Model>,
    campaigns: HashMap<i32, campaign::Model>,
    sources: HashMap<i32, source::Model>,
    /// Direct sub-campaigns by parent, by start date then id.
    sub_campaigns: HashMap<i32, Vec<campaign::Model>>,
    /// Every campaign's id and parent, for walking trees.
    links: Vec<(i32, Option<i32>)>,
    /// Activities not retired, by campaign, by id.
    activities_of_campaign: HashMap<i32, Vec<activity::Model>>,
    /// Activities not retired an agency leads or takes part in, by id.
    activities_of_agency: HashMap<i32, Vec<activity::Model>>,
    /// Participating agencies by activity, by agency id.
    participants: HashMap<i32, Vec<agency::Model>>,
    /// Sources by activity, by source id.
    sources_of_activity: HashMap<i32, Vec<source::Model>>,
    /// Outputs by activity, by id.
    outputs: HashMap<i32, Vec<activity_output::Model>>,
}

impl Catalogue {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Catalogue, DbErr> {
        let agencies: HashMap<i32, agency::Model> = agency::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let all_campaigns = campaign::Entity::find()
            .order_by_asc(campaign::Column::Id)
            .all(db)
            .await?;
        let sources: HashMap<i32, source::Model> = source::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let activities = activity::Entity::find()
            .order_by_asc(activity::Column::Id)
            .all(db)
            .await?;
        let mut links = activity_agency::Entity::find().all(db).await?;
        links.sort_by_key(|l| (l.activity_id, l.agency_id));
        let mut cited = activity_source::Entity::find().all(db).await?;
        cited.sort_by_key(|l| (l.activity_id, l.source_id));
        let outputs_all = activity_output::Entity::find()
            .order_by_asc(activity_output::Column::Id)
            .all(db)
            .await?;

        let mut sub_campaigns: HashMap<i32, Vec<campaign::Model>> = HashMap::new();
        for c in &all_campaigns {
            if let Some(p) = c.parent_id {
                sub_campaigns.entry(p).or_default().push(c.clone());
            }
        }
        for list in sub_campaigns.values_mut() {
            list.sort_by_key(|c| (c.start_date, c.id));
        }
        let mut participants: HashMap<i32, Vec<agency::Model>> = HashMap::new();
        for l in &links {
            if let Some(a) = agencies.get(&l.agency_id) {
                participants
                    .entry(l.activity_id)
                    .or_default()
                    .push(a.clone());
            }
        }
        let mut sources_of_activity: HashMap<i32, Vec<source::Model>> = HashMap::new();
        for l in &cited {
            if let Some(s) = sources.get(&l.source_id) {
                sources_of_activity
                    .entry(l.activity_id)
                    .or_default()
                    .push(s.clone());
            }
        }
        let mut outputs: HashMap<i32, Vec<activity_output::Model>> = HashMap::new();
        for o in outputs_all {
            outputs.entry(o.activity_id).or_default().push(o);
        }
        let mut activities_of_campaign: HashMap<i32, Vec<activity::Model>> = HashMap::new();
        let mut activities_of_agency: HashMap<i32, Vec<activity::Model>> = HashMap::new();
        for a in activities.iter().filter(|a| !a.retired) {
            activities_of_campaign
                .entry(a.campaign_id)
                .or_default()
                .push(a.clone());
            let mut agencies_of: Vec<i32> = links
                .iter()
                .filter(|l| l.activity_id == a.id)
                .map(|l| l.agency_id)
                .chain([a.lead_agency_id])
                .collect();
            agencies_of.sort_unstable();
            agencies_of.dedup();
            for g in agencies_of {
                activities_of_agency.entry(g).or_default().push(a.clone());
            }
        }
        Ok(Catalogue {
            links: all_campaigns.iter().map(|c| (c.id, c.parent_id)).collect(),
            campaigns: all_campaigns.into_iter().map(|c| (c.id, c)).collect(),
            agencies,
            sources,
            sub_campaigns,
            activities_of_campaign,
            activities_of_agency,
            participants,
            sources_of_activity,
            outputs,
        })
    }

    pub fn agency(&self, id: i32) -> Option<&agency::Model> {
        self.agencies.get(&id)
    }

    pub fn campaign(&self, id: i32) -> Option<&campaign::Model> {
        self.campaigns.get(&id)
    }

    pub fn source(&self, id: i32) -> Option<&source::Model> {
        self.sources.get(&id)
    }

    pub fn sub_campaigns(&self, id: i32) -> &[campaign::Model] {
        self.sub_campaigns.get(&id).map_or(&[], Vec::as_slice)
    }

    /// A campaign and every campaign below it.
    pub fn campaign_tree(&self, id: i32) -> Vec<i32> {
        crate::store::campaign::descendants(&self.links, id)
    }

    pub fn activities_of_campaign(&self, id: i32) -> &[activity::Model] {
        self.activities_of_campaign
            .get(&id)
            .map_or(&[], Vec::as_slice)
    }

    pub fn activities_of_agency(&self, id: i32) -> &[activity::Model] {
        self.activities_of_agency
            .get(&id)
            .map_or(&[], Vec::as_slice)
    }

    pub fn participants(&self, activity: i32) -> &[agency::Model] {
        self.participants.get(&activity).map_or(&[], Vec::as_slice)
    }

    pub fn sources_of_activity(&self, activity: i32) -> &[source::Model] {
        self.sources_of_activity
            .get(&activity)
            .map_or(&[], Vec::as_slice)
    }

    pub fn outputs(&self, activity: i32) -> &[activity_output::Model] {
        self.outputs.get(&activity).map_or(&[], Vec::as_slice)
    }
}
