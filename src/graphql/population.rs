//! Population figures of regions, each with its source.
use async_graphql::{ComplexObject, Context, Result, SimpleObject};
use entity::region_population;

use super::loader::{Loaders, SourceId};
use super::source::Source;
use crate::error::AppError;

/// A population figure of a region for one year.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Population {
    /// The year the figure refers to.
    pub year: i32,
    /// Number of people.
    pub value: i64,
    /// What was measured, e.g. "GSO average population (rounded to 100)".
    pub measure: String,
    #[graphql(skip)]
    pub source_id: i32,
}

#[ComplexObject]
impl Population {
    /// Where the figure comes from.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        Ok(ctx
            .data::<Loaders>()?
            .load_one(SourceId(self.source_id))
            .await
            .map_err(AppError::from)?
            .map(Source))
    }
}

impl From<region_population::Model> for Population {
    fn from(m: region_population::Model) -> Self {
        Population {
            year: m.year,
            value: m.population,
            measure: m.measure,
            source_id: m.source_id,
        }
    }
}
