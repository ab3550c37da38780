//! Database connection: pool options, the statement counter, migrations, readiness.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, Statement};

use crate::metrics::Metrics;

/// Connects, counting every SQL statement in `metrics`.
pub async fn connect(url: &str, metrics: &Metrics) -> Result<DatabaseConnection, DbErr> {
    let sqlite = url.starts_with("sqlite:");
    let mut db = Database::connect(options(url)).await?;
    if sqlite {
        // WAL lets readers go on while the demo generator or a migration writes.
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        )
        .await?;
    }
    count_statements(&mut db, metrics);
    Ok(db)
}

/// A read replica: connected on first use, so that one down at startup does not stop the process
/// (reads go elsewhere until it answers). Statements are counted with the primary's.
pub async fn connect_replica(url: &str, metrics: &Metrics) -> Result<DatabaseConnection, DbErr> {
    let mut opts = options(url);
    opts.connect_lazy(true)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(2))
        .acquire_timeout(Duration::from_secs(2));
    let mut db = Database::connect(opts).await?;
    count_statements(&mut db, metrics);
    Ok(db)
}

fn options(url: &str) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    let sqlite = url.starts_with("sqlite:");
    opts.max_connections(if sqlite { 4 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    opts
}

fn count_statements(db: &mut DatabaseConnection, metrics: &Metrics) {
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
}

/// Applies the migrations this binary knows; when any was applied (the reference data may have
/// changed), the planner gets fresh statistics on the reference tables.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let pending = Migrator::get_pending_migrations(db).await?.len();
    Migrator::up(db, None).await?;
    if pending > 0 {
        crate::store::analyze(db, &crate::store::REFERENCE_TABLES).await?;
    }
    Ok(())
}

/// Ready when the database answers and every migration is applied. It only reads (a streaming
/// replica is read-only): the migrations recorded against those this binary knows.
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    let applied = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await
        .and_then(|rows| {
            rows.iter()
                .map(|r| r.try_get_by_index::<String>(0))
                .collect::<Result<Vec<_>, _>>()
        });
    match applied {
        Ok(applied) => Migrator::migrations()
            .iter()
            .all(|m| applied.iter().any(|a| a == m.name())),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            false
        }
    }
}
