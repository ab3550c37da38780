//! The response cache: answers of error-free query operations, keyed by the data version (the
//! current release and the last write), the normalized document, the variables, the operation
//! name and the language. In front of it, `raw_cache` keeps the same answers as bytes by the
//! raw request, looked up before anything is parsed.
//!
//! Two tiers. Each process keeps answers in memory (moka), bounded by their size; concurrent
//! identical misses run the operation once. With Redis configured, a miss in memory asks Redis
//! before running anything, and a fresh answer is stored there for every replica. A release or
//! any write changes the data version, so it invalidates both tiers at once: old entries are
//! never read again and expire. The version comes from [`Reference`], which looks it up at
//! most once per `release_check` (single-flight); a write through this process forgets it at once.
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use async_graphql::{CacheControl, Request, Response, ServerError, Value};
use moka::future::Cache;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::limits::normalize;
use super::raw_cache::RawAnswers;
use crate::graphql::AppSchema;
use crate::graphql::lang::Language;
use crate::redis_link::RedisLink;
use crate::reference::Reference;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// This process's memory (or another request's run of the same operation, joined).
    Local,
    /// Redis: another replica ran it.
    Shared,
    /// Nobody had it: the operation ran.
    Miss,
    /// Not cacheable now (no published release, or the version could not be looked up).
    Bypass,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Local => "local",
            Outcome::Shared => "shared",
            Outcome::Miss => "miss",
            Outcome::Bypass => "bypass",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    version: Arc<str>,
    document: String,
    variables: String,
    operation: Option<String>,
    language: Option<Language>,
}

impl Key {
    /// The Redis key: the prefix, the version, and a digest of the rest (documents are long).
    fn shared(&self, prefix: &str) -> String {
        let mut h = Sha256::new();
        for part in [
            self.document.as_bytes(),
            self.variables.as_bytes(),
            self.operation.as_deref().unwrap_or("").as_bytes(),
            format!("{:?}", self.language).as_bytes(),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        format!("{prefix}:{}:{}", self.version, hex::encode(h.finalize()))
    }
}

/// What is kept of an answer (a `Response` is not `Clone`).
#[derive(Debug, Clone)]
struct Answer {
    data: Value,
    errors: Vec<ServerError>,
    cache_control: CacheControl,
}

/// An error-free answer as Redis holds it.
#[derive(Serialize, Deserialize)]
struct Stored {
    data: Value,
    public: bool,
    max_age: i32,
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

    fn from_stored(s: Stored) -> Self {
        Self {
            data: s.data,
            errors: Vec::new(),
            cache_control: CacheControl {
                public: s.public,
                max_age: s.max_age,
            },
        }
    }

    fn to_stored(&self) -> Stored {
        Stored {
            data: self.data.clone(),
            public: self.cache_control.public,
            max_age: self.cache_control.max_age,
        }
    }
}

/// The Redis tier.
struct Shared {
    redis: Arc<RedisLink>,
    prefix: String,
    ttl_seconds: u64,
}

impl Shared {
    async fn get(&self, key: &str) -> Option<Answer> {
        let key = key.to_owned();
        let bytes: Vec<u8> = self
            .redis
            .call(|mut c| async move {
                redis::AsyncCommands::get::<_, Option<Vec<u8>>>(&mut c, key).await
            })
            .await??;
        match serde_json::from_slice::<Stored>(&bytes) {
            Ok(s) => Some(Answer::from_stored(s)),
            Err(e) => {
                tracing::warn!(error = %e, "an unreadable response cache entry in Redis; running the operation");
                None
            }
        }
    }

    /// Stores an answer without making the request wait for Redis.
    fn put(self: &Arc<Self>, key: String, answer: &Answer) {
        let Ok(bytes) = serde_json::to_vec(&answer.to_stored()) else {
            return;
        };
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let ttl = this.ttl_seconds.max(1);
            this.redis
                .call(|mut c| async move {
                    redis::AsyncCommands::set_ex::<_, _, ()>(&mut c, key, bytes, ttl).await
                })
                .await;
        });
    }
}

#[derive(Clone)]
pub struct ResponseCache {
    answers: Cache<Key, Arc<Answer>>,
    /// The data version and its reference data (shared with the resolvers).
    reference: Arc<Reference>,
    /// The version the answers held in memory were made for: when a lookup finds another one,
    /// they are dropped (answers are keyed by version, so this only frees their memory sooner).
    seen: Arc<std::sync::Mutex<Option<Arc<str>>>>,
    shared: Option<Arc<Shared>>,
    /// The first tier: answers as bytes by the raw request (`raw_cache`).
    raw: RawAnswers,
}

impl ResponseCache {
    /// `None` when `max_bytes` is 0 (caching off). With `redis`, answers are shared by every
    /// replica using it, under keys starting with `prefix`.
    pub fn new(
        max_bytes: u64,
        ttl: Duration,
        reference: Arc<Reference>,
        redis: Option<(Arc<RedisLink>, String)>,
    ) -> Option<Self> {
        (max_bytes > 0).then(|| Self {
            answers: Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &Key, v: &Arc<Answer>| {
                    let size = k.document.len() + k.variables.len() + approximate_size(&v.data);
                    u32::try_from(size).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build(),
            reference,
            seen: Arc::default(),
            raw: RawAnswers::new(max_bytes, ttl),
            shared: redis.map(|(redis, prefix)| {
                Arc::new(Shared {
                    redis,
                    prefix,
                    ttl_seconds: ttl.as_secs(),
                })
            }),
        })
    }

    /// Looks the data version up again on the next request: this process just wrote. When the
    /// write changed what the public sees (a release, a catalogue edit), the version is new and
    /// every answer of the old one is dropped (Redis entries of the old version are no longer
    /// read, and expire); a draft write leaves the version, and so every answer, as it was.
    pub fn data_changed(&self) {
        self.reference.invalidate();
    }

    /// The answer to one prepared query operation: from memory, from Redis, or by running it
    /// (once for all concurrent identical requests of this process), and the data version it
    /// was looked up at (`None`: not cacheable now). Answers with errors are never kept.
    pub async fn execute(
        &self,
        schema: &AppSchema,
        db: &DatabaseConnection,
        req: Request,
        language: Option<Language>,
    ) -> (Response, Outcome, Option<Arc<str>>) {
        let Some(version) = self.current_version(db).await else {
            return (schema.execute(req).await, Outcome::Bypass, None);
        };
        let key = Key {
            version: Arc::clone(&version),
            document: normalize(&req.query),
            variables: serde_json::to_string(&req.variables).unwrap_or_default(),
            operation: req.operation_name.clone(),
            language,
        };
        // Set by the one request that fills the entry; the others found it (or joined it).
        let filled = AtomicU8::new(0);
        let shared_key = self
            .shared
            .as_ref()
            .map(|s| (Arc::clone(s), key.shared(&s.prefix)));
        let run = async {
            if let Some((shared, k)) = &shared_key
                && let Some(answer) = shared.get(k).await
            {
                filled.store(1, Ordering::Relaxed);
                return Ok(Arc::new(answer));
            }
            filled.store(2, Ordering::Relaxed);
            let answer = Answer::from_response(schema.execute(req).await);
            if !answer.errors.is_empty() {
                return Err(answer);
            }
            if let Some((shared, k)) = shared_key {
                shared.put(k, &answer);
            }
            Ok(Arc::new(answer))
        };
        let response = match self.answers.try_get_with(key, run).await {
            Ok(answer) => answer.to_response(),
            Err(failed) => failed.to_response(),
        };
        let outcome = match filled.load(Ordering::Relaxed) {
            1 => Outcome::Shared,
            2 => Outcome::Miss,
            _ => Outcome::Local,
        };
        (response, outcome, Some(version))
    }

    pub fn raw_answers(&self) -> &RawAnswers {
        &self.raw
    }

    /// The data version if it is known without a statement (a request refused before it runs
    /// must run none).
    pub async fn known_version(&self) -> Option<Arc<str>> {
        self.reference.peek().await?.version.clone()
    }

    /// The current data version (`None`: no release yet, or it cannot be looked up).
    async fn current_version(&self, db: &DatabaseConnection) -> Option<Arc<str>> {
        let v = match self.reference.current(db).await {
            Ok(snapshot) => snapshot.version.clone()?,
            Err(e) => {
                tracing::warn!(error = %e, "cannot look up the data version; not caching");
                return None;
            }
        };
        if let Ok(mut seen) = self.seen.lock()
            && seen.as_ref() != Some(&v)
        {
            self.answers.invalidate_all();
            self.raw.clear();
            *seen = Some(Arc::clone(&v));
        }
        Some(v)
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
