//! `POST /graphql` as a multipart request (the GraphQL multipart request specification): how a
//! writer sends `importCounts` a file. Only a caller with a writer's key may send one; the body
//! then has the writers' size limit (`--max-upload-bytes`) instead of the public one, and the file
//! is spooled to a temporary file as it arrives (never held in memory), then read by the import.
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use async_graphql::http::MultipartOptions;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio_util::compat::TokioAsyncReadCompatExt;
use tokio_util::io::StreamReader;

use super::AppState;
use super::graphql::{MediaType, Method, request_error};
use super::limits::PAYLOAD_TOO_LARGE;
use super::upload::{BODY_OK, BODY_STALLED, BODY_TOO_LARGE, limited};
use crate::auth::Role;

pub(super) async fn post_multipart(
    state: &AppState,
    headers: &HeaderMap,
    content_type: &str,
    body: Body,
    media: MediaType,
) -> Response {
    let refuse = |status, code, message: &str| {
        let mut resp = request_error(status, media, code, message);
        // The body is not read: the connection cannot carry another request.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        resp
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""));
    match crate::auth::authenticate(&state.api.db, authorization).await {
        Ok(caller) if caller.role >= Role::Editor => {}
        Ok(caller) if caller.key_id.is_none() => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "A multipart request carries a file for importCounts, which needs an API key \
                 with role EDITOR: send it as `Authorization: Bearer <key>`. Queries are sent \
                 as JSON (Content-Type: application/json).",
            );
        }
        Ok(_) => {
            return refuse(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "A multipart request carries a file for importCounts, which needs role EDITOR.",
            );
        }
        Err(e) => {
            return refuse(StatusCode::UNAUTHORIZED, e.code(), &e.public_message());
        }
    }
    let max = state.limits.max_upload_bytes;
    let stall = Duration::from_millis(state.limits.body_read_timeout_ms);
    let stopped = Arc::new(AtomicU8::new(BODY_OK));
    let reader = StreamReader::new(limited(body, max, stall, stopped.clone())).compat();
    let options = MultipartOptions::default()
        .max_num_files(1)
        .max_file_size(usize::try_from(max).unwrap_or(usize::MAX));
    let batch = async_graphql::http::receive_batch_body(Some(content_type), reader, options).await;
    let batch = match (batch, stopped.load(Ordering::SeqCst)) {
        (Ok(b), BODY_OK) => b,
        (Err(async_graphql::ParseRequestError::PayloadTooLarge), _) | (_, BODY_TOO_LARGE) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                PAYLOAD_TOO_LARGE,
                &format!(
                    "The request exceeds {max} bytes, this server's limit for uploads \
                     (--max-upload-bytes): split the file, e.g. one file per year."
                ),
            );
        }
        (_, BODY_STALLED) => {
            return refuse(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                &format!(
                    "The upload stalled: no data arrived for {} ms. Send it again.",
                    stall.as_millis()
                ),
            );
        }
        (Err(e), _) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!(
                    "The multipart request is not a GraphQL multipart request ({e}): send the \
                     parts `operations`, `map` and the file, as the GraphQL multipart request \
                     specification describes."
                ),
            );
        }
        (Ok(_), _) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "The upload was interrupted. Nothing was written; send it again.",
            );
        }
    };
    super::execute::execute(state, headers, batch, media, Method::Post).await
}
