//! Rate limiting by cost, visible to clients (as GitHub's GraphQL API does it): each client (its
//! API key, else its IPv4 address or its IPv6 /64) has a budget of points per window; an
//! operation costs `1 + complexity / 100` points. In-process by default, in a bounded cache whose
//! entries leave when their window ends; shared by every replica through Redis when configured,
//! with an atomic script on Redis's clock. If Redis goes away the limiter falls back to the
//! in-process budget and says so once in the log.
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::future::Cache;
use moka::ops::compute::Op;
use moka::policy::{EvictionPolicy, Expiry};

use crate::config::RateLimitConfig;
use crate::redis_link::RedisLink;

/// The `extensions.code` of a request refused because the caller's budget is spent.
pub const RATE_LIMITED: &str = "RATE_LIMITED";

/// What a caller over budget reads: where its budget stands and when it is whole again.
pub fn rate_limited_message(s: &RateState) -> String {
    format!(
        "Rate limit exceeded: {} of {} points used in this window, and this request needs more than the {} left. The window resets at {} (Unix time); see the x-ratelimit-* headers, or ask for an API key.",
        s.used, s.limit, s.remaining, s.reset_epoch
    )
}

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

/// Clients whose in-process budget is remembered at once: past it the least recently seen leave
/// first (a client forgotten early gets a fresh budget, which only errs in its favour).
const MAX_LOCAL_CLIENTS: u64 = 100_000;

/// An in-process budget: when its window started (Unix seconds), and the points used in it.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    used: u64,
}

/// A budget leaves the in-process cache when its window ends: nothing is kept for a client that
/// no longer asks.
struct WindowEnd {
    window: i64,
}

impl WindowEnd {
    fn remaining(&self, w: &Window) -> Option<Duration> {
        let left = (w.start + self.window - now_epoch()).max(1);
        Some(Duration::from_secs(left as u64))
    }
}

impl Expiry<String, Window> for WindowEnd {
    fn expire_after_create(&self, _: &String, w: &Window, _: Instant) -> Option<Duration> {
        self.remaining(w)
    }

    fn expire_after_update(
        &self,
        _: &String,
        w: &Window,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        self.remaining(w)
    }
}

pub struct RateLimiter {
    limit: u64,
    window: Duration,
    prefix: String,
    local: Cache<String, Window>,
    redis: Option<Arc<RedisLink>>,
    trusted_proxies: Vec<IpAddr>,
}

fn now_epoch() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The budget key of an address: an IPv4 address alone, an IPv6 address by its /64 (the
/// smallest prefix a site is given, so one client holds them all); an IPv4-mapped IPv6 address
/// is its IPv4 address.
fn ip_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

impl RateLimiter {
    /// `None` when rate limiting is off (a budget of 0 points). With `redis`, budgets are shared
    /// by every replica using it.
    pub fn new(cfg: &RateLimitConfig, redis: Option<Arc<RedisLink>>) -> Option<Arc<Self>> {
        Self::with_capacity(cfg, redis, MAX_LOCAL_CLIENTS)
    }

    /// [`Self::new`], remembering at most `clients` in-process budgets.
    pub fn with_capacity(
        cfg: &RateLimitConfig,
        redis: Option<Arc<RedisLink>>,
        clients: u64,
    ) -> Option<Arc<Self>> {
        if cfg.rate_limit_points == 0 {
            return None;
        }
        let window = cfg.rate_limit_window_seconds.max(1);
        let local = Cache::builder()
            .max_capacity(clients)
            .eviction_policy(EvictionPolicy::lru())
            .expire_after(WindowEnd {
                window: window as i64,
            })
            .build();
        Some(Arc::new(RateLimiter {
            limit: cfg.rate_limit_points,
            window: Duration::from_secs(window),
            prefix: cfg.rate_limit_prefix.clone(),
            local,
            redis,
            trusted_proxies: cfg.trusted_proxies.clone(),
        }))
    }

    /// In-process budgets held now (ended windows are gone).
    pub async fn local_clients(&self) -> u64 {
        self.local.run_pending_tasks().await;
        self.local.entry_count()
    }

    /// Who a request is: its API key (hashed) if it sends one (`Bearer`, any case), else its IP
    /// (an IPv6 address by its /64). `X-Forwarded-For` is believed only from a configured proxy,
    /// and then its last address not of a proxy is taken.
    pub fn client_key(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: Option<&str>,
        authorization: Option<&str>,
    ) -> String {
        if let Some(key) = authorization.and_then(crate::auth::bearer_token) {
            use sha2::Digest;
            return format!(
                "key:{}",
                &hex::encode(sha2::Sha256::digest(key.as_bytes()))[..16]
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
        ip.map(ip_key).unwrap_or_else(|| "ip:unknown".to_owned())
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
        let limit = self.limit;
        let mut allowed = true;
        let mut current = Window {
            start: now,
            used: 0,
        };
        // One client's charges run one after another (a per-key lock), others' in parallel.
        self.local
            .entry_by_ref(client)
            .and_compute_with(|entry| {
                let w = match entry.map(|e| e.into_value()) {
                    Some(w) if now < w.start + window => w,
                    // No budget yet, or its window ended: a whole one.
                    _ => Window {
                        start: now,
                        used: 0,
                    },
                };
                allowed = w.used + cost <= limit;
                current = w;
                let op = if allowed && cost > 0 {
                    current.used += cost;
                    Op::Put(current)
                } else {
                    // A read, or a refused charge, changes nothing (and keeps no new entry).
                    Op::Nop
                };
                std::future::ready(op)
            })
            .await;
        RateState {
            limit,
            used: current.used,
            remaining: limit.saturating_sub(current.used),
            reset_epoch: current.start + window,
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
    /// Charges `points` to the client's budget if it can pay them, and records the outcome.
    pub async fn pay(&self, points: u64) -> RateState {
        let state = self.limiter.charge(&self.client, points).await;
        self.record(state);
        state
    }

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

    #[test]
    fn an_ipv6_client_is_one_client_across_its_64_and_ipv4_mapped_is_ipv4() {
        let l = limiter(10);
        let key = |ip: &str| l.client_key(Some(ip.parse().unwrap()), None, None);
        assert_eq!(
            key("2001:db8:1:2:aaaa::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "rotating within a /64 is one client"
        );
        assert_eq!(key("2001:db8:1:2::9"), "ip:2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        let l = limiter(10);
        let peer = Some("192.0.2.7".parse().unwrap());
        let a = l.client_key(peer, None, Some("Bearer ctip_x"));
        assert!(a.starts_with("key:"), "{a}");
        for header in ["bearer ctip_x", "BEARER ctip_x", "Bearer   ctip_x "] {
            assert_eq!(l.client_key(peer, None, Some(header)), a, "{header}");
        }
        assert_eq!(
            l.client_key(peer, None, Some("Basic ctip_x")),
            "ip:192.0.2.7"
        );
    }

    #[tokio::test]
    async fn in_process_budgets_are_bounded_and_leave_when_their_window_ends() {
        let cfg = RateLimitConfig {
            rate_limit_points: 10,
            rate_limit_window_seconds: 1,
            trusted_proxies: vec![],
            rate_limit_prefix: "t".into(),
        };
        let l = RateLimiter::with_capacity(&cfg, None, 50).unwrap();
        for i in 0..200 {
            l.charge(&format!("c{i}"), 1).await;
        }
        let held = l.local_clients().await;
        assert!(held <= 50, "{held} budgets held, at most 50 allowed");
        // The most recent client is still budgeted.
        assert_eq!(l.charge("c199", 0).await.used, 1);
        // Once the one-second window has ended, nothing is kept.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(l.local_clients().await, 0, "ended windows are evicted");
        assert_eq!(l.charge("c199", 0).await.used, 0, "a new window is whole");
    }
}
