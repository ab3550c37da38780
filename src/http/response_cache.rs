//! The in-process response cache: answers of error-free query operations, keyed by the current
//! release, the normalized document, the variables, the operation name and the language. A new
//! release changes every key, so it invalidates the whole cache; the current release is itself
//! looked up at most once per `release_check` (single-flight, like the answers). Bounded by the
//! size of the answers it holds; concurrent identical misses run the operation once.
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{CacheControl, Request, Response, ServerError, Value};
use moka::future::Cache;
use sea_orm::DatabaseConnection;

use super::limits::normalize;
use crate::graphql::AppSchema;
use crate::graphql::lang::Language;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    release: Arc<str>,
    document: String,
    variables: String,
    operation: Option<String>,
    language: Option<Language>,
}

/// What is kept of an answer (a `Response` is not `Clone`).
#[derive(Debug, Clone)]
struct Answer {
    data: Value,
    errors: Vec<ServerError>,
    cache_control: CacheControl,
}

impl Answer {
    fn from_response(r: Response) -> Self {
        Self {
            data: r.data,
            errors: r.errors,
            cache_control: r.cache_control,
        }
    }

    fn to_response(&self) -> Response {
        let mut r = Response::new(self.data.clone()).cache_control(self.cache_control);
        r.errors = self.errors.clone();
        r
    }
}

#[derive(Clone)]
pub struct ResponseCache {
    answers: Cache<Key, Arc<Answer>>,
    release: Cache<(), Arc<str>>,
}

impl ResponseCache {
    /// `None` when `max_bytes` is 0 (caching off).
    pub fn new(max_bytes: u64, ttl: Duration, release_check: Duration) -> Option<Self> {
        (max_bytes > 0).then(|| Self {
            answers: Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &Key, v: &Arc<Answer>| {
                    let size = k.document.len() + k.variables.len() + approximate_size(&v.data);
                    u32::try_from(size).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build(),
            release: Cache::builder()
                .max_capacity(1)
                .time_to_live(release_check)
                .build(),
        })
    }

    /// Forgets the current release and every answer: a release was just published.
    pub fn release_published(&self) {
        self.release.invalidate_all();
        self.answers.invalidate_all();
    }

    /// The answer to one prepared query operation: from the cache, or by running it (once for
    /// all concurrent identical requests). Answers with errors are never kept.
    pub async fn execute(
        &self,
        schema: &AppSchema,
        db: &DatabaseConnection,
        req: Request,
        language: Option<Language>,
    ) -> Response {
        let release = match self.current_release(db).await {
            Some(r) => r,
            // Without a release to key by, nothing is cached.
            None => return schema.execute(req).await,
        };
        let key = Key {
            release,
            document: normalize(&req.query),
            variables: serde_json::to_string(&req.variables).unwrap_or_default(),
            operation: req.operation_name.clone(),
            language,
        };
        let run = async move {
            let answer = Answer::from_response(schema.execute(req).await);
            if answer.errors.is_empty() {
                Ok(Arc::new(answer))
            } else {
                Err(answer)
            }
        };
        match self.answers.try_get_with(key, run).await {
            Ok(answer) => answer.to_response(),
            Err(failed) => failed.to_response(),
        }
    }

    async fn current_release(&self, db: &DatabaseConnection) -> Option<Arc<str>> {
        let lookup = async {
            match crate::store::catalogue::current_release(db).await {
                Ok(Some(r)) => Ok(Arc::from(r.code.as_str())),
                Ok(None) => Err("no published release"),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot look up the current release; not caching");
                    Err("database")
                }
            }
        };
        self.release.try_get_with((), lookup).await.ok()
    }
}

/// About the size of a value as JSON, without serializing it.
fn approximate_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Boolean(_) | Value::Number(_) | Value::Enum(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Binary(b) => b.len(),
        Value::List(items) => items.iter().map(approximate_size).sum::<usize>() + 2,
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.len() + 4 + approximate_size(v))
            .sum::<usize>()
            .saturating_add(2),
    }
}
