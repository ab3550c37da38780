//! Reading a request body within the size limit and the read timeout: a client that announces or
//! sends too much gets 413, one that dribbles its body in gets 408, both as coded errors.
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;

use super::limits::PAYLOAD_TOO_LARGE;
use crate::config::LimitsConfig;

/// Why a body could not be read, as the client is told.
#[derive(Debug)]
pub struct BodyError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

enum ReadError {
    TooLarge,
    Broken,
}

pub async fn read(headers: &HeaderMap, body: Body, l: &LimitsConfig) -> Result<Bytes, BodyError> {
    let max = l.max_body_bytes;
    let too_large = || BodyError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: PAYLOAD_TOO_LARGE,
        message: format!("The request body exceeds {max} bytes, the limit."),
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut out = Vec::with_capacity(announced.unwrap_or(0) as usize);
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| ReadError::Broken)?;
            if out.len() + chunk.len() > max {
                return Err(ReadError::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(out))
    };
    let ms = l.body_read_timeout_ms;
    match tokio::time::timeout(Duration::from_millis(ms), read).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(ReadError::TooLarge)) => Err(too_large()),
        Ok(Err(ReadError::Broken)) => Err(BodyError {
            status: StatusCode::BAD_REQUEST,
            code: "BAD_REQUEST",
            message: "The request body could not be read.".to_owned(),
        }),
        Err(_) => Err(BodyError {
            status: StatusCode::REQUEST_TIMEOUT,
            code: "REQUEST_TIMEOUT",
            message: format!("The request body did not arrive within {ms} ms, the limit."),
        }),
    }
}
