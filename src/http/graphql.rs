//! GraphQL over HTTP (graphql/graphql-over-http): media types chosen by `Accept`, status codes
//! by the kind of error, queries only over GET. The stock async-graphql-axum handler always labels
//! its answer graphql-response+json and answers 200 with `data: null` on request errors; this
//! handler follows the specification instead.
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::execute::execute;
use super::limits::{BATCH_TOO_LARGE, PAYLOAD_TOO_LARGE, Refusal};
use super::request_shape::{check_shape, get_request};
use super::{AppState, caching, raw_cache};
use crate::graphql::lang::Language;

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const APPLICATION_JSON: &str = "application/json";

/// The media type a response is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaType {
    GraphqlResponseJson,
    Json,
}

/// The `Vary` of every GraphQL answer.
pub(super) const VARY: HeaderValue =
    HeaderValue::from_static("Accept, Accept-Language, Accept-Encoding");

impl MediaType {
    pub(super) fn header(self) -> HeaderValue {
        match self {
            MediaType::GraphqlResponseJson => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
            MediaType::Json => HeaderValue::from_static("application/json; charset=utf-8"),
        }
    }
}

/// Picks the response media type from `Accept` (highest q wins; graphql-response+json on ties).
/// No `Accept`, or only a wildcard, means `application/json`, as the specification asks.
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(f32, MediaType)> = None;
    for part in accept.split(',') {
        let mut params = part.split(';');
        let mime = params.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = params
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let candidate = match mime.as_str() {
            GRAPHQL_RESPONSE_JSON => MediaType::GraphqlResponseJson,
            // A wildcard gets application/json, which every client understands (the
            // specification's SHOULD; the graphql-http audit checks it).
            APPLICATION_JSON | "*/*" | "application/*" => MediaType::Json,
            _ => continue,
        };
        let better = match best {
            None => true,
            Some((bq, bm)) => {
                q > bq
                    || (q == bq && candidate == MediaType::GraphqlResponseJson && bm != candidate)
            }
        };
        if better {
            best = Some((q, candidate));
        }
    }
    best.map(|(_, m)| m)
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// An error answered before any GraphQL execution (not a GraphQL response: no `data`).
pub(super) fn request_error(
    status: StatusCode,
    media: MediaType,
    code: &str,
    message: &str,
) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [
            (header::CONTENT_TYPE, media.header()),
            (header::CACHE_CONTROL, caching::NO_STORE),
        ],
        body.to_string(),
    )
        .into_response()
}

pub(super) fn language(headers: &HeaderMap) -> Option<Language> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Language::from_accept_language)
}

/// The operation a request would run, to refuse mutations over GET before executing anything.
pub(super) fn operation_type(doc: &ExecutableDocument, req: &Request) -> Option<OperationType> {
    let name = req.operation_name.as_deref();
    doc.operations
        .iter()
        .find(|(n, _)| name.is_none() || n.map(|n| n.as_str()) == name)
        .map(|(_, op)| op.node.ty)
}

pub async fn get_graphql(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let query = uri.query().unwrap_or("");
    if query.is_empty() && wants_html(&headers) {
        return super::assets::index(&state.http.graphiql_content_security_policy);
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let key = match raw_cache::lookup(
        &state,
        &headers,
        media,
        true,
        axum::body::Bytes::copy_from_slice(query.as_bytes()),
    )
    .await
    {
        raw_cache::Lookup::Hit(resp) => return resp,
        raw_cache::Lookup::Miss(key) => key,
    };
    let req = match get_request(&uri) {
        Ok(r) => r,
        Err(e) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                &format!(
                    "The GET parameters are not a GraphQL request: {e}. Send `query` (and optionally `variables` as JSON, `operationName`, `extensions` as JSON)."
                ),
            );
        }
    };
    let persisted = req.extensions.0.contains_key("persistedQuery");
    if req.query.trim().is_empty() && !persisted {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "Missing `query` parameter: GET /graphql?query={...}",
        );
    }
    let resp = execute(
        &state,
        &headers,
        BatchRequest::Single(req),
        media,
        Method::Get,
    )
    .await;
    raw_cache::keep(&state, key, resp).await
}

pub(super) fn mutation_over_get(media: MediaType) -> Response {
    let mut resp = request_error(
        StatusCode::METHOD_NOT_ALLOWED,
        media,
        "METHOD_NOT_ALLOWED",
        "Mutations are accepted over POST only.",
    );
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    resp
}

fn not_acceptable() -> Response {
    // Nothing the client accepts can be sent; the body says what can.
    request_error(
        StatusCode::NOT_ACCEPTABLE,
        MediaType::Json,
        "NOT_ACCEPTABLE",
        "This endpoint answers application/graphql-response+json or application/json; the Accept header allows neither.",
    )
}

/// How a request came: over GET only queries run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
}

pub async fn post_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "multipart/form-data" {
        return super::multipart::post_multipart(&state, &headers, content_type, body, media).await;
    }
    if essence != APPLICATION_JSON {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql takes a JSON body: send Content-Type: application/json (a writer \
             sending importCounts a file: multipart/form-data).",
        );
    }
    let body = match super::body::read(&headers, body, &state.limits).await {
        Ok(b) => b,
        Err(e) => {
            let mut resp = request_error(e.status, media, e.code, &e.message);
            // The rest of the body (too large, dribbling or broken) is not read, so the
            // connection cannot carry another request: say so, or a client reusing it fails.
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return resp;
        }
    };
    let key = match raw_cache::lookup(&state, &headers, media, false, body.clone()).await {
        raw_cache::Lookup::Hit(resp) => return resp,
        raw_cache::Lookup::Miss(key) => key,
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                &format!("The body is not valid JSON ({e})."),
            );
        }
    };
    if let Value::Array(items) = &value
        && items.len() > state.limits.max_batch
    {
        return refuse(
            media,
            &Refusal {
                code: BATCH_TOO_LARGE,
                message: format!(
                    "The batch holds {} operations; at most {} are accepted in one request.",
                    items.len(),
                    state.limits.max_batch
                ),
            },
        );
    }
    if let Err(msg) = check_shape(&value) {
        return request_error(StatusCode::BAD_REQUEST, media, "BAD_REQUEST", &msg);
    }
    let batch: BatchRequest = match serde_json::from_value(value) {
        Ok(b) => b,
        Err(e) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                &format!("The body is not a GraphQL request: {e}."),
            );
        }
    };
    let resp = super::execute::execute(&state, &headers, batch, media, Method::Post).await;
    raw_cache::keep(&state, key, resp).await
}

/// A request refused for its shape or cost, before anything ran. Like a validation failure, it
/// is a 400 with graphql-response+json and a 200 with plain JSON; a payload over a size limit is
/// a 413 either way.
pub(super) fn refuse(media: MediaType, r: &Refusal) -> Response {
    let status = match r.code {
        PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
        BATCH_TOO_LARGE | "BAD_REQUEST" => StatusCode::BAD_REQUEST,
        _ if media == MediaType::GraphqlResponseJson => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    request_error(status, media, r.code, &r.message)
}

/// The HTTP answer to executed operations, with its caching headers; `conditional` holds the
/// request headers when a `304 Not Modified` may answer (GET).
pub(super) fn respond(
    resp: BatchResponse,
    media: MediaType,
    cache_control: HeaderValue,
    conditional: Option<&HeaderMap>,
) -> Response {
    let (status, body) = match resp {
        BatchResponse::Single(r) => {
            let is_request_error = r.data == async_graphql::Value::Null
                && !r.errors.is_empty()
                && r.errors.iter().all(|e| e.path.is_empty());
            let mut v = serde_json::to_value(&r).unwrap_or_else(|_| json!({}));
            if is_request_error {
                // A request error: the operation never ran, so there is no `data` (spec §7.1.2).
                if let Some(o) = v.as_object_mut() {
                    o.remove("data");
                }
            }
            let status = if is_request_error && media == MediaType::GraphqlResponseJson {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (status, v)
        }
        BatchResponse::Batch(rs) => (
            StatusCode::OK,
            serde_json::to_value(&rs).unwrap_or_else(|_| json!([])),
        ),
    };
    let body = body.to_string();
    let vary = VARY;
    if status != StatusCode::OK {
        let mut out = (status, [(header::CONTENT_TYPE, media.header())], body).into_response();
        let h = out.headers_mut();
        h.insert(header::VARY, vary);
        h.insert(header::CACHE_CONTROL, caching::NO_STORE);
        return out;
    }
    let etag = caching::etag(body.as_bytes());
    let mut out = if conditional.is_some_and(|h| caching::not_modified(h, &etag)) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (status, [(header::CONTENT_TYPE, media.header())], body).into_response()
    };
    let h = out.headers_mut();
    h.insert(header::VARY, vary);
    h.insert(header::CACHE_CONTROL, cache_control);
    h.insert(header::ETAG, etag);
    out
}
