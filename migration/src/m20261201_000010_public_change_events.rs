//! Every replica hears of a public change at once: on PostgreSQL, what the data version is made
//! of sends a `NOTIFY` on the channel `ctip_events:<schema>`: a release that is (or becomes)
//! published, with its id, and an audit entry of a public entity (a catalogue edit), with its
//! id, entity, action and key. A notification is delivered when its transaction commits, and only
//! then: a listener never hears of a release whose rollups are not all there. The channel names the schema, so deployments (and tests) sharing one database
//! in schemas of their own never hear each other. SQLite serves one process: nothing to do there.
//!
//! The entities are those of `ctip_api::store::catalogue::PUBLIC_ENTITIES` (a test compares the
//! two); draft counts and API keys are never announced.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000010_public_change_events"
    }
}

/// The audited entities the public sees.
pub const PUBLIC_ENTITIES: [&str; 6] = [
    "release",
    "source",
    "agency",
    "campaign",
    "activity",
    "published_figure",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let entities = PUBLIC_ENTITIES
            .iter()
            .map(|e| format!("'{e}'"))
            .collect::<Vec<_>>()
            .join(", ");
        db.execute_unprepared(
            "CREATE FUNCTION ctip_notify_public_change() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               PERFORM pg_notify('ctip_events:' || current_schema(), json_build_object( \
                 'audit', NEW.id, 'entity', NEW.entity, 'action', NEW.action, \
                 'key', NEW.entity_key)::text); \
               RETURN NULL; \
             END $$;",
        )
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER audit_log_public_change AFTER INSERT ON audit_log FOR EACH ROW \
             WHEN (NEW.entity IN ({entities})) EXECUTE FUNCTION ctip_notify_public_change();"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE FUNCTION ctip_notify_release() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               PERFORM pg_notify('ctip_events:' || current_schema(), \
                 json_build_object('release', NEW.id)::text); \
               RETURN NULL; \
             END $$;",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER release_published AFTER INSERT OR UPDATE OF published_at ON release \
             FOR EACH ROW WHEN (NEW.published_at IS NOT NULL) \
             EXECUTE FUNCTION ctip_notify_release();",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "DROP TRIGGER IF EXISTS release_published ON release; \
                 DROP FUNCTION IF EXISTS ctip_notify_release(); \
                 DROP TRIGGER IF EXISTS audit_log_public_change ON audit_log; \
                 DROP FUNCTION IF EXISTS ctip_notify_public_change();",
            )
            .await?;
        }
        Ok(())
    }
}
