//! Statistical test (disclosure.md §6): over thousands of synthetic nodes, `y − n` follows
//! the published table.
//!
//! The nodes are built the way the store builds them: random finest cells get units at
//! ingest (`key_sum` with the test K1), a node sums the `n` and `key_sum` of a few cells,
//! and the serving path derives `u` and `v`. This checks the whole chain (HMAC, big-endian
//! reading, `mod 2^32`, `mod 4096`, table lookup) for uniformity, not just the table.
//!
//! Goodness of fit is Pearson's chi-square at alpha = 0.001 with fixed critical values
//! (df = 4 for `n ≥ 2`: 18.467; df = 3 for `n = 1`: 16.266). The seed is fixed, so the test
//! is deterministic; alpha says how unlucky a correct implementation would have to be for
//! the chosen seed to fail (one seed in a thousand). A deliberately wrong table is shown to
//! fail the same test, so the test has power.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

const NODES_TWO_OR_MORE: usize = 16_000;
const NODES_ONE: usize = 4_000;
/// Chi-square critical value, 4 degrees of freedom, upper tail 0.001.
const CHI2_CRIT_DF4: f64 = 18.467;
/// Chi-square critical value, 3 degrees of freedom, upper tail 0.001.
const CHI2_CRIT_DF3: f64 = 16.266;

const PROVINCES: [&str; 12] = [
    "VN-PR-01", "VN-PR-02", "VN-PR-04", "VN-PR-06", "VN-PR-10", "VN-PR-11", "VN-PR-12", "VN-PR-14",
    "VN-PR-15", "VN-PR-20", "VN-PR-79", "VN-PR-80",
];
const SEXES: [&str; 3] = ["FEMALE", "MALE", "UNKNOWN"];
const AGES: [&str; 4] = ["UNDER_16", "AGE_16_17", "ADULT", "UNKNOWN"];
const FORMS: [&str; 4] = [
    "SEXUAL",
    "FORCED_LABOUR",
    "FORCED_MARRIAGE",
    "FORCED_CRIMINALITY",
];
const DESTINATIONS: [&str; 4] = ["DOMESTIC", "CN", "KH", "LA"];
const UNIT_TYPES: [UnitType; 4] = [
    UnitType::Case,
    UnitType::Suspect,
    UnitType::Victim,
    UnitType::Report,
];

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn random_cell(rng: &mut ChaCha8Rng) -> Cell<'static> {
    Cell {
        province: pick(rng, &PROVINCES),
        year: rng.random_range(2019..=2025),
        month: rng.random_range(1..=12),
        sex: pick(rng, &SEXES),
        age_group: pick(rng, &AGES),
        exploitation_form: pick(rng, &FORMS),
        destination: pick(rng, &DESTINATIONS),
    }
}

/// One synthetic node: `(n, SUM(key_sum))` over `cells` random cells, each given `units(rng)` units.
fn node(rng: &mut ChaCha8Rng, cells: usize, units: impl Fn(&mut ChaCha8Rng) -> u64) -> (i64, i64) {
    let keys = Keys::test_keys();
    let t = pick(rng, &UNIT_TYPES);
    let (mut n, mut sum) = (0u64, 0i64);
    for _ in 0..cells {
        let c = random_cell(rng);
        let units = units(rng);
        n += units;
        sum += key_sum(&keys.k1, t, &c, units);
    }
    (i64::try_from(n).unwrap_or(i64::MAX), sum)
}

/// `y − n` for a node, through the serving path.
fn change(n: i64, sum: i64) -> i64 {
    let u = cell_key_u(&Keys::test_keys().k2, ck_raw(sum), n);
    perturbation(n, u)
}

/// Counts of each change `v` in `-2 ..= 2` (index `v + 2`).
fn histogram(changes: &[i64]) -> [u64; 5] {
    let mut h = [0u64; 5];
    for v in changes {
        let slot = usize::try_from(v + 2).unwrap_or(usize::MAX);
        assert!(slot < 5, "change {v} outside -2..=2");
        h[slot] += 1;
    }
    h
}

/// Pearson's chi-square of observed counts against `(v, probability)` pairs.
fn chi_square(observed: &[u64; 5], expected: &[(i64, f64)]) -> f64 {
    let total: u64 = observed.iter().sum();
    let mut chi2 = 0.0;
    for v in -2i64..=2 {
        let slot = usize::try_from(v + 2).unwrap_or(0);
        let p: f64 = expected
            .iter()
            .filter(|(ev, _)| *ev == v)
            .map(|(_, p)| *p)
            .sum();
        let o = observed[slot] as f64;
        if p == 0.0 {
            // A change the table never makes must never be observed.
            assert_eq!(observed[slot], 0, "change {v} observed but impossible");
            continue;
        }
        let e = total as f64 * p;
        chi2 += (o - e) * (o - e) / e;
    }
    chi2
}

fn table_of(class: CountClass) -> Vec<(i64, f64)> {
    perturbation_table()
        .iter()
        .filter(|r| r.n_class == class)
        .map(|r| (r.v, r.probability()))
        .collect()
}

fn mean_and_variance(changes: &[i64]) -> (f64, f64) {
    let n = changes.len() as f64;
    let mean = changes.iter().sum::<i64>() as f64 / n;
    let var = changes
        .iter()
        .map(|v| (*v as f64 - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    (mean, var)
}

#[test]
fn distribution_of_changes_matches_the_published_table() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x00C7_1BA9_2024);
    // n >= 2: one to four cells of one to eight units each, at least two units in all.
    let mut many = Vec::with_capacity(NODES_TWO_OR_MORE);
    while many.len() < NODES_TWO_OR_MORE {
        let cells = rng.random_range(1..=4);
        let (n, sum) = node(&mut rng, cells, |r| r.random_range(1..=8));
        if n >= 2 {
            many.push(change(n, sum));
        }
    }
    // n = 1: a single unit in a single cell.
    let ones: Vec<i64> = (0..NODES_ONE)
        .map(|_| {
            let (n, sum) = node(&mut rng, 1, |_| 1);
            change(n, sum)
        })
        .collect();

    let h_many = histogram(&many);
    let h_ones = histogram(&ones);
    let chi2_many = chi_square(&h_many, &table_of(CountClass::TwoOrMore));
    let chi2_ones = chi_square(&h_ones, &table_of(CountClass::One));
    let (mean_many, var_many) = mean_and_variance(&many);
    let (mean_ones, var_ones) = mean_and_variance(&ones);
    eprintln!(
        "n>=2: counts {h_many:?} chi2 {chi2_many:.3} (df 4, crit {CHI2_CRIT_DF4}) \
         mean {mean_many:.4} var {var_many:.4}"
    );
    eprintln!(
        "n=1:  counts {h_ones:?} chi2 {chi2_ones:.3} (df 3, crit {CHI2_CRIT_DF3}) \
         mean {mean_ones:.4} var {var_ones:.4}"
    );

    assert!(chi2_many < CHI2_CRIT_DF4, "n >= 2 chi-square {chi2_many}");
    assert!(chi2_ones < CHI2_CRIT_DF3, "n = 1 chi-square {chi2_ones}");
    assert_eq!(h_ones[0], 0, "a single unit never loses two");
    // Standard error of the mean is 1/sqrt(16000) ≈ 0.008 (n >= 2), 1/sqrt(4000) ≈ 0.016
    // (n = 1); of the variance ≈ 0.010 and ≈ 0.016. The bounds are about five of them.
    assert!(mean_many.abs() < 0.04, "mean {mean_many}");
    assert!(
        (var_many - 4092.0 / 4096.0).abs() < 0.05,
        "variance {var_many}"
    );
    assert!(mean_ones.abs() < 0.08, "mean {mean_ones}");
    assert!((var_ones - 1.0).abs() < 0.08, "variance {var_ones}");

    // Power check: the same observations against a plausible but wrong table (the 0 band
    // narrowed by 100 keys on each side, as an off-by-a-row bug would) must be rejected.
    let wrong = [
        (-2, 261.0 / 4096.0),
        (-1, 1102.0 / 4096.0),
        (0, 1370.0 / 4096.0),
        (1, 1102.0 / 4096.0),
        (2, 261.0 / 4096.0),
    ];
    let chi2_wrong = chi_square(&h_many, &wrong);
    eprintln!("n>=2 against a wrong table: chi2 {chi2_wrong:.1}");
    assert!(
        chi2_wrong > CHI2_CRIT_DF4,
        "test cannot tell a wrong table apart"
    );
}
