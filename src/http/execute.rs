//! Running a GraphQL request: every operation checked against the limits (shape first, then a
//! batch's summed cost, measured by dry runs), then all of them run within the execution timeout,
//! each counted in the metrics by operation name, refused ones included.
use std::time::{Duration, Instant};

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::AppState;
use super::graphql::{
    MediaType, Method, language, mutation_over_get, operation_type, refuse, request_error, respond,
};
use super::limits::{self, PAYLOAD_TOO_LARGE, ParseOutcome, Refusal};
use crate::config::LimitsConfig;
use crate::graphql::ApiContext;
use crate::graphql::cost::{CostProbe, too_complex};
use crate::graphql::lang::{Language, RequestLanguage};
use crate::graphql::loader::new_loaders;
use crate::ratelimit::{RateLimiter, RateTicket};

/// The header the connection layer sets to the peer's address (any value a client sent is
/// replaced), so the handlers know who is asking.
pub const PEER_HEADER: &str = "x-ctip-peer";

/// Runs a request under the caller's rate limit: refused at once when the budget is spent, each
/// operation charged its cost during validation (at least 1 point a request), and the budget
/// shown on the answer (`x-ratelimit-*`; 429 with `Retry-After` when over).
pub(super) async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    batch: BatchRequest,
    media: MediaType,
    method: Method,
) -> Response {
    rate_limited(state, headers, media, |ticket| async move {
        execute_counted(state, headers, batch, media, method, ticket.as_ref()).await
    })
    .await
}

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

/// Runs a request and counts each of its operations in the metrics, refused ones included.
async fn execute_counted(
    state: &AppState,
    headers: &HeaderMap,
    batch: BatchRequest,
    media: MediaType,
    method: Method,
    ticket: Option<&RateTicket>,
) -> Response {
    let started = Instant::now();
    let mut labels = Vec::new();
    let outcome = run(state, headers, batch, media, method, &mut labels, ticket).await;
    let seconds = started.elapsed().as_secs_f64();
    // The request's span (its log lines, its exported trace) names the operations by the same
    // bounded labels as the metrics, never by the raw name a client sent.
    if !labels.is_empty() {
        tracing::Span::current().record("operation", labels.join(","));
    }
    let m = &state.metrics;
    match outcome {
        Ok(Executed {
            responses,
            single,
            cacheable,
        }) => {
            for (label, r) in labels.iter().zip(&responses) {
                m.observe_operation(label, r.errors.iter().map(error_code), seconds);
            }
            let cache_control = if cacheable {
                super::caching::cache_control(
                    &responses,
                    state.http.cache_stale_while_revalidate_seconds,
                )
            } else {
                super::caching::NO_STORE
            };
            let resp = if single {
                BatchResponse::Single(responses.into_iter().next().unwrap_or_default())
            } else {
                BatchResponse::Batch(responses)
            };
            let conditional = (method == Method::Get).then_some(headers);
            respond(resp, media, cache_control, conditional)
        }
        Err(Refused(resp, code)) => {
            for label in &labels {
                m.observe_operation(label, [code], seconds);
            }
            resp
        }
    }
}

pub(super) fn error_code(e: &async_graphql::ServerError) -> &str {
    e.extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .and_then(|v| match v {
            async_graphql::Value::String(s) => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or("UNKNOWN")
}

/// The answers to a request's operations.
struct Executed {
    responses: Vec<async_graphql::Response>,
    single: bool,
    /// Only queries, sent without credentials: HTTP caches may keep the answer.
    cacheable: bool,
}

/// A request answered before it ran, and the code it was refused with.
struct Refused(Response, &'static str);

/// The metrics label of an operation: its name when the document holds it.
pub(super) fn operation_label(
    state: &AppState,
    r: &Request,
    doc: Option<&ExecutableDocument>,
) -> String {
    let m = &state.metrics;
    match (r.operation_name.as_deref(), doc) {
        (Some(name), Some(doc))
            if !doc
                .operations
                .iter()
                .any(|(n, _)| n.is_some_and(|n| n.as_str() == name)) =>
        {
            crate::metrics::UNKNOWN.to_owned()
        }
        (Some(name), _) => m.operation_label(Some(name)),
        (None, Some(doc)) => {
            let mut ops = doc.operations.iter();
            match (ops.next(), ops.next()) {
                (Some((name, _)), None) => m.operation_label(name.map(|n| n.as_str())),
                _ => m.operation_label(None),
            }
        }
        // Not parsed (refused or broken): the name of a document that starts with it.
        (None, None) => m.operation_label(leading_operation_name(&r.query)),
    }
}

/// `Name` in a document starting `query Name`, `mutation Name` or `subscription Name`.
fn leading_operation_name(query: &str) -> Option<&str> {
    let rest = query.trim_start();
    let rest = ["query", "mutation", "subscription"]
        .iter()
        .find_map(|k| rest.strip_prefix(k))?;
    let rest = rest.strip_prefix(|c: char| c.is_whitespace())?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Checks every operation of the request against the limits, then runs them all within the
/// execution timeout. Nothing runs unless the whole request passes.
async fn run(
    state: &AppState,
    headers: &HeaderMap,
    batch: BatchRequest,
    media: MediaType,
    method: Method,
    labels: &mut Vec<String>,
    ticket: Option<&RateTicket>,
) -> Result<Executed, Refused> {
    let l = &state.limits;
    let (mut requests, single) = match batch {
        BatchRequest::Single(r) => (vec![r], true),
        BatchRequest::Batch(rs) => (rs, false),
    };
    // Documents named by hash first: everything after looks at the document itself.
    for i in 0..requests.len() {
        if let Err(refusal) = state.persisted.resolve(&mut requests[i]).await {
            labels.extend(requests.iter().map(|r| operation_label(state, r, None)));
            return Err(Refused(refuse(media, &refusal), refusal.code));
        }
    }
    let checked: Vec<Result<Option<ExecutableDocument>, Refusal>> =
        requests.iter().map(|r| check_one(r, l)).collect();
    for (r, c) in requests.iter().zip(&checked) {
        labels.push(operation_label(
            state,
            r,
            c.as_ref().ok().and_then(Option::as_ref),
        ));
    }
    let mut queries = Vec::with_capacity(requests.len());
    let mut writes = false;
    for (r, c) in requests.iter_mut().zip(checked) {
        match c {
            Err(refusal) => return Err(Refused(refuse(media, &refusal), refusal.code)),
            Ok(Some(doc)) => {
                let ty = operation_type(&doc, r);
                writes |= ty == Some(OperationType::Mutation);
                if method == Method::Get && ty == Some(OperationType::Mutation) {
                    return Err(Refused(mutation_over_get(media), "METHOD_NOT_ALLOWED"));
                }
                // An answer holding the caller's own rate-limit budget is never shared.
                queries.push(ty == Some(OperationType::Query) && !r.query.contains("rateLimit"));
                r.set_parsed_query(doc);
            }
            // async-graphql reports the syntax error with its position.
            Ok(None) => queries.push(false),
        }
    }
    // Only queries anyone may send are shared: a caller with credentials may see more.
    let shareable = !headers.contains_key(header::AUTHORIZATION);
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
            let code = crate::graphql::cost::QUERY_TOO_COMPLEX;
            let refusal = Refusal {
                code,
                message: e.message,
            };
            return Err(Refused(refuse(media, &refusal), code));
        }
    }
    let lang = language(headers);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = match crate::auth::authenticate(&state.api.db, authorization).await {
        Ok(c) => c,
        Err(e) => {
            let status = if e.is_internal() {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::UNAUTHORIZED
            };
            if e.is_internal() {
                tracing::error!(error = ?e, "authentication failed");
            }
            return Err(Refused(
                request_error(status, media, e.code(), &e.public_message()),
                e.code(),
            ));
        }
    };
    // A request that only reads takes its read connection (a replica, when configured) once,
    // for everything it reads, its cached answer's data version included; one that writes reads
    // the primary throughout, its own writes included.
    let reading = if writes {
        state.api.clone()
    } else {
        state.api.for_reads()
    };
    let run = async {
        let mut out = Vec::with_capacity(requests.len());
        let mut pending = Vec::new();
        for (i, r) in requests.into_iter().enumerate() {
            match answers.get_mut(i).and_then(Option::take) {
                Some(answer) => out.push(Some(answer)),
                None => {
                    out.push(None);
                    let api = if queries[i] { &reading } else { &state.api };
                    pending.push((i, prepare(api, r, lang, &caller, ticket)));
                }
            }
        }
        state.metrics.graphql_requests.inc_by(pending.len() as u64);
        let (slots, reqs): (Vec<_>, Vec<_>) = pending.into_iter().unzip();
        let done = futures_util::future::join_all(slots.iter().zip(reqs).map(|(&i, r)| {
            let schema = &state.schema;
            let cached = state.cache.as_ref().filter(|_| shareable && queries[i]);
            let label = &labels[i];
            let reading = &reading;
            async move {
                match cached {
                    Some(cache) => {
                        let (resp, outcome) = cache.execute(schema, &reading.db, r, lang).await;
                        state.metrics.observe_cache(label, outcome.label());
                        resp
                    }
                    None => schema.execute(r).await,
                }
            }
        }))
        .await;
        // The data version is looked up anew after a write: a public change (a release, a
        // catalogue edit) is never answered from the old answers again; a draft write leaves the
        // version as it was. Other replicas see a new version within their release check.
        if writes && let Some(cache) = &state.cache {
            cache.data_changed();
        }
        for (i, r) in slots.into_iter().zip(done) {
            out[i] = Some(r);
        }
        out.into_iter()
            .map(|r| with_codes(r.unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let ms = l.execution_timeout_ms;
    let Ok(responses) = tokio::time::timeout(Duration::from_millis(ms), run).await else {
        return Err(Refused(timed_out(media, ms), TIMEOUT));
    };
    let cacheable = shareable && queries.iter().all(|q| *q);
    Ok(Executed {
        responses,
        single,
        cacheable,
    })
}

/// The variables size and the document's shape; `None` when it does not parse.
pub(super) fn check_one(
    r: &Request,
    l: &LimitsConfig,
) -> Result<Option<ExecutableDocument>, Refusal> {
    let vars = serde_json::to_string(&r.variables).map_or(0, |v| v.len());
    if vars > l.max_variables_bytes {
        return Err(Refusal {
            code: PAYLOAD_TOO_LARGE,
            message: format!(
                "The variables are {vars} bytes of JSON; at most {} are accepted.",
                l.max_variables_bytes
            ),
        });
    }
    match limits::parse_and_check(&r.query, l) {
        Ok(doc) => Ok(Some(doc)),
        Err(ParseOutcome::Refused(refusal)) => Err(refusal),
        Err(ParseOutcome::Unparsable) => Ok(None),
    }
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

/// The request with its per-request data; `api` is the context it runs in (see
/// [`ApiContext::for_reads`]).
pub(super) fn prepare(
    api: &ApiContext,
    req: Request,
    lang: Option<Language>,
    caller: &crate::auth::Caller,
    ticket: Option<&RateTicket>,
) -> Request {
    let mut req = req
        .data(new_loaders(
            api.db.clone(),
            api.disclosure.clone(),
            api.loader_delay,
        ))
        .data(api.clone())
        .data(caller.clone());
    if let Some(l) = lang {
        req = req.data(RequestLanguage(l));
    }
    if let Some(t) = ticket {
        req = req.data(t.clone());
    }
    req
}

/// Gives every error a stable `extensions.code`: async-graphql's own errors (parse, validation,
/// input coercion) carry none.
pub(super) fn with_codes(mut r: async_graphql::Response) -> async_graphql::Response {
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
