//! Browser-facing HTTP policy and the response cache.
use clap::Args;

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
