//! `rateLimit`: the caller's budget, as GitHub's GraphQL API shows it.
use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::ratelimit::RateTicket;

/// The caller's rate-limit budget after this request. Every operation costs
/// `1 + complexity / 100` points (complexity: each field 1, a list's page size multiplying what
/// it selects); each client (its API key, else its IP) has `limit` points per window.
#[derive(SimpleObject)]
#[graphql(cache_control(no_cache))]
pub struct RateLimit {
    /// Points this operation cost.
    pub cost: u64,
    /// Points per window.
    pub limit: u64,
    /// Points left in the window.
    pub remaining: u64,
    /// Points used in the window.
    pub used: u64,
    /// When the window ends and the budget is whole again.
    pub reset_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct RateLimitQuery;

#[Object]
impl RateLimitQuery {
    /// The caller's rate-limit budget (null when the server applies no rate limit).
    async fn rate_limit(&self, ctx: &Context<'_>) -> Option<RateLimit> {
        let state = ctx.data_opt::<RateTicket>()?.last()?;
        Some(RateLimit {
            cost: state.cost,
            limit: state.limit,
            remaining: state.remaining,
            used: state.used,
            reset_at: DateTime::from_timestamp(state.reset_epoch, 0),
        })
    }
}
