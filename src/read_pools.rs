//! Where public reads go: a PostgreSQL streaming replica within the lag bound, else the primary
//! (or, if so configured, nowhere: the process reports itself not ready).
//!
//! Writes, and everything a write checks (API keys, the draft), always go to the primary
//! ([`crate::graphql::ApiContext::db`]). A request that only reads takes one connection from
//! [`ReadPools::reader`] when it starts and uses it for everything it reads, the data version its
//! cached answer is keyed by included: it never mixes a replica's view with another one's.
//!
//! Lag is measured without clocks: every check samples the primary's WAL position
//! (`pg_current_wal_lsn`), and a replica's lag is the age of the newest sample its replayed
//! position (`pg_last_wal_replay_lsn`) has reached. An idle primary gives a lag of about 0, a
//! replica that stopped replaying lags by the time since it stopped. A replica replays whole
//! transactions, and a release and its rollups are one transaction: a replica that sees a release
//! sees all of it.
use std::collections::VecDeque;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use crate::config::{ReplicaConfig, ReplicaFallback};
use crate::metrics::Metrics;

/// How many samples of the primary's position are kept (at one a check, enough for any bound
/// worth configuring at the default check interval).
const SAMPLES: usize = 600;

#[derive(Clone)]
pub struct ReadPools {
    inner: Arc<Inner>,
}

struct Inner {
    primary: DatabaseConnection,
    replicas: Vec<Replica>,
    max_lag: Duration,
    fallback: ReplicaFallback,
    /// How long one check may wait for a database: a replica that does not answer within it
    /// counts as down (a pool would otherwise retry its connection for its whole acquire time).
    check_timeout: Duration,
    samples: std::sync::Mutex<VecDeque<(Instant, u64)>>,
    choice: RwLock<Choice>,
    /// Run when reads move (see [`ReadPools::spawn_checks`]).
    moved: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
}

struct Replica {
    /// Host, port and database, for logs and `/ready` (never the password).
    name: String,
    conn: DatabaseConnection,
}

#[derive(Clone)]
struct Choice {
    reader: DatabaseConnection,
    /// The replica serving reads; `None`: the primary.
    serving: Option<usize>,
    /// Each replica's lag at the last check; `None`: it did not answer.
    lags: Vec<Option<Duration>>,
}

/// What `/ready` says of the read side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadStatus {
    /// Reads go to a replica within the bound (or there is none configured).
    Ready(String),
    /// No replica is within the bound: reads go to the primary meanwhile.
    FellBack(String),
    /// No replica is within the bound and the primary is not to be used for reads.
    NotReady(String),
}

impl ReadPools {
    /// Every read goes to the primary: no replica is configured.
    pub fn primary_only(primary: DatabaseConnection) -> Self {
        Self::with(
            primary,
            Vec::new(),
            Duration::MAX,
            ReplicaFallback::Primary,
            Duration::ZERO,
        )
    }

    fn with(
        primary: DatabaseConnection,
        replicas: Vec<Replica>,
        max_lag: Duration,
        fallback: ReplicaFallback,
        check_timeout: Duration,
    ) -> Self {
        let choice = Choice {
            reader: primary.clone(),
            serving: None,
            lags: vec![None; replicas.len()],
        };
        Self {
            inner: Arc::new(Inner {
                primary,
                replicas,
                max_lag,
                fallback,
                check_timeout,
                samples: std::sync::Mutex::new(VecDeque::new()),
                choice: RwLock::new(choice),
                moved: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The configured replicas, connected lazily (one that is down at startup is checked again
    /// later), then checked once: the first requests already go where they should.
    pub async fn connect(
        primary: DatabaseConnection,
        cfg: &ReplicaConfig,
        metrics: &Metrics,
    ) -> Result<Self, DbErr> {
        let mut replicas = Vec::new();
        for url in &cfg.read_database_urls {
            replicas.push(Replica {
                name: display_name(url),
                conn: crate::db::connect_replica(url, metrics).await?,
            });
        }
        let pools = Self::with(
            primary,
            replicas,
            Duration::from_millis(cfg.max_replica_lag_ms),
            cfg.replica_fallback,
            Duration::from_millis(cfg.replica_check_ms)
                .clamp(Duration::from_millis(100), Duration::from_secs(2)),
        );
        pools.check().await;
        Ok(pools)
    }

    pub fn has_replicas(&self) -> bool {
        !self.inner.replicas.is_empty()
    }

    /// The connection a read-only request uses for everything it reads.
    pub fn reader(&self) -> DatabaseConnection {
        match self.inner.choice.read() {
            Ok(c) => c.reader.clone(),
            Err(_) => self.inner.primary.clone(),
        }
    }

    /// Checks every replica's lag and picks the first within the bound. True when reads moved
    /// (from one replica to another, or between a replica and the primary).
    pub async fn check(&self) -> bool {
        if self.inner.replicas.is_empty() {
            return false;
        }
        let mut now = Instant::now();
        let within = self.inner.check_timeout;
        let primary = tokio::time::timeout(within, primary_position(&self.inner.primary)).await;
        if let Ok(Some(lsn)) = primary {
            if let Ok(mut s) = self.inner.samples.lock() {
                s.push_back((now, lsn));
                while s.len() > SAMPLES {
                    s.pop_front();
                }
            }
        } else if let Some(last) = self
            .inner
            .samples
            .lock()
            .ok()
            .and_then(|s| s.back().copied())
        {
            // A primary that does not answer takes no writes: the replicas are judged as of the
            // last position it gave (a replica that has replayed it lags by nothing).
            now = last.0;
        }
        let mut lags = Vec::with_capacity(self.inner.replicas.len());
        for r in &self.inner.replicas {
            lags.push(
                match tokio::time::timeout(within, replay_position(&r.conn)).await {
                    Ok(Ok(Some(replayed))) => Some(self.lag_at(replayed, now)),
                    Ok(Ok(None)) => Some(Duration::ZERO),
                    Ok(Err(e)) => {
                        tracing::debug!(replica = %r.name, error = %e, "replica check failed");
                        None
                    }
                    Err(_) => {
                        tracing::debug!(replica = %r.name, "replica check timed out");
                        None
                    }
                },
            );
        }
        let serving = lags
            .iter()
            .position(|l| l.is_some_and(|l| l <= self.inner.max_lag));
        let Ok(mut choice) = self.inner.choice.write() else {
            return false;
        };
        let moved = choice.serving != serving;
        if moved {
            match serving {
                Some(i) => {
                    tracing::info!(replica = %self.inner.replicas[i].name, "public reads go to this replica")
                }
                None => tracing::warn!(
                    fallback = ?self.inner.fallback,
                    "no replica within the lag bound: public reads go to the primary"
                ),
            }
        }
        choice.reader = match serving {
            Some(i) => self.inner.replicas[i].conn.clone(),
            None => self.inner.primary.clone(),
        };
        choice.serving = serving;
        choice.lags = lags;
        drop(choice);
        if moved && let Some(f) = self.inner.moved.get() {
            f();
        }
        moved
    }

    fn lag_at(&self, replayed: u64, now: Instant) -> Duration {
        match self.inner.samples.lock() {
            Ok(samples) => lag_of(&samples, replayed, now),
            Err(_) => Duration::MAX,
        }
    }

    /// Checks every `every` in the background; from now on `moved` runs whenever reads go
    /// elsewhere (the data version may differ there).
    pub fn spawn_checks(&self, every: Duration, moved: impl Fn() + Send + Sync + 'static) {
        if self.inner.replicas.is_empty() {
            return;
        }
        let _ = self.inner.moved.set(Box::new(moved));
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                this.check().await;
            }
        });
    }

    /// The read side as `/ready` reports it.
    pub fn status(&self) -> ReadStatus {
        let Ok(c) = self.inner.choice.read() else {
            return ReadStatus::NotReady("read side unknown".to_owned());
        };
        if self.inner.replicas.is_empty() {
            return ReadStatus::Ready("reads from the primary".to_owned());
        }
        let lags = self
            .inner
            .replicas
            .iter()
            .zip(&c.lags)
            .map(|(r, l)| match l {
                Some(l) => format!("{} lags {} ms", r.name, l.as_millis()),
                None => format!("{} does not answer", r.name),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let bound = self.inner.max_lag.as_millis();
        match (c.serving, self.inner.fallback) {
            (Some(i), _) => ReadStatus::Ready(format!(
                "reads from {} ({lags}; bound {bound} ms)",
                self.inner.replicas[i].name
            )),
            (None, ReplicaFallback::Primary) => ReadStatus::FellBack(format!(
                "no replica within {bound} ms, reads from the primary ({lags})"
            )),
            (None, ReplicaFallback::NotReady) => {
                ReadStatus::NotReady(format!("no replica within {bound} ms ({lags})"))
            }
        }
    }
}

/// The age of the newest sample of the primary's position that `replayed` has reached; when it
/// reached none still kept, at least the age of the oldest.
fn lag_of(samples: &VecDeque<(Instant, u64)>, replayed: u64, now: Instant) -> Duration {
    match samples.iter().rev().find(|(_, lsn)| *lsn <= replayed) {
        Some((at, _)) => now.saturating_duration_since(*at),
        None => samples
            .front()
            .map_or(Duration::ZERO, |(at, _)| now.saturating_duration_since(*at)),
    }
}

/// `postgres://user:secret@host:5433/db?x` → `host:5433/db`.
fn display_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('?').next().unwrap_or(rest).to_owned()
}

/// `16/B374D848` → its 64-bit position.
fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.split_once('/')?;
    Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
}

async fn one_text(db: &DatabaseConnection, sql: &str) -> Result<Option<String>, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    match row {
        Some(row) => row.try_get_by_index::<Option<String>>(0),
        None => Ok(None),
    }
}

/// The primary's WAL position; `None` when it does not answer (or is not PostgreSQL).
async fn primary_position(db: &DatabaseConnection) -> Option<u64> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    match one_text(db, "SELECT pg_current_wal_lsn()::text").await {
        Ok(lsn) => lsn.as_deref().and_then(parse_lsn),
        Err(e) => {
            tracing::debug!(error = %e, "cannot read the primary's WAL position");
            None
        }
    }
}

/// The position a replica has replayed; `None` when it is not replaying anything (not a standby:
/// it is as fresh as can be).
async fn replay_position(db: &DatabaseConnection) -> Result<Option<u64>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_unprepared("SELECT 1").await?;
        return Ok(None);
    }
    let lsn = one_text(
        db,
        "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END",
    )
    .await?;
    Ok(lsn.as_deref().and_then(parse_lsn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_lags_by_the_age_of_the_newest_primary_position_it_has_replayed() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // The primary's position, sampled every second: idle from 2 s on.
        let samples: VecDeque<(Instant, u64)> = [
            (at(0), 100),
            (at(1000), 200),
            (at(2000), 300),
            (at(3000), 300),
        ]
        .into();
        let now = at(3000);
        // Caught up with the last sample: no lag, however long the primary has been idle.
        assert_eq!(lag_of(&samples, 300, now), Duration::ZERO);
        assert_eq!(lag_of(&samples, 350, now), Duration::ZERO);
        // Stuck at what the primary had 2 s ago.
        assert_eq!(lag_of(&samples, 250, now), Duration::from_millis(2000));
        // Behind every sample kept: at least as old as the oldest.
        assert_eq!(lag_of(&samples, 50, now), Duration::from_millis(3000));
        // Nothing sampled yet (the primary never answered): nothing to judge by.
        assert_eq!(lag_of(&VecDeque::new(), 0, now), Duration::ZERO);
    }

    #[test]
    fn positions_parse_and_passwords_never_show() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert_eq!(parse_lsn("nonsense"), None);
        assert_eq!(
            display_name("postgres://ctip:secret@db-1:5433/ctip?sslmode=require"),
            "db-1:5433/ctip"
        );
    }
}
