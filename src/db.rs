//! Database connection: pool options, the statement counter, migrations, readiness.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

use crate::metrics::Metrics;

/// Connects, counting every SQL statement in `metrics`.
pub async fn connect(url: &str, metrics: &Metrics) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    let sqlite = url.starts_with("sqlite:");
    opts.max_connections(if sqlite { 4 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    let mut db = Database::connect(opts).await?;
    if sqlite {
        // WAL lets readers go on while the demo generator or a migration writes.
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        )
        .await?;
    }
    let (ok, failed) = (
        metrics.db_statements.clone(),
        metrics.db_statement_failures.clone(),
    );
    db.set_metric_callback(move |info| {
        ok.inc();
        if info.failed {
            failed.inc();
        }
    });
    Ok(db)
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Ready when the database answers and every migration is applied.
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    match Migrator::get_pending_migrations(db).await {
        Ok(pending) => pending.is_empty(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            false
        }
    }
}
