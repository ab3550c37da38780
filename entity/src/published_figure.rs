//! A figure an official source already published, as published.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "published_figure")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year: i32,
    /// `national` or a pre-2025 GSO province code.
    pub scope: String,
    pub region_id: Option<i32>,
    pub metric: String,
    pub value_number: Option<f64>,
    pub value_text: Option<String>,
    pub unit: String,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub notes: Option<String>,
    pub reliability: String,
    pub source_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
