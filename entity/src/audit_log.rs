//! One change: who (key id or actor), when, what, before and after. Append-only.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub key_id: Option<i32>,
    /// `key:<id> (<name>)` or `cli:<user>`.
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    /// JSON of the state before (None for a creation).
    pub before: Option<String>,
    /// JSON of the state after (None for a removal).
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
