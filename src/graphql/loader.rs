//! Every DataLoader of the API, in one place: one `DbLoader` answers each kind of key with one SQL
//! statement for a whole batch, so a list costs the same number of statements whatever its length.
//! A missing key is simply absent from the answer (the field resolves to null), never a panic.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    activity, activity_agency, activity_output, activity_source, agency, campaign, region,
    region_population, source,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::dimensions::{MetricKind, RegionLevel};
use crate::disclosure::{AgeUse, PeriodGrain, Protected};
use crate::reference::Reference;
use crate::statistics::{
    Boundaries, Dimension, Disclosure, PeriodSpec, StatsRequest, plan, resolve_release,
};
use crate::store::statistics::group_sums;

pub type Loaders = DataLoader<DbLoader>;
type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

pub struct DbLoader {
    db: DatabaseConnection,
    disclosure: Arc<Disclosure>,
    reference: Arc<Reference>,
}

/// A new per-request loader (its cache lives as long as the request).
pub fn new_loaders(api: &super::ApiContext) -> Loaders {
    let loader = DbLoader {
        db: api.db.clone(),
        disclosure: api.disclosure.clone(),
        reference: api.reference.clone(),
    };
    DataLoader::new(loader, tokio::spawn).delay(api.loader_delay)
}

macro_rules! key {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name(pub i32);
    )*};
}

key!(
    /// A region by id.
    RegionId,
    /// The populations of a region, by year ascending.
    PopulationsOf,
    /// The child regions of a region.
    ChildrenOf,
    /// The units that went into a region (its predecessors in 2025).
    PredecessorsOf,
    /// An agency by id.
    AgencyId,
    /// A campaign by id.
    CampaignId,
    /// The direct sub-campaigns of a campaign.
    SubCampaignsOf,
    /// A campaign and every campaign below it, as ids.
    CampaignTreeOf,
    /// The activities of a campaign (not of its sub-campaigns).
    ActivitiesOfCampaign,
    /// The activities an agency leads or takes part in.
    ActivitiesOfAgency,
    /// The participating agencies of an activity.
    ParticipantsOf,
    /// The sources of an activity.
    SourcesOfActivity,
    /// The reported outputs of an activity.
    OutputsOf,
    /// A source by id.
    SourceId,
);

fn ids<K: Copy>(keys: &[K], f: impl Fn(K) -> i32) -> Vec<i32> {
    keys.iter().map(|k| f(*k)).collect()
}

/// Groups rows under each requested key (keys with no rows get an empty list).
fn group<K: std::hash::Hash + Eq + Copy, V>(
    keys: &[K],
    rows: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Vec<V>> {
    let mut out: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for (k, v) in rows {
        out.entry(k).or_default().push(v);
    }
    out
}

macro_rules! by_id {
    ($key:ident, $entity:ident) => {
        impl Loader<$key> for DbLoader {
            type Value = $entity::Model;
            type Error = Arc<DbErr>;
            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::Id.is_in(ids(keys, |k| k.0)))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|m| ($key(m.id), m)).collect())
            }
        }
    };
}

by_id!(RegionId, region);
by_id!(AgencyId, agency);
by_id!(CampaignId, campaign);
by_id!(SourceId, source);

macro_rules! by_fk {
    ($key:ident, $entity:ident, $col:ident, $field:ident, $order:ident) => {
        impl Loader<$key> for DbLoader {
            type Value = Vec<$entity::Model>;
            type Error = Arc<DbErr>;
            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::$col.is_in(ids(keys, |k| k.0)))
                    .order_by_asc($entity::Column::$order)
                    .all(&self.db)
                    .await?;
                Ok(group(
                    keys,
                    rows.into_iter()
                        .filter_map(|m| m.$field.map(|f| ($key(f), m))),
                ))
            }
        }
    };
}

by_fk!(ChildrenOf, region, ParentId, parent_id, Code);
by_fk!(PredecessorsOf, region, SuccessorId, successor_id, Code);
by_fk!(SubCampaignsOf, campaign, ParentId, parent_id, StartDate);

impl Loader<PopulationsOf> for DbLoader {
    type Value = Vec<region_population::Model>;
    type Error = Arc<DbErr>;
    /// From the reference data of the current version: no statement.
    async fn load(&self, keys: &[PopulationsOf]) -> LoadResult<PopulationsOf, Self::Value> {
        let snapshot = self.reference.current(&self.db).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, snapshot.populations(k.0).to_vec()))
            .collect())
    }
}

impl Loader<ActivitiesOfCampaign> for DbLoader {
    type Value = Vec<activity::Model>;
    type Error = Arc<DbErr>;
    async fn load(
        &self,
        keys: &[ActivitiesOfCampaign],
    ) -> LoadResult<ActivitiesOfCampaign, Self::Value> {
        let rows = activity::Entity::find()
            .filter(activity::Column::CampaignId.is_in(ids(keys, |k| k.0)))
            .filter(activity::Column::Retired.eq(false))
            .order_by_asc(activity::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group(
            keys,
            rows.into_iter()
                .map(|m| (ActivitiesOfCampaign(m.campaign_id), m)),
        ))
    }
}

impl Loader<ActivitiesOfAgency> for DbLoader {
    type Value = Vec<activity::Model>;
    type Error = Arc<DbErr>;
    async fn load(
        &self,
        keys: &[ActivitiesOfAgency],
    ) -> LoadResult<ActivitiesOfAgency, Self::Value> {
        let agency_ids = ids(keys, |k| k.0);
        // Two statements for the whole batch: the participations, then the activities led or joined.
        let links = activity_agency::Entity::find()
            .filter(activity_agency::Column::AgencyId.is_in(agency_ids.clone()))
            .all(&self.db)
            .await?;
        let rows = activity::Entity::find()
            .filter(
                Condition::any()
                    .add(activity::Column::LeadAgencyId.is_in(agency_ids))
                    .add(
                        activity::Column::Id
                            .is_in(links.iter().map(|l| l.activity_id).collect::<Vec<_>>()),
                    ),
            )
            .filter(activity::Column::Retired.eq(false))
            .order_by_asc(activity::Column::Id)
            .all(&self.db)
            .await?;
        let mut pairs = Vec::new();
        for act in rows {
            for key in keys {
                let joined = links
                    .iter()
                    .any(|l| l.agency_id == key.0 && l.activity_id == act.id);
                if act.lead_agency_id == key.0 || joined {
                    pairs.push((*key, act.clone()));
                }
            }
        }
        Ok(group(keys, pairs))
    }
}

impl Loader<ParticipantsOf> for DbLoader {
    type Value = Vec<agency::Model>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[ParticipantsOf]) -> LoadResult<ParticipantsOf, Self::Value> {
        let rows = activity_agency::Entity::find()
            .find_also_related(agency::Entity)
            .filter(activity_agency::Column::ActivityId.is_in(ids(keys, |k| k.0)))
            .order_by_asc(activity_agency::Column::AgencyId)
            .all(&self.db)
            .await?;
        Ok(group(
            keys,
            rows.into_iter()
                .filter_map(|(link, a)| a.map(|a| (ParticipantsOf(link.activity_id), a))),
        ))
    }
}

impl Loader<SourcesOfActivity> for DbLoader {
    type Value = Vec<source::Model>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[SourcesOfActivity]) -> LoadResult<SourcesOfActivity, Self::Value> {
        let rows = activity_source::Entity::find()
            .find_also_related(source::Entity)
            .filter(activity_source::Column::ActivityId.is_in(ids(keys, |k| k.0)))
            .order_by_asc(activity_source::Column::SourceId)
            .all(&self.db)
            .await?;
        Ok(group(
            keys,
            rows.into_iter()
                .filter_map(|(link, s)| s.map(|s| (SourcesOfActivity(link.activity_id), s))),
        ))
    }
}

impl Loader<OutputsOf> for DbLoader {
    type Value = Vec<activity_output::Model>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[OutputsOf]) -> LoadResult<OutputsOf, Self::Value> {
        let rows = activity_output::Entity::find()
            .filter(activity_output::Column::ActivityId.is_in(ids(keys, |k| k.0)))
            .order_by_asc(activity_output::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group(
            keys,
            rows.into_iter().map(|m| (OutputsOf(m.activity_id), m)),
        ))
    }
}

impl Loader<CampaignTreeOf> for DbLoader {
    type Value = Vec<i32>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[CampaignTreeOf]) -> LoadResult<CampaignTreeOf, Self::Value> {
        // Campaign trees are small: one statement reads every link, the walk happens here.
        let links: Vec<(i32, Option<i32>)> = campaign::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.parent_id))
            .collect();
        Ok(keys
            .iter()
            .map(|k| (*k, crate::store::campaign::descendants(&links, k.0)))
            .collect())
    }
}

/// `Region.caseTotal`: the total of one metric for one region node in one period (or all), in
/// one release, protected like every other node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CaseTotalOf {
    pub region_id: i32,
    pub level: RegionLevel,
    pub metric: MetricKind,
    pub boundaries: Boundaries,
    pub period: Option<PeriodSpec>,
    /// A release code, or the current release.
    pub release: Option<String>,
}

impl Loader<CaseTotalOf> for DbLoader {
    type Value = Protected;
    type Error = Arc<DbErr>;
    /// One `GROUP BY` per (release, level, metric, boundaries, period) asked for, so one for a
    /// whole map, planned and checked against the lattice exactly as `caseStatistics` is: the
    /// request "this metric in this period, grouped by region at this level", limited to the
    /// regions asked for. Releases come from the reference data. A key whose release does not
    /// exist is absent.
    async fn load(&self, keys: &[CaseTotalOf]) -> LoadResult<CaseTotalOf, Self::Value> {
        let snapshot = self.reference.current(&self.db).await?;
        let mut releases: HashMap<Option<String>, Option<entity::release::Model>> = HashMap::new();
        for k in keys {
            if !releases.contains_key(&k.release) {
                let found = resolve_release(&snapshot, k.release.as_deref()).ok();
                releases.insert(k.release.clone(), found);
            }
        }
        let mut groups: HashMap<CaseTotalOf, Vec<i32>> = HashMap::new();
        for k in keys {
            groups
                .entry(CaseTotalOf {
                    region_id: 0,
                    ..k.clone()
                })
                .or_default()
                .push(k.region_id);
        }
        let mut out = HashMap::new();
        for (group, ids) in groups {
            let Some(Some(release)) = releases.get(&group.release) else {
                continue;
            };
            let req = StatsRequest {
                metric: group.metric,
                region: None,
                period: group.period,
                filters: Vec::new(),
                group_by: vec![Dimension::Region],
                region_level: group.level,
                granularity: PeriodGrain::Year,
                boundaries: group.boundaries,
                release: release.clone(),
            };
            let mut query = plan(&req, group.period.map(PeriodSpec::months), true)
                .map_err(|e| Arc::new(DbErr::Custom(e.public_message())))?;
            query.group_region_only = Some(ids.clone());
            let sums = group_sums(&self.db, &query).await?;
            for id in ids {
                let (n, key_sum) = sums
                    .iter()
                    .find(|s| s.region_id == Some(id))
                    .map(|s| (s.n, s.key_sum))
                    .unwrap_or((0, 0));
                out.insert(
                    CaseTotalOf {
                        region_id: id,
                        ..group.clone()
                    },
                    self.disclosure.protect(n, key_sum, AgeUse::NotUsed),
                );
            }
        }
        Ok(out)
    }
}
