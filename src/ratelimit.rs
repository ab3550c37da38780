//! Rate limiting by cost, visible to clients (as GitHub's GraphQL API does it): each client (its
//! API key, else its IP) has a budget of points per window; an operation costs
//! `1 + complexity / 100` points. In-process by default; shared by every replica through Redis
//! when configured, with an atomic script on Redis's clock. If Redis goes away the limiter falls
//! back to the in-process budget and says so once in the log.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::config::RateLimitConfig;
use crate::redis_link::RedisLink;

/// A client's budget after a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    /// Points per window.
    pub limit: u64,
    /// Points used in the current window.
    pub used: u64,
    /// Points left.
    pub remaining: u64,
    /// When the window ends (Unix seconds).
    pub reset_epoch: i64,
    /// What was charged for this operation.
    pub cost: u64,
    /// False when the charge was refused: the budget could not pay it.
    pub allowed: bool,
}

/// The points an operation of this complexity costs.
pub fn points(complexity: usize) -> u64 {
    1 + (complexity as u64) / 100
}

/// Check-and-charge in one step, on Redis's clock: returns {allowed, used, ttl, now}.
const SCRIPT: &str = r"
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local now = tonumber(redis.call('TIME')[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then ttl = window end
if used + cost > limit then return {0, used, ttl, now} end
used = redis.call('INCRBY', KEYS[1], cost)
if used == cost then redis.call('EXPIRE', KEYS[1], window) end
return {1, used, redis.call('TTL', KEYS[1]), now}
";

pub struct RateLimiter {
    limit: u64,
    window: Duration,
    prefix: String,
    local: Mutex<HashMap<String, (i64, u64)>>,
    redis: Option<Arc<RedisLink>>,
    trusted_proxies: Vec<IpAddr>,
}

fn now_epoch() -> i64 {
    chrono::Utc::now().timestamp()
}

impl RateLimiter {
    /// `None` when rate limiting is off (a budget of 0 points). With `redis`, budgets are shared
    /// by every replica using it.
    pub fn new(cfg: &RateLimitConfig, redis: Option<Arc<RedisLink>>) -> Option<Arc<Self>> {
        if cfg.rate_limit_points == 0 {
            return None;
        }
        Some(Arc::new(RateLimiter {
            limit: cfg.rate_limit_points,
            window: Duration::from_secs(cfg.rate_limit_window_seconds.max(1)),
            prefix: cfg.rate_limit_prefix.clone(),
            local: Mutex::new(HashMap::new()),
            redis,
            trusted_proxies: cfg.trusted_proxies.clone(),
        }))
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Who a request is: its API key (hashed) if it sends one, else its IP. `X-Forwarded-For` is
    /// believed only from a configured proxy, and then its last address not of a proxy is taken.
    pub fn client_key(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: Option<&str>,
        authorization: Option<&str>,
    ) -> String {
        if let Some(key) = authorization.and_then(|a| a.strip_prefix("Bearer ")) {
            use sha2::Digest;
            return format!(
                "key:{}",
                &hex::encode(sha2::Sha256::digest(key.trim().as_bytes()))[..16]
            );
        }
        let mut ip = peer;
        if let (Some(p), Some(xff)) = (peer, forwarded_for)
            && self.trusted_proxies.contains(&p)
        {
            let hops: Vec<IpAddr> = xff
                .split(',')
                .filter_map(|h| h.trim().parse().ok())
                .collect();
            if let Some(client) = hops
                .iter()
                .rev()
                .find(|h| !self.trusted_proxies.contains(h))
            {
                ip = Some(*client);
            }
        }
        format!(
            "ip:{}",
            ip.map(|i| i.to_string())
                .unwrap_or_else(|| "unknown".to_owned())
        )
    }

    /// Charges `cost` points to `client` if its budget can pay them; a cost of 0 only reads it.
    pub async fn charge(&self, client: &str, cost: u64) -> RateState {
        if let Some(state) = self.charge_redis(client, cost).await {
            return state;
        }
        self.charge_local(client, cost).await
    }

    async fn charge_redis(&self, client: &str, cost: u64) -> Option<RateState> {
        let redis = self.redis.as_ref()?;
        let key = format!("{}:{client}", self.prefix);
        let (limit, window) = (self.limit, self.window.as_secs());
        let (allowed, used, ttl, now) = redis
            .call(|mut conn| async move {
                redis::Script::new(SCRIPT)
                    .key(key)
                    .arg(cost)
                    .arg(limit)
                    .arg(window)
                    .invoke_async::<(i64, u64, i64, i64)>(&mut conn)
                    .await
            })
            .await?;
        Some(RateState {
            limit: self.limit,
            used,
            remaining: self.limit.saturating_sub(used),
            reset_epoch: now + ttl.max(0),
            cost,
            allowed: allowed == 1,
        })
    }

    async fn charge_local(&self, client: &str, cost: u64) -> RateState {
        let now = now_epoch();
        let window = self.window.as_secs() as i64;
        let mut budgets = self.local.lock().await;
        if budgets.len() > 100_000 {
            // Forget ended windows rather than grow without bound.
            budgets.retain(|_, (start, _)| now < *start + window);
        }
        let entry = budgets.entry(client.to_owned()).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        let allowed = entry.1 + cost <= self.limit;
        if allowed {
            entry.1 += cost;
        }
        RateState {
            limit: self.limit,
            used: entry.1,
            remaining: self.limit.saturating_sub(entry.1),
            reset_epoch: entry.0 + window,
            cost,
            allowed,
        }
    }
}

/// Request data: who is charged, and the budget after the last charge of this request.
#[derive(Clone)]
pub struct RateTicket {
    pub limiter: Arc<RateLimiter>,
    pub client: String,
    pub state: Arc<std::sync::Mutex<Option<RateState>>>,
}

impl RateTicket {
    pub fn record(&self, s: RateState) {
        if let Ok(mut guard) = self.state.lock() {
            *guard = Some(s);
        }
    }

    pub fn last(&self) -> Option<RateState> {
        self.state.lock().ok().and_then(|g| *g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(points: u64) -> Arc<RateLimiter> {
        let cfg = RateLimitConfig {
            rate_limit_points: points,
            rate_limit_window_seconds: 60,
            trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
            rate_limit_prefix: "t".into(),
        };
        RateLimiter::new(&cfg, None).unwrap()
    }

    #[tokio::test]
    async fn a_budget_pays_until_it_cannot_and_a_refused_charge_costs_nothing() {
        let l = limiter(10);
        assert!(l.charge("a", 6).await.allowed);
        let refused = l.charge("a", 5).await;
        assert!(!refused.allowed);
        assert_eq!((refused.used, refused.remaining), (6, 4));
        assert!(l.charge("a", 4).await.allowed);
        assert_eq!(l.charge("a", 0).await.remaining, 0);
        assert!(
            l.charge("b", 10).await.allowed,
            "another client has its own budget"
        );
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_configured_proxy() {
        let l = limiter(10);
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let stranger: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(
            l.client_key(Some(proxy), Some("198.51.100.9, 10.0.0.1"), None),
            "ip:198.51.100.9"
        );
        assert_eq!(
            l.client_key(Some(stranger), Some("198.51.100.9"), None),
            "ip:192.0.2.7"
        );
        assert!(
            l.client_key(Some(stranger), None, Some("Bearer ctip_x"))
                .starts_with("key:")
        );
        assert_eq!(points(0), 1);
        assert_eq!(points(25_501), 256);
    }
}
