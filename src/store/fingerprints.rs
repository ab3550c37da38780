//! The fingerprints of the disclosure keys, kept beside the counts they made (see
//! [`crate::disclosure::Secret::fingerprint`]): a process holding other keys than the ones the
//! stored counts were made with must not serve or write them.
use chrono::Utc;
use entity::{case_count, key_fingerprint};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QuerySelect};

use crate::disclosure::Secret;

/// How a key compares with the fingerprint the database holds for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The database holds this key's fingerprint.
    Matches,
    /// The database held none (or, holding no counts, another one): it holds this key's now.
    Recorded,
    /// The database holds counts and another key's fingerprint.
    Mismatch,
}

/// True when the database holds any count (of any release, draft included).
pub async fn holds_counts(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let any: Option<i64> = case_count::Entity::find()
        .select_only()
        .column(case_count::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(any.is_some())
}

/// Compares `key` (named `K1` or `K2`) with its stored fingerprint, recording it when none is
/// stored. A database without counts takes the new key's fingerprint: nothing was made with the
/// old one.
pub async fn check(
    db: &impl ConnectionTrait,
    name: &'static str,
    key: &Secret,
) -> Result<Check, DbErr> {
    let mine = key.fingerprint();
    let stored = key_fingerprint::Entity::find_by_id(name).one(db).await?;
    match stored {
        Some(s) if s.fingerprint == mine => Ok(Check::Matches),
        Some(s) => {
            if holds_counts(db).await? {
                return Ok(Check::Mismatch);
            }
            let mut active: key_fingerprint::ActiveModel = s.into();
            active.fingerprint = Set(mine);
            active.recorded_at = Set(Utc::now());
            key_fingerprint::Entity::update(active).exec(db).await?;
            Ok(Check::Recorded)
        }
        None => {
            // Two processes starting together both insert: the second one's row is dropped, and
            // it compares with the first one's.
            key_fingerprint::Entity::insert(key_fingerprint::ActiveModel {
                name: Set(name.to_owned()),
                fingerprint: Set(mine.clone()),
                recorded_at: Set(Utc::now()),
            })
            .on_conflict(
                OnConflict::column(key_fingerprint::Column::Name)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
            let now = key_fingerprint::Entity::find_by_id(name).one(db).await?;
            Ok(match now {
                Some(s) if s.fingerprint != mine => Check::Mismatch,
                _ => Check::Recorded,
            })
        }
    }
}
