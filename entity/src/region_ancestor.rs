//! Closure of the region tree used by statistics: for each province, the node it counts toward at each level under each boundary scheme.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "region_ancestor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub province_id: i32,
    /// AS_RECORDED or V2025.
    #[sea_orm(primary_key, auto_increment = false)]
    pub boundaries: String,
    /// PROVINCE, SOCIO_ECONOMIC_REGION or COUNTRY.
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: String,
    pub ancestor_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
