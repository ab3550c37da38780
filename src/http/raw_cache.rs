//! The first tier of the response cache: answers as bytes ([`Encoded`]), keyed by the request
//! exactly as it came (the POST body or the GET query string: document, variables, operation
//! name, extensions such as a persisted query's hash), the language and the data version. It is
//! looked up before anything is parsed; a miss goes on to the normalized key (`response_cache`)
//! and the answer is kept here for the next identical request.
//!
//! Only what the normalized tier would keep is kept here: error-free single query operations
//! sent without credentials. Nothing of one client's is kept (no rate-limit header): the
//! request of a hit still goes through the rate limiter, which adds its own.
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use moka::future::Cache;

use super::AppState;
use super::encoded::Encoded;
use super::execute::rate_limited;
use super::graphql::{MediaType, language};
use crate::graphql::lang::Language;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawKey {
    version: Arc<str>,
    get: bool,
    raw: Bytes,
    language: Option<Language>,
}

/// Set by the executor on an answer this tier may keep: its operation's metrics label, and the
/// data version the response cache answered it at (the version it is kept under).
#[derive(Debug, Clone)]
pub struct Keepable {
    pub label: String,
    pub version: Arc<str>,
}

/// A request as it came, for the key of its answer.
pub(super) struct RawRequest {
    get: bool,
    raw: Bytes,
    language: Option<Language>,
}

#[derive(Clone)]
pub struct RawAnswers {
    answers: Cache<RawKey, Arc<Encoded>>,
}

impl RawAnswers {
    pub fn new(max_bytes: u64, ttl: Duration) -> Self {
        Self {
            answers: Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &RawKey, v: &Arc<Encoded>| {
                    u32::try_from(k.raw.len() + v.weight()).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build(),
        }
    }

    pub async fn get(&self, key: &RawKey) -> Option<Arc<Encoded>> {
        self.answers.get(key).await
    }

    pub async fn put(&self, key: RawKey, answer: Arc<Encoded>) {
        self.answers.insert(key, answer).await;
    }

    pub fn clear(&self) {
        self.answers.invalidate_all();
    }
}

/// What the lookup found.
pub(super) enum Lookup {
    /// The answer, sent from the stored bytes.
    Hit(Response),
    /// Not here: run the request, then [`keep`] its answer (if it may be kept).
    Miss(Option<RawRequest>),
}

/// Looks the raw request up (`raw`: the POST body or the GET query string).
pub(super) async fn lookup(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    get: bool,
    raw: Bytes,
) -> Lookup {
    let Some(cache) = &state.cache else {
        return Lookup::Miss(None);
    };
    // A caller with credentials may see more: never answered from a shared entry.
    if headers.contains_key(header::AUTHORIZATION) {
        return Lookup::Miss(None);
    }
    let started = Instant::now();
    let req = RawRequest {
        get,
        raw,
        language: language(headers),
    };
    // The version as known now, without a statement: a request refused before it runs must
    // run none. When it is not known, the request takes the normal path, which looks it up.
    let Some(version) = cache.known_version().await else {
        return Lookup::Miss(Some(req));
    };
    let key = RawKey {
        version,
        get: req.get,
        raw: req.raw.clone(),
        language: req.language,
    };
    let Some(answer) = cache.raw_answers().get(&key).await else {
        return Lookup::Miss(Some(req));
    };
    let resp = rate_limited(state, headers, media, |_| async {
        let m = &state.metrics;
        m.graphql_requests.inc();
        m.observe_cache(&answer.label, "bytes");
        m.observe_operation(&answer.label, [], started.elapsed().as_secs_f64());
        answer.respond(headers, media, get)
    })
    .await;
    tracing::Span::current().record("operation", answer.label.as_str());
    Lookup::Hit(resp)
}

/// Keeps an answer the executor marked [`Keepable`], compressed both ways, under the request as
/// it came and the version the answer was made at.
pub(super) async fn keep(state: &AppState, req: Option<RawRequest>, resp: Response) -> Response {
    let (Some(req), Some(cache)) = (req, &state.cache) else {
        return resp;
    };
    let Some(Keepable { label, version }) = resp.extensions().get::<Keepable>().cloned() else {
        return resp;
    };
    let key = RawKey {
        version,
        get: req.get,
        raw: req.raw,
        language: req.language,
    };
    let h = resp.headers();
    let (Some(etag), Some(cc)) = (
        h.get(header::ETAG).cloned(),
        h.get(header::CACHE_CONTROL).cloned(),
    ) else {
        return resp;
    };
    if resp.status() != StatusCode::OK || h.contains_key(header::CONTENT_ENCODING) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        tracing::error!("an answer's body could not be read back");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Some(encoded) = Encoded::new(bytes.clone(), etag, cc, label) {
        cache.raw_answers().put(key, Arc::new(encoded)).await;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
