//! The public perturbation table (disclosure.md §2) and the lookup `v(n, u)`.
//!
//! The table is kept as data, [`PERTURBATION_TABLE`], and [`perturbation`] reads that very
//! data, so what the API publishes as its methodology and what it applies cannot drift apart.

/// Number of distinct cell keys `u` (`0 ..= 4095`); every probability in the table is a
/// count of keys divided by this.
pub const U_RANGE: u16 = 4096;

/// The class of true counts a row of the perturbation table applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CountClass {
    /// `n = 0`: never changed, so an empty cell always reads "0".
    Zero,
    /// `n = 1`: changed by −1 … +2, never below 0.
    One,
    /// `n ≥ 2`: changed by −2 … +2.
    TwoOrMore,
}

impl CountClass {
    /// The class of a true count. Counts are never negative; a negative value (a corrupt
    /// row) is classed with zero so it is never perturbed into something that looks real.
    #[must_use]
    pub const fn of(n: i64) -> Self {
        match n {
            i64::MIN..=0 => Self::Zero,
            1 => Self::One,
            _ => Self::TwoOrMore,
        }
    }

    /// How the class is written in the published table: `"0"`, `"1"`, `">=2"`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Zero => "0",
            Self::One => "1",
            Self::TwoOrMore => ">=2",
        }
    }
}

/// One row of the public perturbation table: for true counts of class `n_class`, a cell key
/// `u` in `u_min ..= u_max` adds `v` to the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerturbationRow {
    /// The true counts this row applies to.
    pub n_class: CountClass,
    /// The change added to the true count.
    pub v: i64,
    /// Smallest cell key of the range, inclusive.
    pub u_min: u16,
    /// Largest cell key of the range, inclusive.
    pub u_max: u16,
}

impl PerturbationRow {
    /// Number of cell keys in the range (out of [`U_RANGE`]).
    #[must_use]
    pub const fn weight(&self) -> u16 {
        self.u_max - self.u_min + 1
    }

    /// Probability of this change for a count of the class: `weight / 4096`, exact in `f64`.
    #[must_use]
    pub fn probability(&self) -> f64 {
        f64::from(self.weight()) / f64::from(U_RANGE)
    }

    /// Whether cell key `u` falls in this row's range.
    #[must_use]
    pub const fn contains(&self, u: u16) -> bool {
        self.u_min <= u && u <= self.u_max
    }
}

const fn row(n_class: CountClass, v: i64, u_min: u16, u_max: u16) -> PerturbationRow {
    PerturbationRow {
        n_class,
        v,
        u_min,
        u_max,
    }
}

/// The perturbation table of disclosure.md §2, row by row, each class covering
/// `0 ..= 4095` exactly once with ranges in increasing order of `u`.
///
/// For `n ≥ 2` the weights are 261, 1002, 1570, 1002, 261 (mean 0, variance 4092/4096);
/// for `n = 1` they are 1536, 1536, 512, 512 for −1, 0, +1, +2 (mean 0, variance 1, and
/// `y = n + v ≥ 0`). Published as is by the API.
pub const PERTURBATION_TABLE: [PerturbationRow; 10] = [
    row(CountClass::Zero, 0, 0, 4095),
    row(CountClass::One, -1, 0, 1535),
    row(CountClass::One, 0, 1536, 3071),
    row(CountClass::One, 1, 3072, 3583),
    row(CountClass::One, 2, 3584, 4095),
    row(CountClass::TwoOrMore, -2, 0, 260),
    row(CountClass::TwoOrMore, -1, 261, 1262),
    row(CountClass::TwoOrMore, 0, 1263, 2832),
    row(CountClass::TwoOrMore, 1, 2833, 3834),
    row(CountClass::TwoOrMore, 2, 3835, 4095),
];

/// The public perturbation table, for the API's methodology section.
#[must_use]
pub fn perturbation_table() -> &'static [PerturbationRow] {
    &PERTURBATION_TABLE
}

/// The change `v(n, u)` the table assigns to true count `n` and cell key `u`.
///
/// Zero (and any non-positive `n`) is never changed. `u` comes from
/// [`super::cell_key_u`] and so is below 4096; a larger value is reduced modulo 4096 so
/// the function is total. The result is always in `-2 ..= 2`, and `n + v ≥ 0` for every
/// `n ≥ 0`.
#[must_use]
pub fn perturbation(n: i64, u: u16) -> i64 {
    let class = CountClass::of(n);
    let u = u % U_RANGE;
    PERTURBATION_TABLE
        .iter()
        .find(|r| r.n_class == class && r.contains(u))
        // Unreachable: the tests check that every class covers 0..=4095 without gaps.
        .map_or(0, |r| r.v)
}
