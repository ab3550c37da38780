//! Retiring a campaign, an activity or an agency: it leaves the lists, stays findable by its key.
use entity::{activity, agency, campaign};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::lookup::json;
use crate::error::AppError;
use crate::store::writes::{self, Actor};

/// Retires one row of a catalogue table found by its key column, auditing before and after.
macro_rules! retire {
    ($name:ident, $entity:ident, $column:ident, $what:literal) => {
        #[doc = concat!("Retires a ", $what, ": it leaves the lists, stays findable by its key.")]
        pub async fn $name(
            db: &DatabaseConnection,
            actor: &Actor,
            key: &str,
        ) -> Result<$entity::Model, AppError> {
            let txn = db.begin().await?;
            let found = $entity::Entity::find()
                .filter($entity::Column::$column.eq(key))
                .one(&txn)
                .await?;
            let found = found.ok_or_else(|| {
                AppError::NotFound(format!(concat!("no ", $what, " has the key \"{}\""), key))
            })?;
            let mut m: $entity::ActiveModel = found.clone().into();
            m.retired = Set(true);
            let saved = m.update(&txn).await?;
            let action = concat!("retire_", stringify!($entity));
            let table = stringify!($entity);
            let (before, after) = (json(&found), json(&saved));
            writes::record(&txn, actor, action, table, key.to_owned(), before, after).await?;
            txn.commit().await?;
            Ok(saved)
        }
    };
}

retire!(retire_campaign, campaign, Slug, "campaign");
retire!(retire_activity, activity, Code, "activity");
retire!(retire_agency, agency, Code, "agency");
