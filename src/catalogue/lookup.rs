//! What the catalogue's saves share: code checks, lookups of codes to ids, the create-or-update
//! refusals and the audit's action names.
use entity::{activity, agency, campaign};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::Save;
use crate::error::AppError;

pub(super) fn check_code(what: &str, code: &str) -> Result<(), AppError> {
    if code.is_empty()
        || code.len() > 80
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    {
        return Err(AppError::BadUserInput(format!(
            "{what} must be 1 to 80 letters, digits, dots, dashes or underscores; it was \"{code}\""
        )));
    }
    Ok(())
}

/// The id of the row whose key column holds `key`, or a message naming what was looked for.
async fn id_of<E, C>(
    txn: &DatabaseTransaction,
    column: C,
    key: Option<&str>,
    missing: &str,
) -> Result<Option<i32>, AppError>
where
    E: EntityTrait,
    C: ColumnTrait,
    E::Model: HasId,
{
    let Some(key) = key else { return Ok(None) };
    E::find()
        .filter(column.eq(key))
        .one(txn)
        .await?
        .map(|m| Some(m.id()))
        .ok_or_else(|| AppError::BadUserInput(format!("{missing} \"{key}\"")))
}

/// Models with an integer primary key `id`.
trait HasId {
    fn id(&self) -> i32;
}

macro_rules! has_id {
    ($($entity:ident),*) => {
        $(impl HasId for $entity::Model {
            fn id(&self) -> i32 {
                self.id
            }
        })*
    };
}
has_id!(agency, campaign, activity);

pub(super) async fn agency_id(
    txn: &DatabaseTransaction,
    code: Option<&str>,
) -> Result<Option<i32>, AppError> {
    id_of::<agency::Entity, _>(txn, agency::Column::Code, code, "no agency has the code").await
}

pub(super) async fn campaign_id(
    txn: &DatabaseTransaction,
    slug: Option<&str>,
) -> Result<Option<i32>, AppError> {
    id_of::<campaign::Entity, _>(
        txn,
        campaign::Column::Slug,
        slug,
        "no campaign has the slug",
    )
    .await
}

pub(super) async fn region_id(
    txn: &DatabaseTransaction,
    code: Option<&str>,
) -> Result<Option<i32>, AppError> {
    let Some(code) = code else { return Ok(None) };
    crate::store::region::by_code(txn, code)
        .await?
        .map(|r| Some(r.id))
        .ok_or_else(|| AppError::BadUserInput(format!("no region has the code \"{code}\"")))
}

pub(super) async fn source_id(txn: &DatabaseTransaction, code: &str) -> Result<i32, AppError> {
    crate::store::catalogue::source_by_code(txn, code)
        .await?
        .map(|s| s.id)
        .ok_or_else(|| {
            AppError::BadUserInput(format!(
                "no source has the code \"{code}\"; create it with createSource"
            ))
        })
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

/// The stored row a save replaces (`Update`), or none for a new one (`Create`); a create of a
/// key that exists, or an update of one that does not, is refused with what to do instead.
pub(super) async fn existing<E, C>(
    txn: &DatabaseTransaction,
    column: C,
    key: &str,
    save: Save,
    (what, name, update): (&str, &str, &str),
) -> Result<Option<E::Model>, AppError>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let found = E::find().filter(column.eq(key)).one(txn).await?;
    match (found, save) {
        (Some(_), Save::Create) => Err(AppError::BadUserInput(format!(
            "{what} with the {name} \"{key}\" exists already; use {update}"
        ))),
        (None, Save::Update) => Err(AppError::NotFound(format!(
            "no {} has the {name} \"{key}\"",
            what.trim_start_matches("a ").trim_start_matches("an ")
        ))),
        (found, _) => Ok(found),
    }
}

/// The audit action of a save: `create_campaign`, `update_agency`, …
pub(super) fn action(save: Save, table: &str) -> String {
    match save {
        Save::Create => format!("create_{table}"),
        Save::Update => format!("update_{table}"),
    }
}
