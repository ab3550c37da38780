//! Running a GraphQL request: every operation checked against the limits (shape first, then a
//! batch's summed cost, measured by dry runs: `checks`), then all of them run within the
//! execution timeout under the caller's rate limit (`rate_limit`), each counted in the metrics by
//! operation name, refused ones included.
use std::time::{Duration, Instant};

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::AppState;
use super::checks::dry_run;
pub(super) use super::checks::{check_one, error_code, operation_label, with_codes};
use super::graphql::{
    MediaType, Method, language, mutation_over_get, operation_type, refuse, request_error, respond,
};
use super::limits::Refusal;
pub use super::rate_limit::{PEER_HEADER, RATE_LIMITED, TIMEOUT, rate_limited_message};
pub(super) use super::rate_limit::{rate_limited, timed_out};
use crate::graphql::ApiContext;
use crate::graphql::cost::too_complex;
use crate::graphql::lang::{Language, RequestLanguage};
use crate::graphql::loader::new_loaders;
use crate::ratelimit::RateTicket;

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
            versions,
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
            let keepable = match (&versions[..], &labels[..]) {
                ([Some(version)], [label])
                    if cacheable && single && responses.iter().all(|r| r.errors.is_empty()) =>
                {
                    Some(super::raw_cache::Keepable {
                        label: label.clone(),
                        version: version.clone(),
                    })
                }
                _ => None,
            };
            let resp = if single {
                BatchResponse::Single(responses.into_iter().next().unwrap_or_default())
            } else {
                BatchResponse::Batch(responses)
            };
            let conditional = (method == Method::Get).then_some(headers);
            let mut out = respond(resp, media, cache_control, conditional);
            if let Some(k) = keepable {
                out.extensions_mut().insert(k);
            }
            out
        }
        Err(Refused(resp, code)) => {
            for label in &labels {
                m.observe_operation(label, [code], seconds);
            }
            resp
        }
    }
}

/// The answers to a request's operations.
struct Executed {
    responses: Vec<async_graphql::Response>,
    /// The data version each answer was made for, where the response cache knew it.
    versions: Vec<Option<std::sync::Arc<str>>>,
    single: bool,
    /// Only queries, sent without credentials: HTTP caches may keep the answer.
    cacheable: bool,
}

/// A request answered before it ran, and the code it was refused with.
struct Refused(Response, &'static str);

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
                        let (resp, outcome, version) =
                            cache.execute(schema, &reading.db, r, lang).await;
                        state.metrics.observe_cache(label, outcome.label());
                        (resp, version)
                    }
                    None => (schema.execute(r).await, None),
                }
            }
        }))
        .await;
        // The data version is looked up anew after a write: a public change (a release, a
        // catalogue edit) is never answered from the old answers again; a draft write leaves the
        // version as it was. Other replicas see a new version within their release check.
        if writes {
            match &state.cache {
                Some(cache) => cache.data_changed(),
                None => state.api.reference.invalidate(),
            }
        }
        let mut versions = vec![None; out.len()];
        for (i, (r, version)) in slots.into_iter().zip(done) {
            out[i] = Some(r);
            versions[i] = version;
        }
        let responses = out
            .into_iter()
            .map(|r| with_codes(r.unwrap_or_default()))
            .collect::<Vec<_>>();
        (responses, versions)
    };
    let ms = l.execution_timeout_ms;
    let Ok((responses, versions)) = tokio::time::timeout(Duration::from_millis(ms), run).await
    else {
        return Err(Refused(timed_out(media, ms), TIMEOUT));
    };
    let cacheable = shareable && queries.iter().all(|q| *q);
    Ok(Executed {
        responses,
        versions,
        single,
        cacheable,
    })
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
        .data(new_loaders(api))
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
