//! PostgreSQL `LISTEN` on `ctip_events:<schema>`: the database notifies every listener when a
//! release is published and when a public catalogue edit commits (the migration
//! `m20261201_000010_public_change_events`). While the connection is lost, the process polls the
//! data version; once it is back, it looks once more (what was notified meanwhile is lost), then
//! goes back to listening.
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use serde::Deserialize;

use super::Events;
use crate::store::catalogue;

/// One notification, as the triggers write it: a release published, or a public audit entry.
#[derive(Debug, Deserialize)]
struct Notice {
    release: Option<i32>,
    audit: Option<i64>,
}

/// Listens (or, when the database cannot be reached now, starts polling) before it returns: what
/// changes once the process serves is heard.
pub(super) async fn start(events: Events, primary: DatabaseConnection, poll: Duration) {
    let mut listener = listen(&primary).await;
    let mut seen = Seen::default();
    seen.look(&events).await;
    tokio::spawn(async move {
        loop {
            if let Ok(l) = &mut listener {
                let e = receive(&events, l, &mut seen).await;
                tracing::warn!(
                    error = %e,
                    poll_ms = poll.as_millis() as u64,
                    "not listening for changes made through other processes: polling the data version until the database is back"
                );
            } else if let Err(e) = &listener {
                tracing::debug!(error = %e, "cannot listen yet");
            }
            tokio::time::sleep(poll).await;
            seen.look(&events).await;
            listener = listen(&primary).await;
            if listener.is_ok() {
                tracing::info!("listening for public changes again");
                // What changed before the LISTEN took effect was not notified.
                seen.look(&events).await;
            }
        }
    });
}

async fn listen(primary: &DatabaseConnection) -> Result<PgListener, DbErr> {
    let channel = channel(primary).await?;
    let mut listener = PgListener::connect_with(primary.get_postgres_connection_pool())
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    listener
        .listen(&channel)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(listener)
}

/// Acts on notifications until the connection fails for good; the error says why.
async fn receive(events: &Events, listener: &mut PgListener, seen: &mut Seen) -> DbErr {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => match serde_json::from_str::<Notice>(n.payload()) {
                Ok(notice) => handle(events, notice).await,
                Err(e) => tracing::warn!(error = %e, "an unreadable notification; ignored"),
            },
            // The connection was lost, and is back (`try_recv` connects and listens again before
            // it says so; when it cannot, it fails, and the caller polls): what was notified
            // meanwhile is gone, so look at what changed in between.
            Ok(None) => {
                tracing::warn!("the notification connection was lost; listening again");
                seen.look(events).await;
            }
            Err(e) => return DbErr::Custom(e.to_string()),
        }
    }
}

/// Waits until this process's reads see the change, then acts on it.
async fn handle(events: &Events, notice: Notice) {
    if let Some(id) = notice.release {
        if let Some(release) = events.release_visible(id).await {
            events.public_changed();
            events.announce(release);
        }
    } else if let Some(id) = notice.audit {
        events.audit_visible(id).await;
        events.public_changed();
    }
}

/// The channel of this schema (deployments sharing a database in schemas of their own, and
/// tests, never hear each other).
async fn channel(db: &DatabaseConnection) -> Result<String, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT current_schema()::text",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no current schema".to_owned()))?;
    let schema: String = row.try_get_by_index(0)?;
    Ok(format!("ctip_events:{schema}"))
}

/// The data version last seen by the poll (or by a look after a lost connection).
#[derive(Default)]
struct Seen(Option<String>);

impl Seen {
    /// Acts on a change of the data version since the last look, and on a release newer than
    /// any announced.
    async fn look(&mut self, events: &Events) {
        let db = events.reader();
        let version = match catalogue::data_version(&db).await {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(error = %e, "cannot read the data version");
                return;
            }
        };
        if self.0.is_some() && self.0 != version {
            events.public_changed();
            if let Ok(Some(release)) = catalogue::current_release(&db).await {
                events.announce(release);
            }
        }
        self.0 = version;
    }
}
