//! Writers see only their own data, and the keys are part of the data:
//! - `api_key_source` binds an EDITOR key to the sources it may write (an ADMIN key is bound to
//!   none and may write any). Keys made before this migration are bound to nothing: an ADMIN
//!   makes EDITOR keys anew with `keys create --role EDITOR --source CODE`.
//! - a cell is its dimensions *and* its source: two sources may report the same province, month
//!   and categories, each keeping its own count (the public value is their sum), so a write
//!   never touches, and never compares against, another source's count.
//! - `key_fingerprint` holds an HMAC of a fixed label under K1 and under K2 (never the keys), so
//!   a server started with other keys than the ones its counts were made with refuses to run.
//! - the data version reads the audit log by entity: an index makes that a short lookup.
//! - on PostgreSQL the audit log refuses TRUNCATE as it refuses UPDATE and DELETE.
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_key_binding"
    }
}

const CELL: [&str; 8] = [
    "metric",
    "region_id",
    "year",
    "month",
    "sex",
    "age_group",
    "exploitation_form",
    "destination",
];

fn cell_index(name: &'static str, with_source: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(Alias::new("case_count")).unique();
    for c in CELL {
        idx.col(Alias::new(c));
    }
    if with_source {
        idx.col(Alias::new("source_id"));
    }
    idx.col(Alias::new("release_from"));
    idx.to_owned()
}

/// `DROP INDEX` by name, which SQLite and PostgreSQL write alike.
async fn drop_index(m: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    m.get_connection()
        .execute_unprepared(&format!("DROP INDEX {name}"))
        .await
        .map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        m.create_table(
            Table::create()
                .table(a("api_key_source"))
                .col(integer(a("key_id")))
                .col(integer(a("source_id")))
                .primary_key(Index::create().col(a("key_id")).col(a("source_id")))
                .foreign_key(
                    ForeignKey::create()
                        .from(a("api_key_source"), a("key_id"))
                        .to(a("api_key"), a("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(a("api_key_source"), a("source_id"))
                        .to(a("source"), a("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("key_fingerprint"))
                .col(string(a("name")).primary_key())
                .col(string(a("fingerprint")))
                .col(timestamp_with_time_zone(a("recorded_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(cell_index("ix_case_count_source_cell", true))
            .await?;
        drop_index(m, "ix_case_count_cell").await?;
        // The audit log already refuses UPDATE and DELETE; on PostgreSQL, TRUNCATE too.
        let db = m.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                 FOR EACH STATEMENT EXECUTE FUNCTION ctip_audit_log_immutable();",
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_audit_log_entity")
                .table(a("audit_log"))
                .col(a("entity"))
                .col(a("id"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        let db = m.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;")
                .await?;
        }
        drop_index(m, "ix_audit_log_entity").await?;
        m.create_index(cell_index("ix_case_count_cell", false))
            .await?;
        drop_index(m, "ix_case_count_source_cell").await?;
        for t in ["key_fingerprint", "api_key_source"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
