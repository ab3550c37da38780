//! The rate limit on every public path (GraphQL over HTTP, the CSV export): who is asking, the
//! charge, the refusal, and the budget shown on the answer.
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::AppState;
use super::graphql::{MediaType, request_error};
use crate::ratelimit::{RateLimiter, RateTicket};

/// The header the connection layer sets to the peer's address (any value a client sent is
/// replaced), so the handlers know who is asking.
pub const PEER_HEADER: &str = "x-ctip-peer";

/// Who is asking, for the rate limiter: the API key, else the peer (or the client a trusted
/// proxy names).
pub(super) fn rate_client(limiter: &RateLimiter, headers: &HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let peer = text(PEER_HEADER).and_then(|p| p.parse().ok());
    limiter.client_key(peer, text("x-forwarded-for"), text("authorization"))
}

/// Runs `work` under the caller's rate limit, on every public path (GraphQL over HTTP, the CSV
/// export): refused with 429, `Retry-After` and `RATE_LIMITED` when the budget is spent; `work`
/// gets the ticket its costs are charged to (at least 1 point is charged when it charges
/// nothing). The budget is shown in `x-ratelimit-*` headers, except on an answer a shared cache
/// may keep (`Cache-Control: public`): those headers are one client's, and a CDN would hand them
/// to every other client it serves the answer to. Such a client reads its budget on any other
/// answer, or asks `rateLimit`.
pub(super) async fn rate_limited<F, Fut>(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    work: F,
) -> Response
where
    F: FnOnce(Option<RateTicket>) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let Some(limiter) = state.ratelimit.clone() else {
        return work(None).await;
    };
    let ticket = RateTicket {
        client: rate_client(&limiter, headers),
        limiter: limiter.clone(),
        state: Default::default(),
    };
    let budget = limiter.charge(&ticket.client, 0).await;
    let mut resp = if budget.remaining == 0 {
        request_error(
            StatusCode::TOO_MANY_REQUESTS,
            media,
            RATE_LIMITED,
            &rate_limited_message(&budget),
        )
    } else {
        work(Some(ticket.clone())).await
    };
    let last = match ticket.last() {
        Some(s) => s,
        // Nothing was charged (answered from the cache, or refused before): one point.
        None if budget.remaining > 0 => limiter.charge(&ticket.client, 1).await,
        None => budget,
    };
    let refused = !last.allowed || budget.remaining == 0;
    if refused {
        let h = resp.headers_mut();
        let wait = (last.reset_epoch - chrono::Utc::now().timestamp()).max(1);
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            h.insert(header::RETRY_AFTER, v);
        }
        h.insert(header::CACHE_CONTROL, super::caching::NO_STORE);
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        state.metrics.rate_limit_refusals.inc();
    }
    if !super::caching::shared_cacheable(resp.headers()) {
        let h = resp.headers_mut();
        for (name, value) in [
            ("x-ratelimit-limit", last.limit.to_string()),
            ("x-ratelimit-remaining", last.remaining.to_string()),
            ("x-ratelimit-used", last.used.to_string()),
            ("x-ratelimit-reset", last.reset_epoch.to_string()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
    }
    resp
}

/// The answer to a request that ran past the execution timeout.
pub(super) fn timed_out(media: MediaType, ms: u64) -> Response {
    tracing::warn!(timeout_ms = ms, "request execution timed out");
    let mut resp = request_error(
        StatusCode::SERVICE_UNAVAILABLE,
        media,
        TIMEOUT,
        &format!(
            "The request took longer than {ms} ms to execute, the limit: ask for less (smaller pages, fewer fields) or split it."
        ),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    resp
}

pub const TIMEOUT: &str = "TIMEOUT";

pub use crate::ratelimit::{RATE_LIMITED, rate_limited_message};
