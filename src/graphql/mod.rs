//! The GraphQL schema: built without I/O (`schema_builder`), the query root merged from one object
//! per domain. Resolvers take what they need from the context, call `store`, and map the result.
pub mod activity;
pub mod agency;
pub mod audit;
pub mod campaign;
pub mod cost;
pub mod ids;
pub mod lang;
pub mod loader;
pub mod methodology;
pub mod mutation;
pub mod mutation_catalogue;
pub mod mutation_figures;
pub mod node;
pub mod pagination;
pub mod population;
pub mod ratelimit;
pub mod region;
pub mod scalars;
pub mod source;
pub mod statistics;
pub mod statistics_enums;
pub mod subscription;

use async_graphql::{MergedObject, Schema, SchemaBuilder};
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::disclosure::Secret;
use crate::events::Events;
use crate::read_pools::ReadPools;
use crate::statistics::Disclosure;

/// What resolvers need from the application (schema data).
#[derive(Clone)]
pub struct ApiContext {
    /// The primary: writes and everything a write checks. A request that only reads is given a
    /// context whose `db` is its read connection instead ([`ApiContext::for_reads`]).
    pub db: DatabaseConnection,
    /// Where reads go: a replica within the lag bound, else the primary.
    pub reads: ReadPools,
    pub max_page_size: u32,
    /// K2 and the display rule: everything needed to protect a count, nothing to undo it.
    pub disclosure: Arc<Disclosure>,
    /// K1, where this server may write counts (a read-only replica has none).
    pub k1: Option<Arc<Secret>>,
    /// Public changes and published releases, from this process and every other: they empty
    /// this process's caches, then `releasePublished` subscribers hear of them.
    pub events: Events,
    /// How long a DataLoader waits to gather keys into one statement.
    pub loader_delay: std::time::Duration,
    /// The largest count one cell may hold (larger ones are refused before any key is computed).
    pub max_cell_count: i64,
    /// The current data version and its reference data, shared by every request.
    pub reference: Arc<crate::reference::Reference>,
}

impl ApiContext {
    /// The context of a request that only reads: everything it reads comes from one read
    /// connection, taken now.
    pub fn for_reads(&self) -> ApiContext {
        ApiContext {
            db: self.reads.reader(),
            ..self.clone()
        }
    }
}

/// The query root: every public read of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    region::RegionQuery,
    agency::AgencyQuery,
    campaign::CampaignQuery,
    source::CatalogueQuery,
    statistics::StatisticsQuery,
    audit::AuditQuery,
    ratelimit::RateLimitQuery,
    node::NodeQuery,
);

/// The mutation root: every write.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    mutation::MutationRoot,
    mutation_catalogue::CatalogueMutation,
    mutation_figures::FiguresMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, subscription::SubscriptionRoot>;

/// The schema with no data attached: enough to print the SDL. Does no I/O.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, MutationRoot, subscription::SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
}

/// The schema serving requests: an operation costing more than `max_complexity` is refused
/// (see [`cost`]); `recursive_depth` bounds the nesting async-graphql walks.
pub fn build_schema(api: ApiContext, max_complexity: usize, recursive_depth: usize) -> AppSchema {
    schema_builder()
        .data(api)
        .extension(cost::CostLimit { max_complexity })
        .limit_recursive_depth(recursive_depth)
        .finish()
}

/// The SDL of the published contract (what `schema.graphql` holds): what introspection gives,
/// `@specifiedBy` of the scalars included (.ci/audit/schema.mjs compares the two).
pub fn sdl() -> String {
    schema_builder()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
