//! Where the data is: the database, its read replicas, the disclosure keys.
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{DEFAULT_DATABASE_URL, DEFAULT_KEYS_FILE};

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL (sqlite://… or postgres://…). Default: the SQLite file ctip.db in the working directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    /// True when no database was named: the embedded default, which fills itself with demo data.
    pub fn is_embedded_default(&self) -> bool {
        self.database_url.is_none()
    }

    pub fn url(&self) -> &str {
        self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }
}

#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// File holding the disclosure secrets K1 and K2 (hex). The embedded default creates it,
    /// readable by its owner only, next to the database, while the database holds no counts.
    /// CTIP_K1 and CTIP_K2 in the environment override it; the keys are never taken from the
    /// command line, which every user of the machine can read in the process list.
    #[arg(long, env = "CTIP_KEYS_FILE", default_value = DEFAULT_KEYS_FILE)]
    pub keys_file: PathBuf,
    /// K1 (64 hex digits), the ingest key, from CTIP_K1; needed where counts are written.
    #[arg(skip = KeyText::from_env("CTIP_K1"))]
    pub k1: Option<KeyText>,
    /// K2 (64 hex digits), the serving key, from CTIP_K2; needed where counts are served.
    #[arg(skip = KeyText::from_env("CTIP_K2"))]
    pub k2: Option<KeyText>,
}

/// The text of a disclosure key as configured, before it is parsed: its `Debug` never shows it.
#[derive(Clone)]
pub struct KeyText(String);

impl KeyText {
    /// The key from that environment variable, when it is set and not empty.
    fn from_env(var: &str) -> Option<Self> {
        std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(KeyText)
    }

    /// The configured text (64 hex digits when well formed).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for KeyText {
    fn from(text: String) -> Self {
        KeyText(text)
    }
}

impl std::fmt::Debug for KeyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// PostgreSQL streaming replicas that public reads go to (see `read_pools`).
#[derive(Debug, Clone, Args)]
pub struct ReplicaConfig {
    /// A PostgreSQL streaming replica of --database-url that public reads (query operations, the
    /// data version) go to; repeat it, or separate with commas, for several: reads go to the
    /// first within the lag bound. Writes, and everything a write checks, go to --database-url.
    #[arg(
        long = "read-database-url",
        env = "CTIP_READ_DATABASE_URLS",
        value_delimiter = ','
    )]
    pub read_database_urls: Vec<String>,
    /// Milliseconds a replica may lag behind the primary and still serve reads.
    #[arg(long, env = "CTIP_MAX_REPLICA_LAG_MS", default_value_t = 5_000)]
    pub max_replica_lag_ms: u64,
    /// Milliseconds between two checks of the replicas' lag.
    #[arg(long, env = "CTIP_REPLICA_CHECK_MS", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(10..))]
    pub replica_check_ms: u64,
    /// When no replica is within the bound: read from the primary meanwhile (`primary`), or
    /// answer 503 on /ready (`not-ready`) so that the balancer sends the traffic elsewhere.
    #[arg(
        long,
        env = "CTIP_REPLICA_FALLBACK",
        value_enum,
        default_value = "primary"
    )]
    pub replica_fallback: ReplicaFallback,
}

/// What a process does when none of its replicas is within the lag bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReplicaFallback {
    /// Read from the primary (and stay ready).
    Primary,
    /// Report not ready on /ready (reads go to the primary while the balancer catches up).
    NotReady,
}
