//! The cost of an operation, as async-graphql computes it during validation from the
//! `complexity` the schema declares: each field costs 1, and a list field multiplies the cost of
//! what it selects by its page size ([`page_cost`]). [`CostLimit`] refuses an operation over the
//! limit, and can measure one without running it ([`CostProbe`]), which lets the HTTP layer add up
//! the cost of a whole batch before any of it runs.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation,
};
use async_graphql::{Response, ServerError, ValidationResult, Value};

use super::pagination::DEFAULT_PAGE_SIZE;
use crate::ratelimit::{RateTicket, points};

pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";

/// The cost of a page: each of its items costs what it selects. `first` is validated later by
/// the resolver; a negative one costs nothing here and fails there.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let items = first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize);
    1usize.saturating_add(items.saturating_mul(child_complexity))
}

/// The coded error of an operation over the cost limit.
pub fn too_complex(cost: usize, max: usize) -> ServerError {
    let mut e = ServerError::new(
        format!(
            "The request costs {cost}; at most {max} is accepted. Each field costs 1 and a list's page size (`first`, {DEFAULT_PAGE_SIZE} when not given) multiplies the cost of what it selects: ask for smaller pages or fewer fields."
        ),
        None,
    );
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", QUERY_TOO_COMPLEX);
    e.extensions = Some(ext);
    e
}

/// Request data that turns execution into a dry run: the operation is parsed and validated, its
/// cost recorded here, and nothing is resolved.
#[derive(Clone, Default)]
pub struct CostProbe(Arc<AtomicUsize>);

impl CostProbe {
    pub fn cost(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// The schema extension enforcing the cost limit of one operation.
pub struct CostLimit {
    pub max_complexity: usize,
}

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostLimitExtension {
            max: self.max_complexity,
        })
    }
}

struct CostLimitExtension {
    max: usize,
}

#[async_graphql::async_trait::async_trait]
impl Extension for CostLimitExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(probe) = ctx.data_opt::<CostProbe>() {
            probe.0.store(result.complexity, Ordering::Relaxed);
        }
        if result.complexity > self.max {
            return Err(vec![too_complex(result.complexity, self.max)]);
        }
        // The caller's budget pays for the operation before it runs (never for a dry run).
        if let Some(ticket) = ctx.data_opt::<RateTicket>()
            && ctx.data_opt::<CostProbe>().is_none()
        {
            let state = ticket
                .limiter
                .charge(&ticket.client, points(result.complexity))
                .await;
            ticket.record(state);
            if !state.allowed {
                let mut e = ServerError::new(crate::http::rate_limited_message(&state), None);
                let mut ext = async_graphql::ErrorExtensionValues::default();
                ext.set("code", crate::http::RATE_LIMITED);
                e.extensions = Some(ext);
                return Err(vec![e]);
            }
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if ctx.data_opt::<CostProbe>().is_some() {
            return Response::new(Value::Null);
        }
        next.run(ctx, operation_name).await
    }
}
