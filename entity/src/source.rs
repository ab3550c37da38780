//! A publication every figure cites: article, directive, data set, or the synthetic generator.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "source")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub kind: String,
    pub publisher: String,
    pub title: String,
    pub url: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as the source states it.
    pub published_on: Option<String>,
    pub licence: Option<String>,
    pub synthetic: bool,
    pub notes: Option<String>,
    /// A retired source leaves the lists; counts and activities that cite it keep citing it.
    pub retired: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
