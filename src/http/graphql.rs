//! GraphQL over HTTP (graphql/graphql-over-http): media types chosen by `Accept`, status codes
//! by the kind of error, queries only over GET. The stock async-graphql-axum handler always labels
//! its answer graphql-response+json and answers 200 with `data: null` on request errors; this
//! handler follows the specification instead.
use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::limits::{self, BATCH_TOO_LARGE, PAYLOAD_TOO_LARGE, ParseOutcome, Refusal};
use crate::graphql::cost::{CostProbe, too_complex};
use crate::graphql::lang::{Language, RequestLanguage};
use crate::graphql::loader::new_loaders;

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const APPLICATION_JSON: &str = "application/json";

/// The media type a response is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn header(self) -> HeaderValue {
        match self {
            MediaType::GraphqlResponseJson => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
            MediaType::Json => HeaderValue::from_static("application/json; charset=utf-8"),
        }
    }
}

/// Picks the response media type from `Accept` (highest q wins; graphql-response+json on ties).
/// No `Accept` means `application/json`, as the specification asks for older clients.
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
            GRAPHQL_RESPONSE_JSON | "*/*" | "application/*" => MediaType::GraphqlResponseJson,
            APPLICATION_JSON => MediaType::Json,
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
fn request_error(status: StatusCode, media: MediaType, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, media.header())],
        body.to_string(),
    )
        .into_response()
}

fn language(headers: &HeaderMap) -> Option<Language> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Language::from_accept_language)
}

/// The operation a request would run, to refuse mutations over GET before executing anything.
fn operation_type(doc: &ExecutableDocument, req: &Request) -> Option<OperationType> {
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
    let req = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(e) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                &format!(
                    "The GET parameters are not a GraphQL request: {e}. Send `query` (and optionally `variables` as JSON, `operationName`)."
                ),
            );
        }
    };
    if req.query.trim().is_empty() {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "Missing `query` parameter: GET /graphql?query={...}",
        );
    }
    execute(
        &state,
        &headers,
        BatchRequest::Single(req),
        media,
        Method::Get,
    )
    .await
}

fn mutation_over_get(media: MediaType) -> Response {
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
enum Method {
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
    if essence != APPLICATION_JSON {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql takes a JSON body: send Content-Type: application/json.",
        );
    }
    let body = match super::body::read(&headers, body, &state.limits).await {
        Ok(b) => b,
        Err(e) => {
            let mut resp = request_error(e.status, media, e.code, &e.message);
            if e.status == StatusCode::REQUEST_TIMEOUT {
                // The rest of a dribbling body is not worth waiting for.
                resp.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            return resp;
        }
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
    execute(&state, &headers, batch, media, Method::Post).await
}

/// A request refused for its shape or cost, before anything ran. Like a validation failure, it
/// is a 400 with graphql-response+json and a 200 with plain JSON; a payload over a size limit is
/// a 413 either way.
fn refuse(media: MediaType, r: &Refusal) -> Response {
    let status = match r.code {
        PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
        BATCH_TOO_LARGE => StatusCode::BAD_REQUEST,
        _ if media == MediaType::GraphqlResponseJson => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    request_error(status, media, r.code, &r.message)
}

/// A request must be an object with a string `query` (or a non-empty array of such objects).
fn check_shape(v: &Value) -> Result<(), String> {
    let one = |o: &Value| -> Result<(), String> {
        let obj = o
            .as_object()
            .ok_or("Each GraphQL request must be a JSON object {\"query\": \"...\"}.")?;
        match obj.get("query") {
            Some(Value::String(_)) => {}
            None => {
                return Err("Missing `query`: the body must be {\"query\": \"...\"}.".to_owned());
            }
            Some(_) => {
                return Err("`query` must be a string holding a GraphQL document.".to_owned());
            }
        }
        match obj.get("variables") {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(_) => return Err("`variables` must be a JSON object.".to_owned()),
        }
        match obj.get("operationName") {
            None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
            Some(_) => Err("`operationName` must be a string.".to_owned()),
        }
    };
    match v {
        Value::Array(items) if items.is_empty() => {
            Err("An empty batch holds no request.".to_owned())
        }
        Value::Array(items) => items.iter().try_for_each(one),
        other => one(other),
    }
}

/// Checks every operation of the request against the limits, then runs them all within the
/// execution timeout. Nothing runs unless the whole request passes.
async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    batch: BatchRequest,
    media: MediaType,
    method: Method,
) -> Response {
    let l = &state.limits;
    let (mut requests, single) = match batch {
        BatchRequest::Single(r) => (vec![r], true),
        BatchRequest::Batch(rs) => (rs, false),
    };
    for r in &mut requests {
        let vars = serde_json::to_string(&r.variables).map_or(0, |v| v.len());
        if vars > l.max_variables_bytes {
            return refuse(
                media,
                &Refusal {
                    code: PAYLOAD_TOO_LARGE,
                    message: format!(
                        "The variables are {vars} bytes of JSON; at most {} are accepted.",
                        l.max_variables_bytes
                    ),
                },
            );
        }
        match limits::parse_and_check(&r.query, l) {
            Ok(doc) => {
                if method == Method::Get && operation_type(&doc, r) == Some(OperationType::Mutation)
                {
                    return mutation_over_get(media);
                }
                r.set_parsed_query(doc);
            }
            Err(ParseOutcome::Refused(refusal)) => return refuse(media, &refusal),
            // async-graphql reports the syntax error with its position.
            Err(ParseOutcome::Unparsable) => {}
        }
    }
    // A batch costs the sum of its parts: measure each without running it first.
    let mut answers: Vec<Option<async_graphql::Response>> = Vec::new();
    if !single {
        let mut total = 0usize;
        for r in &mut requests {
            let (answer, cost) = dry_run(state, r).await;
            total = total.saturating_add(cost);
            answers.push(answer);
        }
        if total > l.max_complexity {
            let e = too_complex(total, l.max_complexity);
            return refuse(
                media,
                &Refusal {
                    code: crate::graphql::cost::QUERY_TOO_COMPLEX,
                    message: e.message,
                },
            );
        }
    }
    let lang = language(headers);
    let run = async {
        let mut out = Vec::with_capacity(requests.len());
        let mut pending = Vec::new();
        for (i, r) in requests.into_iter().enumerate() {
            match answers.get_mut(i).and_then(Option::take) {
                Some(answer) => out.push(Some(answer)),
                None => {
                    out.push(None);
                    pending.push((i, prepare(state, r, lang)));
                }
            }
        }
        state.metrics.graphql_requests.inc_by(pending.len() as u64);
        let (slots, reqs): (Vec<_>, Vec<_>) = pending.into_iter().unzip();
        let done = match state.schema.execute_batch(BatchRequest::Batch(reqs)).await {
            BatchResponse::Batch(rs) => rs,
            BatchResponse::Single(r) => vec![r],
        };
        for (i, r) in slots.into_iter().zip(done) {
            out[i] = Some(r);
        }
        out.into_iter()
            .map(|r| with_codes(r.unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let ms = l.execution_timeout_ms;
    let Ok(mut responses) = tokio::time::timeout(Duration::from_millis(ms), run).await else {
        tracing::warn!(timeout_ms = ms, "request execution timed out");
        let mut resp = request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            media,
            "TIMEOUT",
            &format!(
                "The request took longer than {ms} ms to execute, the limit: ask for less (smaller pages, fewer fields) or split it."
            ),
        );
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return resp;
    };
    let resp = if single {
        BatchResponse::Single(responses.remove(0))
    } else {
        BatchResponse::Batch(responses)
    };
    respond(resp, media)
}

/// Parses and validates a batch part without running it: its answer when it failed, its cost.
async fn dry_run(state: &AppState, r: &mut Request) -> (Option<async_graphql::Response>, usize) {
    let probe = CostProbe::default();
    let mut check = Request::new(r.query.clone()).variables(r.variables.clone());
    if let Some(name) = &r.operation_name {
        check = check.operation_name(name.clone());
    }
    if let Ok(doc) = r.parsed_query() {
        check.set_parsed_query(doc.clone());
    }
    let answer = state.schema.execute(check.data(probe.clone())).await;
    let failed = !answer.errors.is_empty();
    (failed.then_some(answer), probe.cost())
}

fn respond(resp: BatchResponse, media: MediaType) -> Response {
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
    let mut out = (
        status,
        [(header::CONTENT_TYPE, media.header())],
        body.to_string(),
    )
        .into_response();
    out.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language, Accept-Encoding"),
    );
    out
}

fn prepare(state: &AppState, req: Request, lang: Option<Language>) -> Request {
    let mut req = req.data(new_loaders(
        state.api.db.clone(),
        state.api.disclosure.clone(),
    ));
    if let Some(l) = lang {
        req = req.data(RequestLanguage(l));
    }
    req
}

/// Gives every error a stable `extensions.code`: async-graphql's own errors (parse, validation,
/// input coercion) carry none.
fn with_codes(mut r: async_graphql::Response) -> async_graphql::Response {
    let request_error =
        r.data == async_graphql::Value::Null && r.errors.iter().all(|e| e.path.is_empty());
    for e in &mut r.errors {
        let ext = e.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            let code = if e.message.starts_with("The recursion depth of the query")
                || e.message.starts_with("Query is nested too deep")
            {
                limits::QUERY_TOO_DEEP
            } else if e.message.starts_with("Query is too complex") {
                limits::QUERY_TOO_COMPLEX
            } else if !e.path.is_empty() {
                "BAD_USER_INPUT"
            } else if request_error && e.message.contains("Parse error")
                || e.message.starts_with(" -->")
            {
                "GRAPHQL_PARSE_FAILED"
            } else {
                "GRAPHQL_VALIDATION_FAILED"
            };
            ext.set("code", code);
        }
    }
    r
}
