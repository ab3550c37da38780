//! What every replica must hear at once: the data the public sees changed (a release, a catalogue
//! edit), and a release was published.
//!
//! Each process acts on an event the same way: once its read connection sees the change (a
//! replica may replay it a moment after the primary committed it), it empties its caches
//! ([`PublicChange`]), then tells its `releasePublished` subscribers, each release once. A
//! subscriber that refreshes at once gets the new release, from whichever database it reads.
//!
//! Where the events come from:
//! - this process's own writes ([`Events::release_published`], at once);
//! - on PostgreSQL, every other process's too, CLI included: the database notifies every
//!   listener when a public change commits ([`postgres`], and the migration
//!   `m20261201_000010_public_change_events`). While that connection is lost, the process polls
//!   the data version instead, and looks once more when it is back.
//! - on SQLite one process serves: its own writes are all there is.
mod postgres;

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use entity::{audit_log, release};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio::sync::broadcast;

use crate::read_pools::ReadPools;

/// How long an event waits for the read connection to see the change before acting anyway (the
/// caches are then refilled from the old state, until the fallback poll or the next event).
pub const VISIBLE_WITHIN: Duration = Duration::from_secs(30);

/// What to do, in this process, when the data the public sees has changed.
#[derive(Clone, Default)]
pub struct PublicChange(Option<Arc<dyn Fn() + Send + Sync>>);

impl PublicChange {
    pub fn new(f: impl Fn() + Send + Sync + 'static) -> Self {
        PublicChange(Some(Arc::new(f)))
    }

    /// Runs it (nothing when none was given).
    pub fn notify(&self) {
        if let Some(f) = &self.0 {
            f();
        }
    }
}

/// This process's end of the events.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    releases: broadcast::Sender<release::Model>,
    public_changed: PublicChange,
    /// The newest release subscribers were told of (or that was current at startup).
    announced: AtomicI32,
    reads: ReadPools,
}

impl Events {
    /// Events acted on with `public_changed` (emptying the caches) and read through `reads`.
    pub fn new(public_changed: PublicChange, reads: ReadPools) -> Self {
        Self {
            inner: Arc::new(Inner {
                releases: broadcast::channel(16).0,
                public_changed,
                announced: AtomicI32::new(0),
                reads,
            }),
        }
    }

    /// Subscribers hear of releases newer than the current one only.
    pub async fn start_from_current(&self) -> Result<(), DbErr> {
        let current = crate::store::catalogue::current_release(&self.inner.reads.reader()).await?;
        if let Some(r) = current {
            self.inner.announced.fetch_max(r.id, Ordering::SeqCst);
        }
        Ok(())
    }

    /// On PostgreSQL, listens for the changes every process makes, through `primary` (a standby
    /// cannot LISTEN), polling every `poll` while that connection is lost. Nothing elsewhere.
    pub async fn listen(&self, primary: &DatabaseConnection, poll: Duration) {
        if primary.get_database_backend() == sea_orm::DbBackend::Postgres {
            postgres::start(self.clone(), primary.clone(), poll).await;
        }
    }

    /// A receiver of each newly published release.
    pub fn subscribe(&self) -> broadcast::Receiver<release::Model> {
        self.inner.releases.subscribe()
    }

    /// This process has published `release` (committed on the primary): once the read connection
    /// sees it, the caches forget the old one and subscribers hear of the new one.
    pub async fn release_published(&self, release: release::Model) {
        self.release_visible(release.id).await;
        self.inner.public_changed.notify();
        self.announce(release);
    }

    /// The public data changed (this process cannot tell whether a release came with it).
    pub fn public_changed(&self) {
        self.inner.public_changed.notify();
    }

    /// The release `id` was published on the primary: waits until the read connection has it
    /// published (and with it its rollups, written in the same transaction); `None` when it is
    /// not there in time.
    async fn release_visible(&self, id: i32) -> Option<release::Model> {
        let found = std::sync::Mutex::new(None);
        self.wait_visible(|db| {
            let found = &found;
            async move {
                let r = release::Entity::find_by_id(id).one(&db).await?;
                let published = r.filter(|r| r.published_at.is_some());
                let seen = published.is_some();
                if let Ok(mut f) = found.lock() {
                    *f = published;
                }
                Ok(seen)
            }
        })
        .await;
        found.into_inner().ok().flatten()
    }

    /// The audit entry `id` committed on the primary: waits until the read connection has it
    /// (and with it the whole transaction that wrote it).
    async fn audit_visible(&self, id: i64) {
        self.wait_visible(|db| async move {
            Ok(audit_log::Entity::find_by_id(id).one(&db).await?.is_some())
        })
        .await;
    }

    /// Tells subscribers of `release`, unless they were told of it or of a newer one.
    fn announce(&self, release: release::Model) {
        if self.inner.announced.fetch_max(release.id, Ordering::SeqCst) < release.id {
            // Nobody listening is fine.
            let _ = self.inner.releases.send(release);
        }
    }

    fn reader(&self) -> DatabaseConnection {
        self.inner.reads.reader()
    }

    /// Polls `seen` on the read connection until it holds, within [`VISIBLE_WITHIN`].
    async fn wait_visible<F, Fut>(&self, seen: F)
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = Result<bool, DbErr>>,
    {
        let started = Instant::now();
        loop {
            match seen(self.reader()).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => tracing::debug!(error = %e, "waiting for a change to be visible"),
            }
            if started.elapsed() > VISIBLE_WITHIN {
                tracing::warn!(
                    "a change committed on the primary is not visible to this process's reads yet; emptying the caches anyway"
                );
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_announces_exactly_the_public_entities() {
        assert_eq!(
            crate::store::catalogue::PUBLIC_ENTITIES,
            migration::m20261201_000010_public_change_events::PUBLIC_ENTITIES
        );
    }
}
