//! Rates per 100,000 inhabitants, from protected values only (disclosure.md §4 rule 5), and the
//! population they use: that of the year asked for, else of the nearest known year.
use entity::region_population;

use crate::disclosure::Protected;
use crate::reference::Snapshot;

/// A population used for a rate, and its year (the nearest known when the wanted one is missing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_100k: f64,
    pub population_year: i32,
}

/// The population of the requested year, else the nearest known year (the earlier one on a tie);
/// the latest one when no year is asked for.
pub fn nearest_population(
    all: &[region_population::Model],
    year: Option<i32>,
) -> Option<&region_population::Model> {
    match year {
        None => all.iter().max_by_key(|p| p.year),
        Some(y) => all.iter().min_by_key(|p| ((p.year - y).abs(), p.year)),
    }
}

/// The rate of a protected value: None when it is suppressed, when no year is known, or when no
/// population is.
pub fn rate(
    p: &Protected,
    populations: &[region_population::Model],
    year: Option<i32>,
) -> Option<Rate> {
    let value = p.value?;
    let pop = nearest_population(populations, Some(year?))?;
    (pop.population > 0).then(|| Rate {
        per_100k: value as f64 * 100_000.0 / pop.population as f64,
        population_year: pop.year,
    })
}

/// The populations of the regions a result shows, and the country its total falls back on: all
/// in the reference data.
pub(super) struct Populations<'a> {
    snapshot: &'a Snapshot,
    pub country_id: Option<i32>,
}

impl<'a> Populations<'a> {
    /// The country is the root of the region tree of the request's country.
    pub fn of(snapshot: &'a Snapshot, country_code: &str) -> Self {
        Populations {
            snapshot,
            country_id: snapshot.country(country_code).map(|r| r.id),
        }
    }

    pub fn rate(&self, p: &Protected, region: Option<i32>, year: Option<i32>) -> Option<Rate> {
        rate(p, self.snapshot.populations(region?), year)
    }
}
