//! The axum router: the public dashboard (`/`, `/embed/{view}`, `/assets/{file}`), GraphQL over
//! HTTP, GraphiQL (served with its own assets, so it works offline), the SDL, the CSV export,
//! liveness and readiness, under tracing, request-id, CORS and compression layers. Prometheus
//! metrics have a router of their own ([`metrics_router`]), served on a separate, internal address.
mod assets;
mod body;
mod caching;
mod checks;
mod dashboard;
mod encoded;
mod execute;
mod export;
mod export_csv;
mod graphql;
mod limits;
mod multipart;
mod persisted;
mod rate_limit;
mod raw_cache;
mod request_shape;
mod response_cache;
mod upload;
mod ws;

pub use dashboard::documents as dashboard_documents;
pub use execute::{PEER_HEADER, RATE_LIMITED, rate_limited_message};
pub use limits::recursive_depth;
pub use persisted::{PersistedQueries, load_trusted, sha256_hex};
pub use response_cache::ResponseCache;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, OnResponse, TraceLayer};

use std::sync::Arc;

use crate::config::{HttpConfig, LimitsConfig};
use crate::graphql::{ApiContext, AppSchema};
use crate::metrics::Metrics;

/// Everything a handler may need.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    /// The same context the resolvers get, for the routes that share their code (CSV export).
    pub api: ApiContext,
    pub metrics: Metrics,
    /// What one request may cost (checked before anything runs).
    pub limits: Arc<LimitsConfig>,
    /// CORS and security headers.
    pub http: Arc<HttpConfig>,
    /// APQ and trusted documents.
    pub persisted: PersistedQueries,
    /// Answers of error-free queries; `None` when configured off.
    pub cache: Option<ResponseCache>,
    /// Budgets by client; `None` when rate limiting is off.
    pub ratelimit: Option<Arc<crate::ratelimit::RateLimiter>>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let http = state.http.clone();
    let [headers_a, headers_b, headers_c, headers_d] = security_headers(&http);
    Router::new()
        // The public dashboard (web/, embedded); GraphiQL stays at /graphql.
        .route("/", get(dashboard::index))
        .route("/embed/{view}", get(dashboard::embed))
        .route("/assets/{file}", get(dashboard::asset))
        .route("/graphql", get(ws::get_graphql).post(graphql::post_graphql))
        .route("/graphiql/{file}", get(assets::graphiql_asset))
        .route("/schema.graphql", get(schema_sdl))
        .route(
            "/export/case-statistics.csv",
            get(export::case_statistics_csv),
        )
        .route(
            "/export/case-statistics.meta.json",
            get(export::case_statistics_meta),
        )
        .route("/import/counts", post(upload::import_counts))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(state)
        // Dynamic answers are compressed at the fastest level: the default brotli level costs
        // more than the bytes it saves here (cached answers carry their own compressed forms).
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(
            tower::ServiceBuilder::new()
                .layer(headers_a)
                .layer(headers_b)
                .layer(headers_c)
                .layer(headers_d),
        )
        // Outside the security headers: it takes back the one the embed page must not carry.
        .layer(axum::middleware::map_response(allow_framing))
        .layer(cors(&http))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                // A timeout or a refused client is not the server failing: AppError logs
                // internal errors at ERROR, once, where they happen.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN))
                .make_span_with(request_span)
                .on_response(
                    |resp: &Response<_>, latency: std::time::Duration, span: &tracing::Span| {
                        let status = resp.status();
                        // An i64: the OpenTelemetry layer would export an unsigned number as text.
                        span.record("http.response.status_code", i64::from(status.as_u16()));
                        if status.is_server_error() {
                            span.record("otel.status_code", "error");
                        }
                        DefaultOnResponse::new().on_response(resp, latency, span);
                    },
                ),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// The span of one request: in the logs, the context of every line it holds; exported as a
/// trace (when configured), one server span per request. `operation` (the GraphQL operation's
/// metrics label, recorded by the executor) and the response status are filled in later; a
/// caller's `traceparent` makes it part of the caller's trace.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let path = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str())
        .unwrap_or("-");
    macro_rules! span_at {
        ($level:expr) => {
            tracing::span!(
                $level,
                "request",
                method = %req.method(),
                path,
                request_id = %id,
                operation = tracing::field::Empty,
                "http.response.status_code" = tracing::field::Empty,
                "otel.kind" = "server",
                "otel.status_code" = tracing::field::Empty,
            )
        };
    }
    // Probes and scrapes come every few seconds from the orchestrator and the monitoring: their
    // spans are at DEBUG, below what is exported (and what is logged by default).
    let span = if matches!(path, "/health" | "/ready") {
        span_at!(tracing::Level::DEBUG)
    } else {
        span_at!(tracing::Level::INFO)
    };
    crate::telemetry::continue_trace(&span, req.headers());
    span
}

/// The security headers of every response; a handler that sets its own (the GraphiQL page's
/// Content-Security-Policy) keeps it.
fn security_headers(http: &HttpConfig) -> [SetResponseHeaderLayer<HeaderValue>; 4] {
    let csp = HeaderValue::from_str(&http.content_security_policy).unwrap_or_else(|_| {
        tracing::warn!(
            "the configured Content-Security-Policy is not a header value; using the default"
        );
        HeaderValue::from_static(crate::config::DEFAULT_CSP)
    });
    let set = SetResponseHeaderLayer::if_not_present;
    [
        set(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        set(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        set(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        set(header::CONTENT_SECURITY_POLICY, csp),
    ]
}

/// The embed page may be framed by any site (its CSP says `frame-ancestors *`): it must not keep
/// the `X-Frame-Options: DENY` every other response gets.
async fn allow_framing(mut resp: Response) -> Response {
    if resp.extensions().get::<dashboard::Framable>().is_some() {
        resp.headers_mut().remove(header::X_FRAME_OPTIONS);
    }
    resp
}

/// CORS from configuration: any origin by default, never credentials. It wraps every route, so
/// error responses carry it too.
fn cors(http: &HttpConfig) -> CorsLayer {
    let origins = if http.cors_origins.iter().any(|o| o.trim() == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(http.cors_origins.iter().filter_map(|o| {
            HeaderValue::from_str(o.trim())
                .inspect_err(|_| tracing::warn!(origin = %o, "ignoring a CORS origin that is not a header value"))
                .ok()
        }))
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(Any)
        .allow_headers(Any)
        .allow_credentials(false)
        .expose_headers([REQUEST_ID])
}

async fn schema_sdl() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        crate::graphql::sdl(),
    )
        .into_response()
}

/// Liveness: the process answers.
async fn health() -> &'static str {
    "ok"
}

/// Readiness: the database public reads go to answers with every migration applied; with read
/// replicas, one is within the lag bound, or the primary stands in (unless configured not to).
/// The body says where reads go and how far each replica lags.
async fn ready(State(state): State<AppState>) -> Response {
    use crate::read_pools::ReadStatus;
    let reads = &state.api.reads;
    let mut answers = crate::db::is_ready(&reads.reader()).await;
    if !answers && reads.has_replicas() {
        // The replica reads went to may have just gone: look again now rather than at the next
        // check, so that the balancer does not take every replica out at once meanwhile.
        reads.check().await;
        answers = crate::db::is_ready(&reads.reader()).await;
    }
    let status = reads.status();
    if !answers {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: database unreachable or migrations pending",
        )
            .into_response();
    }
    match status {
        ReadStatus::Ready(s) | ReadStatus::FellBack(s) => {
            (StatusCode::OK, format!("ready: {s}")).into_response()
        }
        ReadStatus::NotReady(s) => {
            (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {s}")).into_response()
        }
    }
}

/// `GET /metrics` alone, for the internal metrics address: what clients ask, and how often, is
/// not for the public.
pub fn metrics_router(metrics: Metrics) -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(metrics)
}

async fn metrics_text(State(metrics): State<Metrics>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        metrics.render(),
    )
        .into_response()
}
