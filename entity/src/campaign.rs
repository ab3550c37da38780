//! A campaign against trafficking, launched by a directive.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "campaign")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name_vi: String,
    pub name_en: String,
    pub theme_vi: Option<String>,
    pub theme_en: Option<String>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub lead_agency_id: Option<i32>,
    pub directive_number: Option<String>,
    pub directive_date: Option<Date>,
    pub directive_issuer_id: Option<i32>,
    pub parent_id: Option<i32>,
    pub source_id: Option<i32>,
    pub retired: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
