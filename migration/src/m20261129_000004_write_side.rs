//! The write side: API keys (stored hashed) and the audit trail. The audit log is append-only:
//! triggers refuse any UPDATE or DELETE on it, on SQLite and PostgreSQL alike.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000004_write_side"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        m.create_table(
            Table::create()
                .table(a("api_key"))
                .col(pk_auto(a("id")))
                .col(string(a("name")))
                .col(string(a("role")))
                .col(string_uniq(a("key_hash")))
                .col(string(a("key_prefix")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("revoked_at")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("audit_log"))
                .col(big_pk_auto(a("id")))
                .col(timestamp_with_time_zone(a("at")))
                .col(integer_null(a("key_id")))
                .col(string(a("actor")))
                .col(string(a("action")))
                .col(string(a("entity")))
                .col(string(a("entity_key")))
                .col(text_null(a("before")))
                .col(text_null(a("after")))
                .foreign_key(
                    ForeignKey::create()
                        .from(a("audit_log"), a("key_id"))
                        .to(a("api_key"), a("id")),
                )
                .to_owned(),
        )
        .await?;
        for table in ["agency", "source"] {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .add_column(boolean(a("retired")).default(false))
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION ctip_audit_log_immutable() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql; \
                     CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION ctip_audit_log_immutable();",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log; DROP FUNCTION IF EXISTS ctip_audit_log_immutable();").await?;
        }
        for t in ["audit_log", "api_key"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
