//! The fingerprint of a disclosure key (K1 or K2): an HMAC of a fixed label under the key, never
//! the key. It tells whether a process holds the keys the stored counts were made with.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_fingerprint")]
pub struct Model {
    /// `K1` or `K2`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// Hexadecimal HMAC-SHA256 of the fixed label under the key.
    pub fingerprint: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
