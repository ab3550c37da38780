//! The one place that knows the current data version and the reference data of it.
//!
//! Reference data (regions, their ancestors, populations, the releases and their months) change
//! only with the data version (`store::catalogue::data_version`: the current release and the
//! last public edit). [`Reference::current`] looks the version up at most once per check
//! interval (single-flight), and reloads the [`Snapshot`] only when the version differs from the
//! one it holds. A snapshot is only ever handed out for the version it was read at: the version
//! is read again after loading, and a load that raced a change is thrown away and redone; a
//! failed load is an error, never the previous snapshot under a newer version. The response
//! cache keys its answers by the same version, so an answer and the data behind it agree.
pub mod catalogue;
pub mod snapshot;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moka::future::Cache;
use sea_orm::{DatabaseConnection, DbErr};

pub use snapshot::Snapshot;

/// How often a load is retried when the version changed while it read.
const ATTEMPTS: usize = 3;

pub struct Reference {
    /// The snapshot of the version last looked up, for `check` at most, by generation: a lookup
    /// that started before [`Reference::invalidate`] files its (maybe old) answer under the old
    /// generation, which is never read again.
    current: Cache<u64, Arc<Snapshot>>,
    generation: AtomicU64,
    /// The last snapshot loaded: reused when the version looked up is still its own.
    held: Mutex<Option<Arc<Snapshot>>>,
}

impl Reference {
    /// Looks the data version up again at most every `check`.
    pub fn new(check: Duration) -> Self {
        Self {
            current: Cache::builder().max_capacity(2).time_to_live(check).build(),
            generation: AtomicU64::new(0),
            held: Mutex::new(None),
        }
    }

    /// The reference data of the current data version.
    pub async fn current(&self, db: &DatabaseConnection) -> Result<Arc<Snapshot>, Arc<DbErr>> {
        let generation = self.generation.load(Ordering::SeqCst);
        self.current.try_get_with(generation, self.lookup(db)).await
    }

    /// The snapshot of the current version if it is known now, without looking anything up.
    pub async fn peek(&self) -> Option<Arc<Snapshot>> {
        self.current
            .get(&self.generation.load(Ordering::SeqCst))
            .await
    }

    /// Looks the version up again on the next request (this process just wrote).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.current.invalidate_all();
    }

    async fn lookup(&self, db: &DatabaseConnection) -> Result<Arc<Snapshot>, DbErr> {
        let mut version = read_version(db).await?;
        for _ in 0..ATTEMPTS {
            if let Ok(held) = self.held.lock()
                && let Some(s) = held.as_ref()
                && s.version == version
            {
                return Ok(Arc::clone(s));
            }
            let previous = self.held.lock().ok().and_then(|h| h.clone());
            let loaded = Snapshot::load(db, version.clone(), previous.as_deref()).await?;
            let after = read_version(db).await?;
            if after == version {
                let loaded = Arc::new(loaded);
                if let Ok(mut held) = self.held.lock() {
                    *held = Some(Arc::clone(&loaded));
                }
                return Ok(loaded);
            }
            // A release or an edit landed while the snapshot was read: read it again.
            version = after;
        }
        Err(DbErr::Custom(
            "the data version kept changing while the reference data were read".to_owned(),
        ))
    }
}

async fn read_version(db: &DatabaseConnection) -> Result<Option<Arc<str>>, DbErr> {
    Ok(crate::store::catalogue::data_version(db)
        .await?
        .map(|v| Arc::from(v.as_str())))
}
