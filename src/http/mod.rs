//! The axum router: GraphQL over HTTP, GraphiQL (served with its own assets, so it works offline),
//! the SDL, liveness, readiness and Prometheus metrics, under tracing, request-id, CORS and
//! compression layers.
mod assets;
mod body;
mod export;
mod graphql;
mod limits;

pub use limits::recursive_depth;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use std::sync::Arc;

use crate::config::LimitsConfig;
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
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/graphql",
            get(graphql::get_graphql).post(graphql::post_graphql),
        )
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
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods(Any)
                .allow_headers(Any)
                .expose_headers([REQUEST_ID]),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                // A timeout or a refused client is not the server failing: AppError logs
                // internal errors at ERROR, once, where they happen.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN))
                .make_span_with(|req: &axum::http::Request<_>| {
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
                    tracing::info_span!("request", method = %req.method(), path, request_id = %id)
                }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
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

/// Readiness: the database answers and every migration is applied.
async fn ready(State(state): State<AppState>) -> Response {
    if crate::db::is_ready(&state.api.db).await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: database unreachable or migrations pending",
        )
            .into_response()
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}
