//! What a request may cost: its shape and size, its time, and each client's budget.
use clap::Args;

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
        super::defaults()
    }
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
