//! Database migrations of ctip-api: the schema (`m20261129_000001_schema`) and the reference data
//! shipped with the project (`m20261129_000002_reference_data`, from the files under `data/`), and
//! the per-release rollups that make dashboard queries fast (`m20261129_000003_rollups`), the write
//! side (`m20261129_000004_write_side`) and keys bound to sources with the disclosure keys'
//! fingerprints (`m20261201_000001_key_binding`), and on PostgreSQL the notification of every
//! public change to every replica (`m20261201_000010_public_change_events`).
//! Migrations run on SQLite and PostgreSQL alike; they never change once released.
pub use sea_orm_migration::prelude::*;

mod m20261129_000001_schema;
mod m20261129_000002_reference_data;
mod m20261129_000003_rollups;
mod m20261129_000004_write_side;
mod m20261201_000001_key_binding;
pub mod m20261201_000010_public_change_events;
pub mod reference;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_schema::Migration),
            Box::new(m20261129_000002_reference_data::Migration),
            Box::new(m20261129_000003_rollups::Migration),
            Box::new(m20261129_000004_write_side::Migration),
            Box::new(m20261201_000001_key_binding::Migration),
            Box::new(m20261201_000010_public_change_events::Migration),
        ]
    }
}
