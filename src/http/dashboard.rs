//! The public dashboard: `web/dist/` (built from `web/`, committed, rebuilt and compared by CI)
//! compiled into the binary, so `cargo run` serves it with nothing else installed.
//!
//! - `/` and `/embed/{view}` are the two pages: they revalidate (`no-cache` and a strong `ETag`),
//!   so a new build reaches readers at once.
//! - `/assets/{file}` are content-hashed: a name never changes meaning, so browsers and CDNs keep
//!   them for a year (`immutable`).
//! - The dashboard's GraphQL documents (`persisted-queries.json`) are registered as persisted
//!   queries: it sends only their hashes over GET, and a server in trusted-documents mode still
//!   serves it.
//!
//! Content-Security-Policy: `default-src 'self'` with no inline script or style. The dashboard
//! draws its charts with presentation attributes and positions its tooltip through the CSSOM,
//! neither of which the policy restricts, so it needs no `'unsafe-inline'`. Images may come from
//! `data:` and `blob:` URLs (the PNG export draws the chart's SVG from a blob). The embed page is
//! the only page other sites may frame.
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "web/dist/"]
struct Dist;

const PAGE_CSP: &str = "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const EMBED_CSP: &str = "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Marks a response other sites may put in a frame: the router then leaves out
/// `X-Frame-Options: DENY` (its CSP says `frame-ancestors *`).
#[derive(Clone, Copy)]
pub struct Framable;

/// `GET /`: the dashboard.
pub async fn index(headers: HeaderMap) -> Response {
    page("index.html", PAGE_CSP, &headers)
}

/// `GET /embed/{view}`: one chart alone, for an iframe on another site.
pub async fn embed(headers: HeaderMap) -> Response {
    let mut resp = page("embed.html", EMBED_CSP, &headers);
    resp.extensions_mut().insert(Framable);
    resp
}

/// `GET /assets/{file}`: a content-hashed script, stylesheet or geometry.
pub async fn asset(Path(file): Path<String>) -> Response {
    let Some(content) = (!file.contains('/'))
        .then(|| Dist::get(&format!("assets/{file}")))
        .flatten()
    else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(mime_of(&file)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        ],
        content.data,
    )
        .into_response()
}

fn page(name: &str, csp: &'static str, headers: &HeaderMap) -> Response {
    let Some(content) = Dist::get(name) else {
        // Only a build without web/dist/ gets here; the binary is built with it committed.
        return (
            StatusCode::NOT_FOUND,
            "the dashboard is not built into this binary",
        )
            .into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&content.metadata.sha256_hash()[..16]));
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let common = [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        content.data,
    )
        .into_response()
}

fn mime_of(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// The dashboard's GraphQL documents by SHA-256 (hex), as the build wrote them. A document whose
/// hash does not match is left out (and logged): the build writes both, so it cannot happen
/// unless the file was edited by hand.
pub fn documents() -> HashMap<String, Arc<str>> {
    let Some(file) = Dist::get("persisted-queries.json") else {
        return HashMap::new();
    };
    let map: HashMap<String, String> = match serde_json::from_slice(&file.data) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "the dashboard's persisted-queries.json is not a JSON object of strings");
            return HashMap::new();
        }
    };
    map.into_iter()
        .filter(|(hash, doc)| {
            let ok = super::sha256_hex(doc) == *hash;
            if !ok {
                tracing::warn!(%hash, "a dashboard document does not match its hash; left out");
            }
            ok
        })
        .map(|(hash, doc)| (hash, Arc::from(doc)))
        .collect()
}
