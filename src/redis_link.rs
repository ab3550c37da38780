//! The Redis that replicas share (rate budgets, the response cache), reached through one
//! multiplexed connection made on first use.
//!
//! Redis helps but is never needed: a call that fails, or takes longer than [`TIMEOUT`], gives
//! `None` and the caller does the work in this process instead. After a failure Redis is left
//! alone for [`RETRY`] rather than slowing every request, and the log says so once (and once more
//! when it is back).
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

/// How long a Redis call may take before the process answers instead.
pub const TIMEOUT: Duration = Duration::from_millis(500);
/// How long Redis is left alone after it failed.
pub const RETRY: Duration = Duration::from_secs(10);

pub struct RedisLink {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    fell_back: AtomicBool,
    retry_after: std::sync::Mutex<Option<Instant>>,
}

impl RedisLink {
    /// `None` (with a warning) when `url` is not a Redis URL: everything stays in this process.
    pub fn open(url: &str) -> Option<Arc<Self>> {
        match redis::Client::open(url) {
            Ok(client) => Some(Arc::new(Self {
                client,
                connection: OnceCell::new(),
                fell_back: AtomicBool::new(false),
                retry_after: std::sync::Mutex::new(None),
            })),
            Err(e) => {
                tracing::warn!(error = %e, "CTIP_REDIS_URL is not a Redis URL: rate limits and the response cache stay in this process");
                None
            }
        }
    }

    /// Runs `call` on the shared connection, within [`TIMEOUT`]; `None` when Redis cannot answer
    /// now (the caller falls back to the process).
    pub async fn call<T, F, Fut>(&self, call: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if self
            .retry_after
            .lock()
            .ok()
            .and_then(|t| *t)
            .is_some_and(|t| Instant::now() < t)
        {
            return None;
        }
        let connect = async {
            match tokio::time::timeout(TIMEOUT, ConnectionManager::new(self.client.clone())).await {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(_) => Err("connection timed out".to_owned()),
            }
        };
        let conn = match self.connection.get_or_try_init(|| connect).await {
            Ok(c) => c.clone(),
            Err(e) => return self.fall_back(&e),
        };
        match tokio::time::timeout(TIMEOUT, call(conn)).await {
            Ok(Ok(value)) => {
                if self.fell_back.swap(false, Ordering::Relaxed) {
                    tracing::info!(
                        "Redis is back: rate limits and the response cache are shared again"
                    );
                }
                Some(value)
            }
            Ok(Err(e)) => self.fall_back(&e.to_string()),
            Err(_) => self.fall_back("Redis did not answer in time"),
        }
    }

    fn fall_back<T>(&self, e: &str) -> Option<T> {
        if let Ok(mut t) = self.retry_after.lock() {
            *t = Some(Instant::now() + RETRY);
        }
        if !self.fell_back.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %e, "Redis is unreachable: rate limits and the response cache fall back to this process until it returns");
        }
        None
    }
}
