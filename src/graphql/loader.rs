//! Every DataLoader of the API, in one place. Regions, populations and the catalogue (agencies,
//! campaigns, activities, sources) come from the reference data of the current data version
//! (`reference`): a lookup per key, no statement. `Region.caseTotal` runs one `GROUP BY` for a
//! whole batch. So a list costs the same number of statements whatever its length. A missing key
//! is simply absent from the answer (the field resolves to null), never a panic.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{activity, activity_output, agency, campaign, region, region_population, source};
use sea_orm::{DatabaseConnection, DbErr};

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

/// A loader answered from the reference data of the current data version: a lookup per key,
/// no statement (the data are read once per version, see `reference`).
macro_rules! from_snapshot {
    ($key:ident, $value:ty, |$s:ident, $id:ident| $lookup:expr) => {
        impl Loader<$key> for DbLoader {
            type Value = $value;
            type Error = Arc<DbErr>;
            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let $s = self.reference.current(&self.db).await?;
                Ok(keys
                    .iter()
                    .filter_map(|k| {
                        let $id = k.0;
                        $lookup.map(|v| (*k, v))
                    })
                    .collect())
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
