//! `POST /import/counts?source=CODE&dryRun=true`: a data owner's CSV file of counts, sent as the
//! body (`Content-Type: text/csv`) with `Authorization: Bearer <key>`. The body is streamed into
//! the same import as `importCounts` and the command line (same checks, line-numbered problems,
//! all or nothing, audited), under the writers' own size limit, `--max-upload-bytes`; it is never
//! held whole. The answer is `importCounts`'s result as JSON: 200 when the file was accepted, 422
//! with every problem when it was refused, or a coded error as GraphQL gives one.
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State, rejection::QueryRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use tokio_util::io::{StreamReader, SyncIoBridge};

use super::AppState;
use crate::error::AppError;
use crate::graphql::mutation::ImportResult;
use crate::store::writes::Actor;

/// The query parameters.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UploadParams {
    source: Option<String>,
    dry_run: Option<bool>,
}

/// Why the body stopped before its end, noted by the stream for the handler to answer.
pub(super) const BODY_OK: u8 = 0;
pub(super) const BODY_TOO_LARGE: u8 = 1;
pub(super) const BODY_STALLED: u8 = 2;
pub(super) const BODY_BROKEN: u8 = 3;

pub async fn import_counts(
    State(state): State<AppState>,
    params: Result<Query<UploadParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match run(&state, params, &headers, body).await {
        Ok(resp) => resp,
        Err(e) => error(e),
    }
}

/// A refusal: status, code, message.
struct Refusal(StatusCode, &'static str, String);

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        let status = match &e {
            AppError::BadUserInput(_) | AppError::GrainNotAllowed(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Database(_) | AppError::Internal(_) => {
                // Logged once, here where it leaves the application; never sent.
                tracing::error!(error = ?e, "upload failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Refusal(status, e.code(), e.public_message())
    }
}

fn error(Refusal(status, code, message): Refusal) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut resp = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn run(
    state: &AppState,
    params: Result<Query<UploadParams>, QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let bad = |m: String| Refusal(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", m);
    let Query(params) = params.map_err(|e| {
        bad(format!(
            "{}: the parameters are source=<code> and, optionally, dryRun=true",
            e.body_text()
        ))
    })?;
    let source = params
        .source
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad("`source` is missing: name the source the counts come from, e.g. ?source=mps-report-2025".to_owned()))?;
    check_content_type(headers)?;

    // The same check as `importCounts`, before a byte of the body is read.
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""));
    let caller = crate::auth::authenticate(&state.api.db, authorization).await?;
    let (k1, src) =
        crate::import::authorize(&state.api.db, state.api.k1.as_deref(), &caller, &source).await?;

    let max = state.limits.max_upload_bytes;
    let too_large = || {
        Refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            super::limits::PAYLOAD_TOO_LARGE,
            format!(
                "The file exceeds {max} bytes, this server's limit for uploads \
                 (--max-upload-bytes): split it, e.g. one file per year."
            ),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max) {
        return Err(too_large());
    }

    let stopped = Arc::new(AtomicU8::new(BODY_OK));
    let stall = Duration::from_millis(state.limits.body_read_timeout_ms);
    let reader = SyncIoBridge::new(StreamReader::new(limited(
        body,
        max,
        stall,
        stopped.clone(),
    )));
    let actor = Actor {
        key_id: caller.key_id,
        name: caller.actor(),
    };
    let dry_run = params.dry_run.unwrap_or(false);
    let outcome = crate::import::import_counts(
        &state.api.db,
        k1,
        src.id,
        reader,
        &actor,
        dry_run,
        state.api.max_cell_count,
    )
    .await;
    // A body cut short is answered as such, whatever the parser made of its end.
    match stopped.load(Ordering::SeqCst) {
        BODY_TOO_LARGE => return Err(too_large()),
        BODY_STALLED => {
            return Err(Refusal(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                format!(
                    "The upload stalled: no data arrived for {} ms. Nothing was written; send \
                     the file again.",
                    stall.as_millis()
                ),
            ));
        }
        BODY_BROKEN => {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "The upload was interrupted. Nothing was written; send the file again.".to_owned(),
            ));
        }
        _ => {}
    }
    let outcome = outcome?;
    let status = if outcome.accepted {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let result = ImportResult::from(outcome);
    let mut resp = (status, axum::Json(result)).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `text/csv`, in UTF-8 if a charset is named.
fn check_content_type(headers: &HeaderMap) -> Result<(), Refusal> {
    let unsupported = |m: String| Refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_USER_INPUT", m);
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime: mime::Mime = value.parse().map_err(|_| {
        unsupported(
            "send the file with `Content-Type: text/csv` (curl: -H 'content-type: text/csv' \
             --data-binary @counts.csv)"
                .to_owned(),
        )
    })?;
    if (mime.type_(), mime.subtype()) != (mime::TEXT, mime::CSV) {
        return Err(unsupported(format!(
            "`Content-Type: {value}` is not accepted: send the file as `text/csv` (curl: -H \
             'content-type: text/csv' --data-binary @counts.csv)"
        )));
    }
    match mime.get_param(mime::CHARSET) {
        Some(c) if c != mime::UTF_8 => Err(unsupported(format!(
            "the file must be UTF-8, not {c}: save it again as \"CSV UTF-8\" and send it with \
             `Content-Type: text/csv` or `text/csv; charset=utf-8`"
        ))),
        _ => Ok(()),
    }
}

/// The body as a stream of chunks that ends in an error when it passes `max` bytes, when no
/// chunk arrives within `stall`, or when the connection breaks; `stopped` says which.
pub(super) fn limited(
    body: Body,
    max: u64,
    stall: Duration,
    stopped: Arc<AtomicU8>,
) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Unpin + Send + 'static {
    let stream = body.into_data_stream();
    Box::pin(futures_util::stream::unfold(
        (stream, 0u64, false),
        move |(mut stream, seen, done)| {
            let stopped = stopped.clone();
            async move {
                if done {
                    return None;
                }
                let fail = |why: u8, stream| {
                    stopped.store(why, Ordering::SeqCst);
                    let e = io::Error::other("the upload stopped");
                    Some((Err(e), (stream, seen, true)))
                };
                match tokio::time::timeout(stall, stream.next()).await {
                    Err(_) => fail(BODY_STALLED, stream),
                    Ok(None) => None,
                    Ok(Some(Err(_))) => fail(BODY_BROKEN, stream),
                    Ok(Some(Ok(chunk))) => {
                        let seen = seen + chunk.len() as u64;
                        if seen > max {
                            return fail(BODY_TOO_LARGE, stream);
                        }
                        Some((Ok(chunk), (stream, seen, false)))
                    }
                }
            }
        },
    ))
}
