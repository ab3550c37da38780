//! A cached answer as bytes: the JSON body, its strong ETag, its `Cache-Control`, and its brotli
//! and gzip forms, compressed once when the answer is kept. Serving one parses, serializes and
//! compresses nothing.
use std::io::Write;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::caching;
use super::graphql::MediaType;

/// Brotli quality of the stored form: paid once per entry, so a good ratio is worth it.
const BROTLI_QUALITY: u32 = 9;
const BROTLI_WINDOW: u32 = 22;

/// An error-free answer, ready to send.
#[derive(Debug)]
pub struct Encoded {
    identity: Bytes,
    br: Bytes,
    gzip: Bytes,
    etag: HeaderValue,
    cache_control: HeaderValue,
    /// The operation's metrics label.
    pub label: String,
}

/// A content coding the client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Br,
    Gzip,
    Identity,
}

impl Encoded {
    /// Compresses `body` both ways; `None` if a compressor fails (the answer is then not kept).
    pub fn new(
        identity: Bytes,
        etag: HeaderValue,
        cache_control: HeaderValue,
        label: String,
    ) -> Option<Self> {
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
            w.write_all(&identity).ok()?;
            w.flush().ok()?;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&identity).ok()?;
        let gzip = gz.finish().ok()?;
        Some(Self {
            identity,
            br: Bytes::from(br),
            gzip: Bytes::from(gzip),
            etag,
            cache_control,
            label,
        })
    }

    /// About the memory it holds.
    pub fn weight(&self) -> usize {
        self.identity.len() + self.br.len() + self.gzip.len() + self.label.len() + 128
    }

    /// The answer to a request with these headers: `304 Not Modified` for a GET whose
    /// `If-None-Match` names the ETag, else the body in the best coding the client accepts.
    pub(super) fn respond(&self, request: &HeaderMap, media: MediaType, get: bool) -> Response {
        let mut resp = if get && caching::not_modified(request, &self.etag) {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let coding = coding(request);
            let body = match coding {
                Coding::Br => self.br.clone(),
                Coding::Gzip => self.gzip.clone(),
                Coding::Identity => self.identity.clone(),
            };
            let len = body.len();
            let mut r = Response::new(Body::from(body));
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, media.header());
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            match coding {
                Coding::Br => {
                    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                }
                Coding::Gzip => {
                    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                Coding::Identity => {}
            }
            r
        };
        let h = resp.headers_mut();
        h.insert(header::VARY, super::graphql::VARY.clone());
        h.insert(header::CACHE_CONTROL, self.cache_control.clone());
        h.insert(header::ETAG, self.etag.clone());
        resp
    }
}

/// The best coding `Accept-Encoding` allows: brotli, else gzip, else none (`q=0` refuses one).
fn coding(request: &HeaderMap) -> Coding {
    let Some(accept) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Coding::Identity;
    };
    let (mut br, mut gzip) = (false, false);
    for part in accept.split(',') {
        let mut params = part.split(';');
        let name = params.next().unwrap_or("").trim();
        let refused = params.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if refused {
            continue;
        }
        if name.eq_ignore_ascii_case("br") {
            br = true;
        } else if name.eq_ignore_ascii_case("gzip") || name == "*" {
            gzip = true;
        }
    }
    if br {
        Coding::Br
    } else if gzip {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        h
    }

    #[test]
    fn the_coding_is_the_best_one_accepted() {
        assert_eq!(coding(&with("gzip, deflate, br, zstd")), Coding::Br);
        assert_eq!(coding(&with("gzip")), Coding::Gzip);
        assert_eq!(coding(&with("br;q=0, gzip")), Coding::Gzip);
        assert_eq!(coding(&with("identity")), Coding::Identity);
        assert_eq!(coding(&HeaderMap::new()), Coding::Identity);
    }

    #[test]
    fn both_compressed_forms_decode_to_the_body() {
        use std::io::Read;
        let body = Bytes::from("{\"data\":{\"x\":1}}".repeat(100));
        let e = Encoded::new(
            body.clone(),
            caching::etag(&body),
            caching::NO_STORE,
            "x".into(),
        )
        .unwrap();
        let mut out = Vec::new();
        brotli::Decompressor::new(&e.br[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&e.gzip[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        assert!(e.br.len() < body.len() / 4);
    }
}
