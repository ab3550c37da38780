//! The one typed configuration: command-line options, each also read from an environment variable.
//! Nothing else in the crate reads the environment (the OpenTelemetry SDK reads its own OTEL_*
//! tuning variables when trace export is on).
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The embedded default database: a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://ctip.db?mode=rwc";

/// The largest count one cell may hold unless configured otherwise.
pub const DEFAULT_MAX_CELL_COUNT: i64 = 1_000_000;

#[derive(Debug, Parser)]
#[command(
    name = "ctip-api",
    version,
    about = "Public GraphQL API of anonymized counter-trafficking statistics for Vietnam"
)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogConfig,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once at startup; boxing would buy nothing (and variant sizes vary with options)"
)]
pub enum Command {
    /// Serve the API (the default when no command is given).
    Serve(ServeConfig),
    /// Apply the database migrations (schema and reference data), then exit.
    Migrate(DatabaseArgs),
    /// Write the GraphQL schema (SDL) to a file, or check that the file matches the code.
    ExportSchema(ExportSchemaArgs),
    /// Fill an empty database with the synthetic demo data set (labelled synthetic), then exit.
    SeedDemo(SeedDemoArgs),
    /// Manage API keys (roles EDITOR and ADMIN; READER is the anonymous default).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Manage the sources counts cite (audited).
    Sources {
        #[command(subcommand)]
        command: SourcesCommand,
    },
    /// Add or correct published figures (the numbers official sources published) from a file.
    Figures {
        #[command(subcommand)]
        command: FiguresCommand,
    },
    /// Publish the draft release, or list the releases.
    Release {
        #[command(subcommand)]
        command: ReleaseCommand,
    },
}

/// Who runs a command that writes, as the audit log records it (`cli:<operator>`).
#[derive(Debug, Clone, Args)]
pub struct OperatorArgs {
    /// Who runs the command, as the audit log records it.
    #[arg(long, env = "USER", default_value = "unknown")]
    pub operator: String,
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Record a new source for counts to cite.
    Create {
        /// Stable code (letters, digits, dots and dashes), e.g. mps-report-2025.
        code: String,
        /// STATISTICS, GOVERNMENT_REPORT, DATASET, NEWS_ARTICLE, DIRECTIVE, LEGAL_DOCUMENT, …
        #[arg(long)]
        kind: String,
        /// Who published it.
        #[arg(long)]
        publisher: String,
        /// Its title.
        #[arg(long)]
        title: String,
        /// Where to find it.
        #[arg(long)]
        url: Option<String>,
        /// YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long)]
        published_on: Option<String>,
        /// Licence or terms of use.
        #[arg(long)]
        licence: Option<String>,
        /// Notes.
        #[arg(long)]
        notes: Option<String>,
        /// The data citing it is made up (an example or a test): the API says so.
        #[arg(long)]
        synthetic: bool,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// List the sources (retired ones too with --all).
    List {
        /// Include retired sources.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Retire a source: it leaves the lists; what cites it keeps citing it.
    Retire {
        /// The source's code.
        code: String,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum FiguresCommand {
    /// Add (and, on lines with an `id`, correct) published figures from a CSV file with the
    /// columns year,scope,metric,value,unit,period_start,period_end,notes,reliability,source.
    /// All or nothing; every faulty line is reported.
    Import {
        /// The CSV file (UTF-8).
        file: PathBuf,
        /// Only check, and report what would change.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Freeze the draft into a new release that public queries read from then on.
    Publish {
        /// What the release holds and what changed.
        #[arg(long)]
        notes: String,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// List the published releases, newest first, and the draft if there is one.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make the disclosure key file (K1 and K2) of a new deployment, readable by its owner only;
    /// an existing file is never overwritten.
    Init {
        /// The file to create.
        #[arg(long, env = "CTIP_KEYS_FILE", default_value = "ctip-keys.env")]
        keys_file: PathBuf,
    },
    /// Create a key; the key itself is printed alone on the last line, once: it is stored hashed.
    Create {
        /// EDITOR (writes the sources named with --source) or ADMIN (writes any source, publishes
        /// releases and reads the audit log).
        #[arg(long)]
        role: String,
        /// Who or what the key is for.
        #[arg(long)]
        name: String,
        /// Code of a source the EDITOR key may write (repeat it for several). An EDITOR key
        /// reads and writes nothing of any other source.
        #[arg(long = "source", value_name = "CODE")]
        sources: Vec<String>,
        /// Who creates the key, as the audit log records it.
        #[arg(long, env = "USER", default_value = "unknown")]
        operator: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List keys (never the keys themselves).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a key by its id.
    Revoke {
        /// The key's id, from `keys list`.
        id: i32,
        /// Who revokes the key, as the audit log records it.
        #[arg(long, env = "USER", default_value = "unknown")]
        operator: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import counts from a CSV file into the draft release (see docs/import-format.md). Nothing is
    /// written when any line fails; every faulty line is reported.
    Counts {
        /// The CSV file.
        file: PathBuf,
        /// Code of the source the counts come from.
        #[arg(long)]
        source: String,
        /// Only report what would change.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        keys: KeyArgs,
        /// Largest count one cell may hold (a count above it is refused with its line).
        #[arg(long, env = "CTIP_MAX_CELL_COUNT", default_value_t = DEFAULT_MAX_CELL_COUNT, value_parser = clap::value_parser!(i64).range(1..))]
        max_cell_count: i64,
        #[command(flatten)]
        operator: OperatorArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct LogConfig {
    /// Log format.
    #[arg(
        long,
        env = "CTIP_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    /// Log filter (tracing EnvFilter syntax).
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log_filter: String,
    /// Base URL of an OpenTelemetry collector's OTLP/HTTP receiver, e.g. http://127.0.0.1:4318:
    /// each request's span is exported to its /v1/traces (protobuf), in batches. Unset or empty:
    /// no trace is exported. The SDK's own variables tune the export (OTEL_EXPORTER_OTLP_HEADERS,
    /// OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_BSP_SCHEDULE_DELAY, OTEL_RESOURCE_ATTRIBUTES, …).
    #[arg(
        long,
        env = "OTEL_EXPORTER_OTLP_ENDPOINT",
        global = true,
        value_parser = otlp_endpoint
    )]
    pub otel_endpoint: Option<String>,
    /// Service name of the exported traces (the resource attribute service.name).
    #[arg(
        long,
        env = "OTEL_SERVICE_NAME",
        default_value = "ctip-api",
        global = true
    )]
    pub otel_service_name: String,
}

impl LogConfig {
    /// The OTLP endpoint, when trace export is on.
    pub fn otel_endpoint(&self) -> Option<&str> {
        self.otel_endpoint.as_deref().filter(|e| !e.is_empty())
    }
}

/// An OTLP/HTTP endpoint: an http or https URL, checked here so a typo fails at startup. Empty
/// is accepted and means off, as the OpenTelemetry specification reads an empty variable.
fn otlp_endpoint(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Ok(String::new());
    }
    let uri: axum::http::Uri = s
        .parse()
        .map_err(|e| format!("not a URL ({e}); expected e.g. http://127.0.0.1:4318"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(s.to_owned()),
        _ => Err(
            "expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:4318"
                .to_owned(),
        ),
    }
}

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
    #[arg(long, env = "CTIP_KEYS_FILE", default_value = "ctip-keys.env")]
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

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "CTIP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
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

/// Rate limits by cost, per client.
#[derive(Debug, Clone, Args)]
pub struct RateLimitConfig {
    /// Points each client may spend per window (an operation costs 1 + its complexity / 100);
    /// 0 turns rate limiting off.
    #[arg(long, env = "CTIP_RATE_LIMIT_POINTS", default_value_t = 5000)]
    pub rate_limit_points: u64,
    /// Length of the window, in seconds.
    #[arg(long, env = "CTIP_RATE_LIMIT_WINDOW_SECONDS", default_value_t = 3600)]
    pub rate_limit_window_seconds: u64,
    /// Proxies whose X-Forwarded-For is believed (comma-separated IP addresses).
    #[arg(long, env = "CTIP_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Prefix of the Redis keys.
    #[arg(long, env = "CTIP_RATE_LIMIT_PREFIX", default_value = "ctip:rl")]
    pub rate_limit_prefix: String,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            rate_limit_points: 5000,
            rate_limit_window_seconds: 3600,
            trusted_proxies: Vec::new(),
            rate_limit_prefix: "ctip:rl".to_owned(),
        }
    }
}

/// The response cache: in-process, and shared through Redis when `CTIP_REDIS_URL` is set.
#[derive(Debug, Clone, Args)]
pub struct CacheConfig {
    /// Bytes of answers the response cache holds (about); 0 turns it off.
    #[arg(long, env = "CTIP_RESPONSE_CACHE_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub response_cache_bytes: u64,
    /// Seconds an answer is kept at most (a new release drops every answer at once anyway).
    #[arg(long, env = "CTIP_RESPONSE_CACHE_TTL_SECONDS", default_value_t = 3600)]
    pub response_cache_ttl_seconds: u64,
    /// Milliseconds the current data version (release and last write) is trusted before it is
    /// looked up again: how long a release or write made through another replica may take to
    /// invalidate this one's cache (one made through this replica invalidates it at once).
    #[arg(long, env = "CTIP_RELEASE_CHECK_MS", default_value_t = 2_000)]
    pub release_check_ms: u64,
    /// Prefix of the response cache's Redis keys (deployments sharing a Redis need their own).
    #[arg(long, env = "CTIP_RESPONSE_CACHE_PREFIX", default_value = "ctip:rc")]
    pub response_cache_prefix: String,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            response_cache_bytes: 64 * 1024 * 1024,
            response_cache_ttl_seconds: 3600,
            release_check_ms: 2_000,
            response_cache_prefix: "ctip:rc".to_owned(),
        }
    }
}

/// Browser-facing HTTP policy: CORS and the security headers.
#[derive(Debug, Clone, Args)]
pub struct HttpConfig {
    /// Origins allowed to call the API from a browser (comma-separated), or `*` for any. No
    /// credentials are ever allowed: the API is public and has none.
    #[arg(
        long,
        env = "CTIP_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub cors_origins: Vec<String>,
    /// Content-Security-Policy of every response but the GraphiQL page (JSON, CSV, text).
    #[arg(long, env = "CTIP_CONTENT_SECURITY_POLICY", default_value = DEFAULT_CSP)]
    pub content_security_policy: String,
    /// Content-Security-Policy of the GraphiQL page (its inline script and style, assets under
    /// /graphiql/, fetch and WebSocket to the same origin).
    #[arg(long, env = "CTIP_GRAPHIQL_CONTENT_SECURITY_POLICY", default_value = DEFAULT_GRAPHIQL_CSP)]
    pub graphiql_content_security_policy: String,
    /// Seconds a cache may keep serving a cacheable answer past its max-age while it refetches.
    #[arg(
        long,
        env = "CTIP_CACHE_STALE_WHILE_REVALIDATE_SECONDS",
        default_value_t = 60
    )]
    pub cache_stale_while_revalidate_seconds: u32,
}

pub const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
pub const DEFAULT_GRAPHIQL_CSP: &str = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            cors_origins: vec!["*".to_owned()],
            content_security_policy: DEFAULT_CSP.to_owned(),
            graphiql_content_security_policy: DEFAULT_GRAPHIQL_CSP.to_owned(),
            cache_stale_while_revalidate_seconds: 60,
        }
    }
}

/// What one request may cost. Every request is checked against all of them before anything runs.
#[derive(Debug, Clone, Args)]
pub struct LimitsConfig {
    /// Deepest nesting of fields an operation may have (fragments counted where they are spread).
    #[arg(long, env = "CTIP_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,
    /// Largest cost of a request: each field costs 1, a list's page size (`first`) multiplies the
    /// cost of what it selects; a batch costs the sum of its operations.
    #[arg(long, env = "CTIP_MAX_COMPLEXITY", default_value_t = 50_000)]
    pub max_complexity: usize,
    /// Most aliases a document may hold.
    #[arg(long, env = "CTIP_MAX_ALIASES", default_value_t = 50)]
    pub max_aliases: usize,
    /// Most times one response key may be selected in one selection set.
    #[arg(long, env = "CTIP_MAX_REPEATED_FIELDS", default_value_t = 5)]
    pub max_repeated_fields: usize,
    /// Most fields an operation selects once its fragments are expanded.
    #[arg(long, env = "CTIP_MAX_FIELDS", default_value_t = 1_000)]
    pub max_fields: usize,
    /// Largest GraphQL document, in bytes.
    #[arg(long, env = "CTIP_MAX_DOCUMENT_BYTES", default_value_t = 32 * 1024)]
    pub max_document_bytes: usize,
    /// Most lexical tokens a GraphQL document may hold.
    #[arg(long, env = "CTIP_MAX_TOKENS", default_value_t = 5_000)]
    pub max_tokens: usize,
    /// Most operations in one batch (a JSON array of requests).
    #[arg(long, env = "CTIP_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Largest `variables` object of one operation, in bytes of JSON.
    #[arg(long, env = "CTIP_MAX_VARIABLES_BYTES", default_value_t = 16 * 1024)]
    pub max_variables_bytes: usize,
    /// Largest request body, in bytes.
    #[arg(long, env = "CTIP_MAX_BODY_BYTES", default_value_t = 128 * 1024)]
    pub max_body_bytes: usize,
    /// Milliseconds a request body may take to arrive (a client that dribbles it in is cut off).
    #[arg(long, env = "CTIP_BODY_READ_TIMEOUT_MS", default_value_t = 10_000)]
    pub body_read_timeout_ms: u64,
    /// Milliseconds a client may take to send a request's head (line and headers).
    #[arg(long, env = "CTIP_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_read_timeout_ms: u64,
    /// Milliseconds one request (all of its operations) may take to execute.
    #[arg(long, env = "CTIP_EXECUTION_TIMEOUT_MS", default_value_t = 10_000)]
    pub execution_timeout_ms: u64,
    /// Largest CSV file an authenticated writer may upload to /import/counts, in bytes (the
    /// public limits above stay for everything else). The file is streamed, never held whole.
    #[arg(long, env = "CTIP_MAX_UPLOAD_BYTES", default_value_t = 512 * 1024 * 1024)]
    pub max_upload_bytes: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_complexity: 50_000,
            max_aliases: 50,
            max_repeated_fields: 5,
            max_fields: 1_000,
            max_document_bytes: 32 * 1024,
            max_tokens: 5_000,
            max_batch: 10,
            max_variables_bytes: 16 * 1024,
            max_body_bytes: 128 * 1024,
            body_read_timeout_ms: 10_000,
            header_read_timeout_ms: 10_000,
            execution_timeout_ms: 10_000,
            max_upload_bytes: 512 * 1024 * 1024,
        }
    }
}

impl ServeConfig {
    /// A configuration for tests and tools: port 0 on loopback, the given database.
    pub fn for_database(url: &str) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: DatabaseArgs {
                database_url: Some(url.to_owned()),
            },
            keys: KeyArgs {
                keys_file: PathBuf::from("ctip-keys.env"),
                k1: None,
                k2: None,
            },
            disclosure_threshold: 5,
            max_cell_count: DEFAULT_MAX_CELL_COUNT,
            max_page_size: 100,
            shutdown_grace_seconds: 5,
            limits: LimitsConfig::default(),
            http: HttpConfig::default(),
            cache: CacheConfig::default(),
            rate_limit: RateLimitConfig::default(),
            redis_url: None,
            dataloader_delay_us: 1_000,
            metrics_listen: None,
            metrics_max_operation_names: 100,
            apq_cache_entries: 10_000,
            trusted_documents: None,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ExportSchemaArgs {
    /// Where to write the SDL.
    #[arg(long, default_value = "schema.graphql")]
    pub output: PathBuf,
    /// Do not write: fail if the file differs from the schema the code builds.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SeedDemoArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Seed of the generator (the same seed gives the same data).
    #[arg(long, env = "CTIP_DEMO_SEED", default_value_t = 2024)]
    pub seed: u64,
    /// First year generated.
    #[arg(long, default_value_t = 2019)]
    pub from_year: i32,
    /// Last year generated (months up to June 2025 use the 63 provinces, later ones the 34).
    #[arg(long, default_value_t = 2025)]
    pub to_year: i32,
    /// Multiplies every expected count: 1 is the plausible national scale; benchmarks use ~150
    /// over 20 years for a data set of more than 5 million finest cells.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_default_is_what_the_command_line_defaults_to() {
        let cli = Cli::try_parse_from(["ctip-api", "serve"]).expect("parse");
        let Some(Command::Serve(cfg)) = cli.command else {
            panic!("not serve");
        };
        assert_eq!(
            format!("{:?}", cfg.limits),
            format!("{:?}", LimitsConfig::default())
        );
    }

    #[test]
    fn the_disclosure_keys_are_never_taken_from_the_command_line_nor_printed() {
        let hex = "ab".repeat(32);
        for flag in ["--k1", "--k2"] {
            assert!(
                Cli::try_parse_from(["ctip-api", "serve", flag, hex.as_str()]).is_err(),
                "{flag} accepted on the command line"
            );
        }
        let mut cfg = ServeConfig::for_database("sqlite::memory:");
        cfg.keys.k1 = Some(KeyText::from(hex.clone()));
        cfg.keys.k2 = Some(KeyText::from("cd".repeat(32)));
        let printed = format!("{cfg:?}");
        assert!(
            !printed.contains(&hex) && !printed.contains(&"cd".repeat(32)),
            "{printed}"
        );
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn trace_export_is_off_unless_an_http_endpoint_is_given() {
        let cli = Cli::try_parse_from(["ctip-api", "serve"]).expect("parse");
        assert_eq!(cli.log.otel_endpoint(), None);
        assert_eq!(cli.log.otel_service_name, "ctip-api");
        let cli = Cli::try_parse_from(["ctip-api", "serve", "--otel-endpoint", ""]).expect("parse");
        assert_eq!(cli.log.otel_endpoint(), None, "empty is off");
        let cli = Cli::try_parse_from([
            "ctip-api",
            "serve",
            "--otel-endpoint",
            "https://otel.example:4318/",
        ])
        .expect("parse");
        assert_eq!(cli.log.otel_endpoint(), Some("https://otel.example:4318/"));
        for bad in [
            "127.0.0.1:4318",
            "grpc://collector:4317",
            "http://",
            "not a url",
        ] {
            assert!(
                Cli::try_parse_from(["ctip-api", "serve", "--otel-endpoint", bad]).is_err(),
                "{bad} accepted"
            );
        }
    }
}
