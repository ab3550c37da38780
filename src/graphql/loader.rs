//! What resolvers load through, in one place. Regions, populations and the catalogue (agencies,
//! campaigns, activities, sources) come from the reference data of the current data version
//! (`reference`), read once per request: a lookup per key, no statement and no batching delay.
//! `Region.caseTotal` is a DataLoader: one `GROUP BY` for a whole batch. So a list costs the same
//! number of statements whatever its length. A missing key is simply absent from the answer (the
//! field resolves to null), never a panic.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{activity, activity_output, agency, campaign, region, region_population, source};
use sea_orm::{DatabaseConnection, DbErr};

use crate::dimensions::{MetricKind, RegionLevel};
use crate::disclosure::{AgeUse, PeriodGrain, Protected};
use crate::reference::{Reference, Snapshot};
use crate::statistics::{
    Boundaries, Dimension, Disclosure, PeriodSpec, StatsRequest, plan, resolve_release,
};
use crate::store::statistics::group_sums;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// What the resolvers of one request load through: lookups in the reference data of the
/// current version (read once for the request, so every field of it sees the same version), and
/// the batched `Region.caseTotal`.
pub struct Loaders {
    db: DatabaseConnection,
    reference: Arc<Reference>,
    snapshot: tokio::sync::OnceCell<Arc<Snapshot>>,
    totals: DataLoader<DbLoader>,
}

pub struct DbLoader {
    db: DatabaseConnection,
    disclosure: Arc<Disclosure>,
    reference: Arc<Reference>,
}

/// New per-request loaders (their data live as long as the request).
pub fn new_loaders(api: &super::ApiContext) -> Loaders {
    let loader = DbLoader {
        db: api.db.clone(),
        disclosure: api.disclosure.clone(),
        reference: api.reference.clone(),
    };
    Loaders {
        db: api.db.clone(),
        reference: api.reference.clone(),
        snapshot: tokio::sync::OnceCell::new(),
        totals: DataLoader::new(loader, tokio::spawn).delay(api.loader_delay),
    }
}

/// A key looked up in the reference data.
pub trait Lookup: Copy {
    type Value;
    fn lookup(self, s: &Snapshot) -> Option<Self::Value>;
}

impl Loaders {
    async fn snapshot(&self) -> Result<&Arc<Snapshot>, Arc<DbErr>> {
        self.snapshot
            .get_or_try_init(|| self.reference.current(&self.db))
            .await
    }

    /// The value of one key (`None` when there is none): no statement.
    pub async fn load_one<K: Lookup>(&self, key: K) -> Result<Option<K::Value>, Arc<DbErr>> {
        Ok(key.lookup(self.snapshot().await?))
    }

    /// The values of some keys (absent ones left out): no statement.
    pub async fn load_many<K: Lookup + Eq + std::hash::Hash>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> LoadResult<K, K::Value> {
        let s = self.snapshot().await?;
        Ok(keys
            .into_iter()
            .filter_map(|k| k.lookup(s).map(|v| (k, v)))
            .collect())
    }

    /// `Region.caseTotal`, batched: one `GROUP BY` for every key asked for at about the same time.
    pub async fn case_total(&self, key: CaseTotalOf) -> Result<Option<Protected>, Arc<DbErr>> {
        self.totals.load_one(key).await
    }
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

/// A key answered from the reference data of the current data version: a lookup, no statement
/// (the data are read once per version, see `reference`).
macro_rules! from_snapshot {
    ($key:ident, $value:ty, |$s:ident, $id:ident| $lookup:expr) => {
        impl Lookup for $key {
            type Value = $value;
            fn lookup(self, $s: &Snapshot) -> Option<$value> {
                let $id = self.0;
                $lookup
            }
        }
    };
}

from_snapshot!(RegionId, region::Model, |s, id| s.region(id).cloned());
from_snapshot!(ChildrenOf, Vec<region::Model>, |s, id| Some(
    s.children(id).to_vec()
));
from_snapshot!(PredecessorsOf, Vec<region::Model>, |s, id| Some(
    s.predecessors(id).to_vec()
));
from_snapshot!(PopulationsOf, Vec<region_population::Model>, |s, id| Some(
    s.populations(id).to_vec()
));
from_snapshot!(AgencyId, agency::Model, |s, id| s
    .catalogue
    .agency(id)
    .cloned());
from_snapshot!(CampaignId, campaign::Model, |s, id| s
    .catalogue
    .campaign(id)
    .cloned());
from_snapshot!(SourceId, source::Model, |s, id| s
    .catalogue
    .source(id)
    .cloned());
from_snapshot!(SubCampaignsOf, Vec<campaign::Model>, |s, id| Some(
    s.catalogue.sub_campaigns(id).to_vec()
));
from_snapshot!(CampaignTreeOf, Vec<i32>, |s, id| Some(
    s.catalogue.campaign_tree(id)
));
from_snapshot!(ActivitiesOfCampaign, Vec<activity::Model>, |s, id| Some(
    s.catalogue.activities_of_campaign(id).to_vec()
));
from_snapshot!(ActivitiesOfAgency, Vec<activity::Model>, |s, id| Some(
    s.catalogue.activities_of_agency(id).to_vec()
));
from_snapshot!(ParticipantsOf, Vec<agency::Model>, |s, id| Some(
    s.catalogue.participants(id).to_vec()
));
from_snapshot!(SourcesOfActivity, Vec<source::Model>, |s, id| Some(
    s.catalogue.sources_of_activity(id).to_vec()
));
from_snapshot!(OutputsOf, Vec<activity_output::Model>, |s, id| Some(
    s.catalogue.outputs(id).to_vec()
));

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
