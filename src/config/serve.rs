//! `serve`: the options of a serving process.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::{
    CacheConfig, DEFAULT_MAX_CELL_COUNT, DatabaseArgs, HttpConfig, KeyArgs, LimitsConfig,
    RateLimitConfig, ReplicaConfig,
};

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "CTIP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub replicas: ReplicaConfig,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Values below this are shown as "<threshold" (5 by default; 10 is the strict setting).
    #[arg(long, env = "CTIP_DISCLOSURE_THRESHOLD", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub disclosure_threshold: i64,
    /// Largest count one cell may hold: a count above it is refused with its line, before any
    /// key is computed (a typo such as 1000000000 would otherwise cost a billion HMACs).
    #[arg(long, env = "CTIP_MAX_CELL_COUNT", default_value_t = DEFAULT_MAX_CELL_COUNT, value_parser = clap::value_parser!(i64).range(1..))]
    pub max_cell_count: i64,
    /// Largest page a list returns (`first` above it is refused).
    #[arg(long, env = "CTIP_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u32,
    /// Microseconds a DataLoader waits to gather the keys of one level of a query into one SQL
    /// statement (async-graphql's default is 1 ms); longer batches more reliably on a loaded
    /// machine, at that cost in latency.
    #[arg(long, env = "CTIP_DATALOADER_DELAY_US", default_value_t = 1_000)]
    pub dataloader_delay_us: u64,
    /// Seconds to wait for open requests on shutdown.
    #[arg(long, env = "CTIP_SHUTDOWN_GRACE_SECONDS", default_value_t = 20)]
    pub shutdown_grace_seconds: u64,
    #[command(flatten)]
    pub limits: LimitsConfig,
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub cache: CacheConfig,
    #[command(flatten)]
    pub rate_limit: RateLimitConfig,
    /// Redis shared by every replica (e.g. redis://127.0.0.1:6379): their rate budgets and their
    /// response cache. Without it each process keeps its own; if it goes away, each process falls
    /// back to its own until it returns.
    #[arg(long, env = "CTIP_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Documents remembered for automatic persisted queries (Apollo APQ); 0 turns APQ off.
    #[arg(long, env = "CTIP_APQ_CACHE_ENTRIES", default_value_t = 10_000)]
    pub apq_cache_entries: u64,
    /// Trusted-documents mode: run only the documents this file lists (a JSON object from
    /// SHA-256 hex to document, or an Apollo persisted query manifest). APQ registration is off.
    #[arg(long, env = "CTIP_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<PathBuf>,
    /// Where Prometheus metrics are served (`GET /metrics`), apart from the public API: an
    /// internal address such as 127.0.0.1:9464 for the monitoring to scrape. Unset: not served.
    /// (Operation names, cache hits and latencies tell what other clients ask: not public.)
    #[arg(long, env = "CTIP_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Distinct GraphQL operation names counted under their own label in /metrics; later ones
    /// are counted as `other`.
    #[arg(long, env = "CTIP_METRICS_MAX_OPERATION_NAMES", default_value_t = 100)]
    pub metrics_max_operation_names: usize,
}

impl ServeConfig {
    /// A configuration for tests and tools: every default, port 0 on loopback, the given
    /// database, no key (the caller gives them), a short grace period.
    pub fn for_database(url: &str) -> Self {
        let mut cfg: Self = super::defaults();
        cfg.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        cfg.database.database_url = Some(url.to_owned());
        cfg.keys.k1 = None;
        cfg.keys.k2 = None;
        cfg.shutdown_grace_seconds = 5;
        cfg
    }
}
