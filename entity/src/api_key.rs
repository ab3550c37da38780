//! An API key: only its SHA-256 hash is stored; the key itself is shown once, when created.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    /// READER, EDITOR or ADMIN.
    pub role: String,
    #[sea_orm(unique)]
    pub key_hash: String,
    /// The first characters of the key, so its owner can tell keys apart.
    pub key_prefix: String,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
