//! ctip-api: a public GraphQL API of anonymized counter-trafficking-in-persons statistics for Vietnam.
//!
//! Crate map (dependencies point one way: `http → graphql → store / disclosure → entity`):
//! - [`config`]: the one typed configuration (clap, every option also an environment variable).
//! - [`cli`]: the subcommands (`serve`, `migrate`, `export-schema`, `seed-demo`, `keys`, `sources`,
//!   `import`, `release`); [`progress`] shows how far a long import has got.
//! - [`write`], [`sources`], [`import`], [`figures`]: the write services shared by the mutations and the command
//!   line (validation, one transaction, audit).
//! - [`startup`]: `Application::build` binds the listener and connects; `run_until_stopped` serves.
//! - [`http`]: the axum router: GraphQL over HTTP, GraphiQL, health, readiness, metrics.
//! - [`graphql`]: the schema (built without I/O), one file per domain, DataLoaders in one place.
//! - [`store`]: sea-orm queries, one function per question the API asks the database.
//! - [`reference`]: the current data version and its reference data (regions, populations,
//!   releases and their months, the catalogue), read once per version and shared by every request.
//! - [`statistics`]: a statistics request resolved, checked against the lattice, run as one
//!   `GROUP BY` and protected; shared by GraphQL, the CSV export and `Region.caseTotal`.
//! - [`disclosure`]: the disclosure policy (cell-key perturbation, display rule, query lattice); pure.
//! - [`demo`]: the seeded generator of the synthetic demo data set.
//! - [`keys`]: loading (or, for the embedded default, creating) the disclosure secrets, and
//!   checking them against the fingerprints the database holds.
//! - [`calendar`]: dates as Vietnam reads them (Asia/Ho_Chi_Minh).
//! - [`error`], [`metrics`], [`telemetry`], [`db`]: the cross-cutting pieces.
pub mod auth;
pub mod calendar;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod connection;
pub mod count;
pub mod db;
pub mod demo;
pub mod dimensions;
/// The disclosure policy, a crate of its own so that the compiler keeps it pure (no I/O, no
/// database, no GraphQL): `disclosure/`.
pub use ctip_disclosure as disclosure;
pub mod error;
pub mod events;
pub mod figures;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod import;
pub mod ingest;
pub mod keys;
pub mod metrics;
pub mod progress;
pub mod ratelimit;
pub mod read_pools;
pub mod redis_link;
pub mod reference;
pub mod regions;
pub mod sources;
pub mod startup;
pub mod statistics;
pub mod store;
pub mod telemetry;
pub mod write;

#[cfg(test)]
mod layering_tests;
