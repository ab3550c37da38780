//! sea-orm queries, one module per domain: `fn(&impl ConnectionTrait, …) -> Result<_, DbErr>`.
//! Each list returns one page and the total after filters (two statements, whatever the page size).
pub mod activity;
pub mod campaign;
pub mod catalogue;
pub mod fingerprints;
pub mod region;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QuerySelect, Select};

/// One page of a filtered select, and the total number of rows the filter keeps.
pub async fn page<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<E::Model>, u64), DbErr>
where
    E::Model: Sync,
{
    let total = select.clone().count(db).await?;
    let rows = if limit == 0 {
        Vec::new()
    } else {
        select.offset(offset).limit(limit).all(db).await?
    };
    Ok((rows, total))
}
pub mod statistics;
pub mod writes;
