//! HTTP caching of GraphQL answers: `Cache-Control` from the schema's cache-control hints
//! (reference data for a day, statistics and releases for five minutes), a strong `ETag` (a
//! hash of the body) and `304 Not Modified` on a GET whose `If-None-Match` names it. Answers
//! with errors are `no-store`: a refusal or a failure must not be replayed from a cache.
use async_graphql::CacheControl;
use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};

pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// The `Cache-Control` of the answer to these operations: the tightest of their hints, public
/// with `stale-while-revalidate`, or `no-cache` (revalidate with the ETag) when no hint applies.
pub fn cache_control(responses: &[async_graphql::Response], swr: u32) -> HeaderValue {
    if responses.iter().any(|r| r.is_err()) {
        return NO_STORE;
    }
    let cc = responses
        .iter()
        .fold(None::<CacheControl>, |acc, r| {
            Some(match acc {
                None => r.cache_control,
                Some(a) => tightest(a, r.cache_control),
            })
        })
        .unwrap_or_default();
    let value = match (cc.public, cc.max_age) {
        (_, age) if age <= 0 => "no-cache".to_owned(),
        (true, age) => format!("public, max-age={age}, stale-while-revalidate={swr}"),
        (false, age) => format!("private, max-age={age}"),
    };
    HeaderValue::from_str(&value).unwrap_or(NO_STORE)
}

/// Both hints hold: the shorter age (0 is "no hint", -1 "no cache"), private if either is.
fn tightest(a: CacheControl, b: CacheControl) -> CacheControl {
    let max_age = match (a.max_age, b.max_age) {
        (-1, _) | (_, -1) => -1,
        (x, 0) | (0, x) => x,
        (x, y) => x.min(y),
    };
    CacheControl {
        public: a.public && b.public,
        max_age,
    }
}

/// A strong validator: the body's SHA-256, shortened.
pub fn etag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let value = format!("\"{}\"", hex::encode(&digest[..16]));
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("\"\""))
}

/// True when `If-None-Match` names this ETag (or is `*`).
pub fn not_modified(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(inm) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    inm.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == etag || t.strip_prefix("W/") == Some(etag))
}

/// True when a shared cache (a CDN, a proxy) may keep this answer: its `Cache-Control` says
/// `public`. Such an answer must hold nothing of one client's.
pub fn shared_cacheable(response: &HeaderMap) -> bool {
    response
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("public"))
        })
}
