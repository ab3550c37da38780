//! sea-orm entities of ctip-api: plain data, one module per table. No GraphQL derives here:
//! table columns are not the public contract (the `graphql` module of the server maps them).
pub mod activity;
pub mod activity_agency;
pub mod activity_output;
pub mod activity_source;
pub mod agency;
pub mod api_key;
pub mod api_key_source;
pub mod audit_log;
pub mod campaign;
pub mod case_count;
pub mod key_fingerprint;
pub mod published_figure;
pub mod region;
pub mod region_ancestor;
pub mod region_population;
pub mod release;
pub mod source;
