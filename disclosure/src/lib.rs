//! The disclosure policy (design/disclosure.md): how counts are anonymized before anyone sees them.
//!
//! Pure functions only: no I/O, no GraphQL, no database types. Every number derived from case
//! counts, on every path (`caseStatistics`, `Region.caseTotal`, CSV export, subscriptions,
//! caches), must come out of [`protect`]; every request must pass [`check_grain`] first.
//!
//! # The pipeline
//!
//! 1. **Ingest** ([`keys`]): each finest cell holding `n` units of a [`UnitType`] stores
//!    `key_sum = Σ_{i=1..n} unit_key(K1, t, cell, i)` beside `n` ([`key_sum`]).
//! 2. **Serving** ([`protect`]): for a node (any group of finest cells) the store returns
//!    `SUM(n)` and `SUM(key_sum)` from one `GROUP BY`; [`protect`] derives the cell key
//!    `u = HMAC(K2, "ck1|" ck_raw "|" n) mod 4096` ([`ck_raw`], [`cell_key_u`]), adds
//!    `v(n, u)` from the public [`perturbation_table`] and applies the display rule of a
//!    [`DisplayPolicy`]. The same contributors always give the same output, so repeating or
//!    rephrasing a question averages nothing away.
//! 3. **Shape of questions** ([`lattice`]): [`check_grain`] refuses any use of the age group
//!    at a grain finer than [`age_grain_table`] allows, so a child count of one province in
//!    one month or quarter is not a linear combination of served nodes (proved on a
//!    synthetic geography by the derivability tests).
//!
//! # Files
//!
//! | file | owns |
//! |---|---|
//! | `keys.rs` | secrets K1/K2, record keys, key sums, cell key `u` |
//! | `perturb.rs` | the public perturbation table and `v(n, u)` |
//! | `serving.rs` | the serving entry point and the display rule |
//! | `lattice.rs` | grains, the age rule table, `check_grain` |
//! | `refusal.rs` | the words of a refusal, with the nearest allowed grains |
//! | `*_tests.rs`, `exact_rank.rs` | tests only (unit, property, statistical, lattice, derivability) |

pub mod keys;
pub mod lattice;
pub mod perturb;
mod refusal;
pub mod serving;

pub use keys::{
    Cell, KeyError, Keys, SECRET_LEN, Secret, UnitType, cell_key_u, ck_raw, key_sum, unit_key,
};
pub use lattice::{
    AGE_GRAIN_TABLE, AgeAllowance, AgeGrainRule, CategoryDim, Grain, GrainRefusal, PeriodGrain,
    RegionGrain, RequestWords, age_allowance, age_grain_table, check_grain,
};
pub use perturb::{
    CountClass, PERTURBATION_TABLE, PerturbationRow, U_RANGE, perturbation, perturbation_table,
};
pub use serving::{AgeUse, DisplayPolicy, PolicyError, Protected, ValueStatus, protect};

#[cfg(test)]
mod derivability_tests;
#[cfg(test)]
pub(crate) mod exact_rank;
#[cfg(test)]
mod lattice_tests;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod statistical_tests;
#[cfg(test)]
mod unit_tests;
