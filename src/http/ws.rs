//! `GET /graphql` serves three things: GraphiQL to browsers, queries over GET, and the
//! graphql-transport-ws protocol (and the older graphql-ws) when the request is a WebSocket
//! upgrade. An operation sent over a WebSocket goes through what one sent over HTTP goes
//! through: the shape limits, the caller's rate limit and its cost, the execution timeout (for
//! queries and mutations; a subscription lives as long as the client wants it), coded errors,
//! the metrics by operation name, and the same per-operation data (DataLoaders, language,
//! caller). A message is at most as large as an HTTP body may be.
use std::any::TypeId;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, ErrorExtensionValues, Executor, Request as GqlRequest, ServerError};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{FromRequestParts, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream, StreamExt};

use super::AppState;
use super::execute::{
    PEER_HEADER, RATE_LIMITED, TIMEOUT, check_one, error_code, operation_label, prepare,
    rate_limited_message, with_codes,
};
use super::graphql::{MediaType, language, operation_type, request_error};
use crate::auth::Caller;
use crate::graphql::lang::Language;
use crate::ratelimit::RateTicket;

fn is_websocket(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

pub async fn get_graphql(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    if !is_websocket(&parts.headers) {
        return super::graphql::get_graphql(State(state), parts.headers, parts.uri).await;
    }
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let headers = parts.headers;
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let connection = Connection {
        peer: text(PEER_HEADER).and_then(|p| p.parse().ok()),
        forwarded_for: text("x-forwarded-for"),
        authorization: text("authorization"),
    };
    // A key sent with the upgrade is checked before it, as over HTTP.
    if let Err(e) = connection.session(&state, None).await {
        return refused_upgrade(e);
    }
    let executor = WsExecutor {
        state: state.clone(),
        lang: language(&headers),
    };
    let max = state.limits.max_body_bytes;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |stream| {
            GraphQLWebSocket::new(stream, executor, protocol)
                .on_connection_init(move |payload| async move {
                    // `connection_init` may carry the key (browsers cannot set headers on a
                    // WebSocket): `{"Authorization": "Bearer <key>"}`.
                    let from_payload = ["Authorization", "authorization"]
                        .iter()
                        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                        .map(str::to_owned);
                    let session = connection
                        .session(&state, from_payload)
                        .await
                        .map_err(|e| async_graphql::Error::new(e.public_message()))?;
                    let mut data = Data::default();
                    data.insert(session);
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

fn refused_upgrade(e: crate::error::AppError) -> Response {
    let status = if e.is_internal() {
        tracing::error!(error = ?e, "authentication failed");
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::UNAUTHORIZED
    };
    request_error(status, MediaType::Json, e.code(), &e.public_message())
}

/// What the upgrade request says of its client.
struct Connection {
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<String>,
    authorization: Option<String>,
}

impl Connection {
    /// Who the operations of this connection run as, and whose budget pays for them: the key of
    /// `connection_init` if it sends one, else the upgrade's.
    async fn session(
        &self,
        state: &AppState,
        authorization: Option<String>,
    ) -> Result<Session, crate::error::AppError> {
        let authorization = authorization.or_else(|| self.authorization.clone());
        let caller = crate::auth::authenticate(&state.api.db, authorization.as_deref()).await?;
        let client = state.ratelimit.as_ref().map(|l| {
            l.client_key(
                self.peer,
                self.forwarded_for.as_deref(),
                authorization.as_deref(),
            )
        });
        Ok(Session { caller, client })
    }
}

/// The connection's data (set by `connection_init`).
#[derive(Clone)]
struct Session {
    caller: Caller,
    /// The rate-limit client; `None` when rate limiting is off.
    client: Option<String>,
}

/// Runs each operation of a connection with the checks of HTTP (see the module documentation).
#[derive(Clone)]
struct WsExecutor {
    state: AppState,
    lang: Option<Language>,
}

/// A response holding one coded request error.
fn coded(code: &str, message: &str) -> async_graphql::Response {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    e.extensions = Some(ext);
    async_graphql::Response::from_errors(vec![e])
}

impl Executor for WsExecutor {
    async fn execute(&self, request: GqlRequest) -> async_graphql::Response {
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: GqlRequest,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let session = session_data
            .as_deref()
            .and_then(|d| d.get(&TypeId::of::<Session>()))
            .and_then(|b| b.downcast_ref::<Session>())
            .cloned();
        let this = self.clone();
        stream::once(async move { this.run(request, session).await })
            .flatten()
            .boxed()
    }
}

impl WsExecutor {
    async fn run(
        self,
        mut req: GqlRequest,
        session: Option<Session>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let state = &self.state;
        let started = Instant::now();
        let once = |r: async_graphql::Response| stream::once(async move { r }).boxed();
        let observe = |label: &str, r: &async_graphql::Response| {
            state.metrics.observe_operation(
                label,
                r.errors.iter().map(error_code),
                started.elapsed().as_secs_f64(),
            );
        };
        let checked = check_one(&req, &state.limits);
        let label = operation_label(state, &req, checked.as_ref().ok().and_then(Option::as_ref));
        let mut ty = None;
        match checked {
            Err(refusal) => {
                let r = coded(refusal.code, &refusal.message);
                observe(&label, &r);
                return once(r);
            }
            Ok(Some(doc)) => {
                ty = operation_type(&doc, &req);
                req.set_parsed_query(doc);
            }
            // async-graphql reports the syntax error with its position.
            Ok(None) => {}
        }
        let ticket = match (
            &state.ratelimit,
            session.as_ref().and_then(|s| s.client.clone()),
        ) {
            (Some(limiter), Some(client)) => Some(RateTicket {
                limiter: limiter.clone(),
                client,
                state: Default::default(),
            }),
            _ => None,
        };
        if let Some(t) = &ticket {
            let budget = t.limiter.charge(&t.client, 0).await;
            if budget.remaining == 0 {
                state.metrics.rate_limit_refusals.inc();
                let r = coded(RATE_LIMITED, &rate_limited_message(&budget));
                observe(&label, &r);
                return once(r);
            }
        }
        let caller = session.map(|s| s.caller).unwrap_or_else(Caller::anonymous);
        // A query reads from one read connection (a replica, when configured); the rest from
        // the primary.
        let api = if ty == Some(OperationType::Query) {
            state.api.for_reads()
        } else {
            state.api.clone()
        };
        let req = prepare(&api, req, self.lang, &caller, ticket.as_ref());
        state.metrics.graphql_requests.inc();
        if ty == Some(OperationType::Subscription) {
            // Counted when it starts (its first answer is a refusal, or its first event).
            let schema = state.schema.clone();
            let metrics = state.metrics.clone();
            let mut first = true;
            return schema
                .execute_stream(req)
                .map(with_codes)
                .map(move |r| {
                    if std::mem::take(&mut first) {
                        metrics.observe_operation(
                            &label,
                            r.errors.iter().map(error_code),
                            started.elapsed().as_secs_f64(),
                        );
                    }
                    r
                })
                .boxed();
        }
        let ms = state.limits.execution_timeout_ms;
        let r = match tokio::time::timeout(Duration::from_millis(ms), state.schema.execute(req))
            .await
        {
            Ok(r) => with_codes(r),
            Err(_) => {
                tracing::warn!(timeout_ms = ms, "operation execution timed out");
                coded(
                    TIMEOUT,
                    &format!(
                        "The operation took longer than {ms} ms to execute, the limit: ask for less (smaller pages, fewer fields) or split it."
                    ),
                )
            }
        };
        if let Some(t) = &ticket
            && t.last().is_none()
        {
            // Nothing was validated (a syntax error): one point, as over HTTP.
            t.pay(1).await;
        }
        if ty == Some(OperationType::Mutation)
            && let Some(cache) = &state.cache
        {
            cache.data_changed();
        }
        observe(&label, &r);
        once(r)
    }
}
