//! Automatic persisted queries (Apollo APQ: `extensions.persistedQuery.sha256Hash`, over POST and
//! GET, so URLs stay short) and the trusted-documents mode, where only documents whose hash a
//! configured file lists are run.
//!
//! async-graphql's `apollo_persisted_queries` extension resolves hashes inside execution, after
//! this API has already checked the document's shape and cost, and answers without a code; the
//! hash is therefore resolved here, before anything else looks at the document.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use async_graphql::{Request, Value};
use moka::future::Cache;
use sha2::{Digest, Sha256};

use super::limits::Refusal;

pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
pub const PERSISTED_QUERY_NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";
pub const DOCUMENT_NOT_TRUSTED: &str = "DOCUMENT_NOT_TRUSTED";

#[derive(Clone)]
pub struct PersistedQueries {
    /// Documents clients registered, by hash; `None` when APQ is off.
    apq: Option<Cache<String, Arc<str>>>,
    /// The only documents accepted, by hash, when the trusted-documents mode is on.
    trusted: Option<Arc<HashMap<String, Arc<str>>>>,
    /// Documents the server itself ships (the dashboard's), known by hash in every mode.
    builtin: Arc<HashMap<String, Arc<str>>>,
    max_document_bytes: usize,
}

/// The SHA-256 of a document, in lowercase hex (what APQ clients send).
pub fn sha256_hex(query: &str) -> String {
    hex::encode(Sha256::digest(query.as_bytes()))
}

impl PersistedQueries {
    pub fn new(
        apq_entries: u64,
        trusted: Option<HashMap<String, Arc<str>>>,
        max_document_bytes: usize,
    ) -> Self {
        Self {
            apq: (apq_entries > 0 && trusted.is_none())
                .then(|| Cache::builder().max_capacity(apq_entries).build()),
            trusted: trusted.map(Arc::new),
            builtin: Arc::default(),
            max_document_bytes,
        }
    }

    /// Registers documents the server ships (by SHA-256 hex): their hashes are known with APQ on
    /// or off, and they are trusted in trusted-documents mode.
    pub fn with_documents(mut self, documents: HashMap<String, Arc<str>>) -> Self {
        self.builtin = Arc::new(documents);
        self
    }

    /// Gives the request its document: the one its hash names, or its own once its hash (when
    /// sent) matches. In trusted mode, refuses any document the file does not list.
    pub async fn resolve(&self, req: &mut Request) -> Result<(), Refusal> {
        let hash = persisted_hash(req)?;
        if let Some(trusted) = &self.trusted {
            let hash = match hash {
                Some(h) => h,
                None => sha256_hex(&req.query),
            };
            return match trusted.get(&hash).or_else(|| self.builtin.get(&hash)) {
                Some(doc) => {
                    req.query = doc.to_string();
                    Ok(())
                }
                None => Err(Refusal {
                    code: DOCUMENT_NOT_TRUSTED,
                    message: "This server runs trusted documents only, and this document (or hash) is not one of them.".to_owned(),
                }),
            };
        }
        let Some(hash) = hash else {
            return Ok(());
        };
        if req.query.is_empty()
            && let Some(doc) = self.builtin.get(&hash)
        {
            req.query = doc.to_string();
            return Ok(());
        }
        let Some(apq) = &self.apq else {
            return Err(Refusal {
                code: PERSISTED_QUERY_NOT_SUPPORTED,
                message: "PersistedQueryNotSupported".to_owned(),
            });
        };
        if req.query.is_empty() {
            return match apq.get(&hash).await {
                Some(doc) => {
                    req.query = doc.to_string();
                    Ok(())
                }
                // The message is what Apollo clients look for before sending the document.
                None => Err(Refusal {
                    code: PERSISTED_QUERY_NOT_FOUND,
                    message: "PersistedQueryNotFound".to_owned(),
                }),
            };
        }
        if sha256_hex(&req.query) != hash {
            return Err(Refusal {
                code: "BAD_REQUEST",
                message: "provided sha does not match query: `extensions.persistedQuery.sha256Hash` must be the SHA-256 (hex) of `query`.".to_owned(),
            });
        }
        if req.query.len() <= self.max_document_bytes {
            apq.insert(hash, Arc::from(req.query.as_str())).await;
        }
        Ok(())
    }
}

/// `extensions.persistedQuery.sha256Hash`, lowercased, when the request has one.
fn persisted_hash(req: &Request) -> Result<Option<String>, Refusal> {
    let Some(pq) = req.extensions.0.get("persistedQuery") else {
        return Ok(None);
    };
    let bad = || {
        Refusal {
        code: "BAD_REQUEST",
        message: "`extensions.persistedQuery` must be {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}.".to_owned(),
    }
    };
    let Value::Object(pq) = pq else {
        return Err(bad());
    };
    match pq.get("sha256Hash") {
        Some(Value::String(h)) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(h.to_ascii_lowercase()))
        }
        _ => Err(bad()),
    }
}

/// Reads a trusted-documents file: a JSON object from hash to document, or an Apollo persisted
/// query manifest (`{"operations": [{"id", "body"}, …]}`). Every hash must be the document's.
pub fn load_trusted(path: &Path) -> Result<HashMap<String, Arc<str>>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let pairs: Vec<(String, String)> = match &json {
        serde_json::Value::Object(o) if o.contains_key("operations") => o["operations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|op| {
                Some((
                    op["id"].as_str()?.to_owned(),
                    op["body"].as_str()?.to_owned(),
                ))
            })
            .collect(),
        serde_json::Value::Object(o) => o
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    if pairs.is_empty() {
        return Err(format!("{} lists no document", path.display()));
    }
    pairs
        .into_iter()
        .map(|(hash, doc)| {
            let hash = hash.to_ascii_lowercase();
            if sha256_hex(&doc) == hash {
                Ok((hash, Arc::from(doc.as_str())))
            } else {
                Err(format!(
                    "{}: {hash} is not the SHA-256 of its document",
                    path.display()
                ))
            }
        })
        .collect()
}
