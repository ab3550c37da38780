//! The integration test binary: every test starts the real server on port 0 over a fresh database
//! (a temporary SQLite file, or a fresh PostgreSQL schema when CTIP_TEST_DATABASE_URL is set).
#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on what it does not expect"
)]

mod child;
mod helpers;

mod age_rules;
mod attacker;
mod bad_input;
mod caching;
mod campaigns;
mod cli;
mod contract;
mod dashboard;
mod events;
mod export;
mod faults;
mod figures;
mod headers;
mod hostile;
mod http;
mod key_binding;
mod key_fingerprint;
mod limits;
mod logs;
mod metrics;
mod otel;
mod persisted;
mod planner_statistics;
mod public_changes;
mod queries_per_request;
mod ratelimit;
mod read_replicas;
mod regions;
mod response_bytes;
mod response_cache;
mod statements_per_request;
mod statistics;
mod upload;
mod writes;
mod ws;
