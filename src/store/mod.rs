//! sea-orm queries, one module per domain: `fn(&impl ConnectionTrait, …) -> Result<_, DbErr>`.
//! Each list returns one page and the total after filters (two statements, whatever the page size).
pub mod activity;
pub mod campaign;
pub mod catalogue;
pub mod fingerprints;
pub mod region;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QuerySelect, Select};

/// Fresh planner statistics on the tables a bulk write has just filled: without them PostgreSQL
/// plans the next queries on new rows blind (autovacuum may be late, or off). `ANALYZE` on both
/// databases; the tables are the crate's own names, never input.
pub async fn analyze(db: &impl ConnectionTrait, tables: &[&str]) -> Result<(), DbErr> {
    for table in tables {
        db.execute_unprepared(&format!("ANALYZE {table}")).await?;
    }
    Ok(())
}

/// The reference data every request resolves against (shipped by the migrations): without
/// statistics on them PostgreSQL plans the statistics joins as nested loops.
pub const REFERENCE_TABLES: [&str; 3] = ["region", "region_ancestor", "region_population"];

/// The tables a release is read from: the counts and their rollups.
pub const STATISTICS_TABLES: [&str; 3] = ["case_count", "case_rollup_month", "case_rollup_year"];

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
