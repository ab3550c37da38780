//! Lattice tests: every region grain × period grain × set of categories against the age rule
//! of disclosure.md §4.2, written out again here independently of `AGE_GRAIN_TABLE`, and the
//! refusal messages.

use super::*;

/// The API's words (statistics::REQUEST_WORDS).
const WORDS: RequestWords = RequestWords {
    region_level: "regionLevel",
    period_granularity: "periodGranularity",
    age_group: "ageGroup",
    group_by: "groupBy",
};

use CategoryDim::{AgeGroup, Destination, ExploitationForm, Sex};
use PeriodGrain::{Month, Quarter, Year};
use RegionGrain::{Country, Province, SocioEconomicRegion};

/// The spec's table, transcribed by hand: is age with `others` other dimensions allowed?
fn spec_allows_age(region: RegionGrain, period: PeriodGrain, others: usize) -> bool {
    match (region, period) {
        (Country, Month | Quarter) => others <= 1,
        (Country, Year) => true,
        (SocioEconomicRegion, Month) => false,
        (SocioEconomicRegion, Quarter | Year) => others <= 1,
        (Province, Month | Quarter) => false,
        (Province, Year) => others <= 1,
    }
}

/// All 16 subsets of the category dimensions.
fn all_category_sets() -> Vec<Vec<CategoryDim>> {
    (0u32..16)
        .map(|mask| {
            CategoryDim::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, d)| *d)
                .collect()
        })
        .collect()
}

#[test]
fn every_grain_is_checked_exactly_as_the_table_says() {
    let mut checked = 0;
    for region in RegionGrain::ALL {
        for period in PeriodGrain::ALL {
            for cats in all_category_sets() {
                let uses_age = cats.contains(&AgeGroup);
                let others = cats.iter().filter(|d| **d != AgeGroup).count();
                let expected = !uses_age || spec_allows_age(region, period, others);
                // Order and repetition of the categories must not matter.
                let mut shuffled: Vec<CategoryDim> = cats.iter().rev().copied().collect();
                shuffled.extend(cats.iter().copied());
                for categories in [cats.clone(), shuffled] {
                    let g = Grain {
                        region,
                        period,
                        categories,
                    };
                    assert_eq!(check_grain(&g).is_ok(), expected, "{g:?}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 3 * 16);
}

#[test]
fn without_age_every_grain_down_to_the_finest_cell_is_allowed() {
    for region in RegionGrain::ALL {
        for period in PeriodGrain::ALL {
            let g = Grain::new(region, period, [Sex, ExploitationForm, Destination]);
            assert_eq!(check_grain(&g), Ok(()));
        }
    }
}

#[test]
fn published_age_table_matches_the_spec_and_covers_each_grain_once() {
    let table = age_grain_table();
    assert_eq!(table.len(), 9);
    for region in RegionGrain::ALL {
        for period in PeriodGrain::ALL {
            let rows: Vec<&AgeGrainRule> = table
                .iter()
                .filter(|r| r.region == region && r.period == period)
                .collect();
            assert_eq!(rows.len(), 1, "{region:?} × {period:?}");
            for others in 0..=3 {
                assert_eq!(
                    rows[0].allowance.permits(others),
                    spec_allows_age(region, period, others),
                    "{region:?} × {period:?} with {others} others"
                );
            }
        }
    }
    assert_eq!(age_allowance(Province, Year).as_str(), "AT_MOST_ONE_OTHER");
    assert_eq!(age_allowance(Country, Year).as_str(), "ANY_OTHERS");
    assert_eq!(age_allowance(Province, Month).as_str(), "NEVER");
}

#[test]
fn a_coarser_grain_is_allowed_whenever_a_finer_one_is() {
    for cats in all_category_sets() {
        for region in RegionGrain::ALL {
            for period in PeriodGrain::ALL {
                if check_grain(&Grain::new(region, period, cats.clone())).is_err() {
                    continue;
                }
                for r in RegionGrain::ALL.iter().filter(|r| **r <= region) {
                    for p in PeriodGrain::ALL.iter().filter(|p| **p <= period) {
                        // Dropping a category (any subset) must stay allowed too.
                        for fewer in all_category_sets() {
                            if fewer.iter().all(|d| cats.contains(d)) {
                                let g = Grain::new(*r, *p, fewer);
                                assert_eq!(check_grain(&g), Ok(()), "{g:?}");
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_refusal_explains_itself_and_names_an_allowed_grain() {
    for region in RegionGrain::ALL {
        for period in PeriodGrain::ALL {
            for cats in all_category_sets() {
                let g = Grain::new(region, period, cats.clone());
                let Err(refusal) = check_grain(&g) else {
                    continue;
                };
                let m = &refusal.message(&WORDS);
                let others = cats.iter().filter(|d| **d != AgeGroup).count();
                assert!(
                    m.starts_with(&format!("age group by {}", region.phrase())),
                    "{m}"
                );
                assert!(m.contains("as a filter or in groupBy"), "{m}");
                // The message must point at a grain that is actually allowed.
                let names_allowed_grain = if others <= 1 {
                    PeriodGrain::ALL.iter().any(|p| {
                        spec_allows_age(region, *p, others)
                            && m.contains(&format!("periodGranularity {}", p.api_name()))
                    })
                } else {
                    m.contains("regionLevel COUNTRY with periodGranularity YEAR")
                };
                assert!(names_allowed_grain, "{g:?}: {m}");
                if spec_allows_age(region, period, 0) {
                    assert!(m.contains(&format!("this request uses {others}")), "{m}");
                } else {
                    assert!(m.contains(&format!("not per {}", period.phrase())), "{m}");
                }
            }
        }
    }
    assert_eq!(GrainRefusal::CODE, "GRAIN_NOT_ALLOWED");
}

#[test]
fn refusal_messages_read_as_written() {
    let note = " (any use of ageGroup counts, as a filter or in groupBy, whatever the value; \
                a period or region filter counts as its length or level)";
    let cases = [
        (
            Grain::new(Province, Month, [AgeGroup]),
            "age group by province is published per year only, with at most one other \
             category, not per month; ask for periodGranularity YEAR, or regionLevel COUNTRY",
        ),
        (
            Grain::new(Province, Quarter, [AgeGroup, Sex]),
            "age group by province is published per year only, with at most one other \
             category, not per quarter; ask for periodGranularity YEAR, or regionLevel COUNTRY \
             or SOCIO_ECONOMIC_REGION",
        ),
        (
            Grain::new(SocioEconomicRegion, Month, [AgeGroup]),
            "age group by socio-economic region is published per quarter or year with at most \
             one other category, not per month; ask for periodGranularity YEAR or QUARTER, or \
             regionLevel COUNTRY",
        ),
        (
            Grain::new(Province, Year, [AgeGroup, Sex, Destination]),
            "age group by province per year is published with at most one other category \
             (sex, exploitation form or destination), and this request uses 2: sex, \
             destination; keep only one of sex, destination, or ask for regionLevel COUNTRY \
             with periodGranularity YEAR, which allows age with any other categories",
        ),
    ];
    for (grain, expected) in cases {
        let Err(refusal) = check_grain(&grain) else {
            panic!("{grain:?} must be refused");
        };
        assert_eq!(refusal.message(&WORDS), format!("{expected}{note}"));
    }
}

#[test]
fn grain_new_sorts_and_deduplicates() {
    let g = Grain::new(Country, Year, [Sex, AgeGroup, Sex, Destination, AgeGroup]);
    assert_eq!(g.categories, vec![Sex, AgeGroup, Destination]);
    assert_eq!(Province.api_name(), "PROVINCE");
    assert_eq!(Quarter.api_name(), "QUARTER");
    assert_eq!(ExploitationForm.phrase(), "exploitation form");
}
