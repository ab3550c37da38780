//! One immutable copy of the reference data of a data version: what a statistics request looks
//! up besides its one `GROUP BY` (regions, the region tree's closure, populations, the published
//! releases and the months each holds), and the catalogue nested fields read ([`Catalogue`]).
//! A few thousand rows: loaded in eleven statements, shared by every request of that version.
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use entity::{region, region_ancestor, region_population, release};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};

use super::catalogue::Catalogue;
use crate::dimensions::{Boundaries, RegionLevel};
use crate::store;
pub use crate::store::statistics::ReleaseMonths;

/// The reference data of one data version.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The data version this copy was read at (`None`: no release published yet).
    pub version: Option<Arc<str>>,
    regions: HashMap<i32, region::Model>,
    by_code: HashMap<String, i32>,
    /// For each boundaries and level: province id → the node it counts toward.
    ancestors: HashMap<(Boundaries, RegionLevel), HashMap<i32, i32>>,
    /// By region id, by year ascending.
    populations: HashMap<i32, Vec<region_population::Model>>,
    /// Published releases, newest first.
    releases: Vec<release::Model>,
    /// The months of every published release holding counts, oldest first.
    release_months: Vec<ReleaseMonths>,
    /// Child regions by parent, and predecessors by successor, by code.
    children: HashMap<i32, Vec<region::Model>>,
    predecessors: HashMap<i32, Vec<region::Model>>,
    /// Agencies, campaigns, activities and sources.
    pub catalogue: Catalogue,
}

impl Snapshot {
    /// Reads the reference data (eleven statements); `version` is the data version read just
    /// before (the caller checks it is still current afterwards).
    pub async fn load(
        db: &impl ConnectionTrait,
        version: Option<Arc<str>>,
    ) -> Result<Snapshot, DbErr> {
        let regions: HashMap<i32, region::Model> = region::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let by_code = regions.values().map(|r| (r.code.clone(), r.id)).collect();
        let mut ancestors: HashMap<(Boundaries, RegionLevel), HashMap<i32, i32>> = HashMap::new();
        for a in region_ancestor::Entity::find().all(db).await? {
            let (Some(b), Some(l)) = (
                Boundaries::from_db(&a.boundaries),
                RegionLevel::from_db(&a.level),
            ) else {
                continue;
            };
            ancestors
                .entry((b, l))
                .or_default()
                .insert(a.province_id, a.ancestor_id);
        }
        let mut populations: HashMap<i32, Vec<region_population::Model>> = HashMap::new();
        for p in region_population::Entity::find()
            .order_by_asc(region_population::Column::Year)
            .all(db)
            .await?
        {
            populations.entry(p.region_id).or_default().push(p);
        }
        let releases = store::catalogue::published_releases(db).await?;
        let release_months = store::statistics::release_months(db, i32::MAX).await?;
        let mut sorted: Vec<&region::Model> = regions.values().collect();
        sorted.sort_by(|a, b| a.code.cmp(&b.code));
        let (mut children, mut predecessors) = (HashMap::new(), HashMap::new());
        for r in sorted {
            if let Some(p) = r.parent_id {
                children.entry(p).or_insert_with(Vec::new).push(r.clone());
            }
            if let Some(s) = r.successor_id {
                predecessors
                    .entry(s)
                    .or_insert_with(Vec::new)
                    .push(r.clone());
            }
        }
        let catalogue = Catalogue::load(db).await?;
        Ok(Snapshot {
            children,
            predecessors,
            catalogue,
            version,
            regions,
            by_code,
            ancestors,
            populations,
            releases,
            release_months,
        })
    }

    pub fn region(&self, id: i32) -> Option<&region::Model> {
        self.regions.get(&id)
    }

    /// The regions directly below one, by code.
    pub fn children(&self, id: i32) -> &[region::Model] {
        self.children.get(&id).map_or(&[], Vec::as_slice)
    }

    /// The units that went into one, by code.
    pub fn predecessors(&self, id: i32) -> &[region::Model] {
        self.predecessors.get(&id).map_or(&[], Vec::as_slice)
    }

    pub fn region_by_code(&self, code: &str) -> Option<&region::Model> {
        self.by_code.get(code).and_then(|id| self.regions.get(id))
    }

    /// The root of a country's region tree.
    pub fn country(&self, country_code: &str) -> Option<&region::Model> {
        self.region_by_code(country_code)
            .filter(|r| r.level == RegionLevel::Country.as_db())
    }

    /// The populations of a region, by year ascending (empty when none is known).
    pub fn populations(&self, region_id: i32) -> &[region_population::Model] {
        self.populations.get(&region_id).map_or(&[], Vec::as_slice)
    }

    /// The current release: the last one published.
    pub fn current_release(&self) -> Option<&release::Model> {
        self.releases.first()
    }

    /// A published release by its code.
    pub fn release_by_code(&self, code: &str) -> Option<&release::Model> {
        self.releases.iter().find(|r| r.code == code)
    }

    /// The months of every published release up to `up_to` that holds counts, oldest first.
    pub fn release_months(&self, up_to: i32) -> Vec<ReleaseMonths> {
        self.release_months
            .iter()
            .filter(|r| r.release_id <= up_to)
            .copied()
            .collect()
    }

    /// The node of `level` a province counts toward under `boundaries`.
    pub fn ancestor(
        &self,
        boundaries: Boundaries,
        level: RegionLevel,
        province: i32,
    ) -> Option<i32> {
        self.ancestors
            .get(&(boundaries, level))?
            .get(&province)
            .copied()
    }

    /// The nodes of `level` a grouped result lists (zeros too), ordered by code: those with a
    /// province valid in the months (as `year * 12 + month - 1`), inside the `within` node.
    pub fn region_nodes(
        &self,
        boundaries: Boundaries,
        level: RegionLevel,
        (from, to): (i32, i32),
        within: Option<(RegionLevel, i32)>,
    ) -> Vec<region::Model> {
        let first_day =
            |m: i32| NaiveDate::from_ymd_opt(m.div_euclid(12), (m.rem_euclid(12) + 1) as u32, 1);
        let (first, last_month_start) = (first_day(from), first_day(to));
        let Some(closure) = self.ancestors.get(&(boundaries, level)) else {
            return Vec::new();
        };
        let mut ids: Vec<i32> = closure
            .iter()
            .filter(|(province, _)| {
                self.regions.get(province).is_some_and(|p| {
                    // valid_from is always a first of month: a unit starting in the last
                    // month counts; so does one ending in the first.
                    (p.valid_from.is_none()
                        || last_month_start.is_none_or(|l| p.valid_from <= Some(l)))
                        && (p.valid_to.is_none() || first.is_none_or(|f| p.valid_to >= Some(f)))
                })
            })
            .filter(|(province, _)| {
                within.is_none_or(|(l, id)| self.ancestor(boundaries, l, **province) == Some(id))
            })
            .map(|(_, ancestor)| *ancestor)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut nodes: Vec<region::Model> = ids
            .into_iter()
            .filter_map(|id| self.regions.get(&id).cloned())
            .collect();
        nodes.sort_by(|a, b| a.code.cmp(&b.code));
        nodes
    }
}
