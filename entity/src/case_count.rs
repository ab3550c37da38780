//! One count at the finest grain, with the sum of its units' record keys (disclosure.md §1). Never served raw.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "case_count")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub metric: String,
    pub region_id: i32,
    pub year: i32,
    pub month: i32,
    pub sex: String,
    pub age_group: String,
    pub exploitation_form: String,
    pub destination: String,
    pub n: i64,
    pub key_sum: i64,
    pub source_id: i32,
    /// The release this version of the count first appears in.
    pub release_from: i32,
    /// The release that replaced it (None: still current).
    pub release_to: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
