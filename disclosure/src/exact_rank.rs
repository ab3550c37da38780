//! Exact rank over the rationals, for the derivability tests (test-only).
//!
//! Why exact: "is the child count of a province in a month a linear combination of served
//! nodes?" is a question about the row space over **Q**: an attacker may add and subtract
//! published values with any weights. Floating point can miss a dependency or invent one.
//! A rank modulo a prime is never above the rank over Q and can be below it, and a rational
//! combination may have denominators divisible by the prime, so a modular answer would need
//! an argument per test for which direction of error is harmless. Working over Q avoids
//! that: we eliminate over the integers, fraction-free. An integer row stands for the
//! rational row up to a non-zero factor (same line, same span); after each step it is
//! divided by the gcd of its entries to keep numbers small. All arithmetic is checked: an
//! overflow stops the test with a panic instead of giving a wrong rank.
//!
//! Rows are sparse (`(column, value)` sorted by column), because node indicator vectors are
//! 0/1 with small support and the basis stays sparse when the finest nodes come first.

use std::collections::BTreeMap;

/// A sparse integer row: `(column, non-zero value)`, strictly increasing columns.
pub(crate) type SparseRow = Vec<(u32, i128)>;

/// A basis in row-echelon form: each row has a distinct pivot (its first non-zero column)
/// and, by construction, zeros in every column before it.
#[derive(Default)]
pub(crate) struct EchelonBasis {
    rows: BTreeMap<u32, SparseRow>,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `a·x − b·y` for sparse rows, dropping zeros. Panics on overflow (see file header).
fn combine(a: i128, x: &[(u32, i128)], b: i128, y: &[(u32, i128)]) -> SparseRow {
    let scaled = |f: i128, v: i128| match f.checked_mul(v) {
        Some(p) => p,
        None => panic!("exact elimination overflowed i128"),
    };
    let mut out = Vec::with_capacity(x.len() + y.len());
    let (mut i, mut j) = (0, 0);
    while i < x.len() || j < y.len() {
        let (col, value) = match (x.get(i), y.get(j)) {
            (Some(&(cx, vx)), Some(&(cy, _))) if cx < cy => {
                i += 1;
                (cx, scaled(a, vx))
            }
            (Some(&(cx, _)), Some(&(cy, vy))) if cy < cx => {
                j += 1;
                (cy, -scaled(b, vy))
            }
            (Some(&(cx, vx)), Some(&(_, vy))) => {
                i += 1;
                j += 1;
                let diff = scaled(a, vx).checked_sub(scaled(b, vy));
                (
                    cx,
                    diff.unwrap_or_else(|| panic!("exact elimination overflowed i128")),
                )
            }
            (Some(&(cx, vx)), None) => {
                i += 1;
                (cx, scaled(a, vx))
            }
            (None, Some(&(cy, vy))) => {
                j += 1;
                (cy, -scaled(b, vy))
            }
            (None, None) => break,
        };
        if value != 0 {
            out.push((col, value));
        }
    }
    // Divide by the content and make the leading entry positive: same rational line.
    let content = out.iter().fold(0, |g, &(_, v)| gcd(g, v));
    let sign = if out.first().is_some_and(|&(_, v)| v < 0) {
        -1
    } else {
        1
    };
    if content > 1 || sign < 0 {
        for entry in &mut out {
            entry.1 = entry.1 / content * sign;
        }
    }
    out
}

impl EchelonBasis {
    /// Rank of the rows inserted so far (the dimension of their span over Q).
    pub(crate) fn rank(&self) -> usize {
        self.rows.len()
    }

    /// Eliminates pivots from `row` left to right until its leading column is not a pivot;
    /// returns what is left (empty exactly when `row` lies in the span).
    fn reduce(&self, mut row: SparseRow) -> SparseRow {
        while let Some(&(lead, value)) = row.first() {
            let Some(pivot_row) = self.rows.get(&lead) else {
                // Leading column is no pivot: no combination of basis rows can cancel it,
                // because every basis row is zero before its own pivot.
                break;
            };
            let pivot = pivot_row[0].1;
            let g = gcd(pivot, value);
            row = combine(pivot / g, &row, value / g, pivot_row);
        }
        row
    }

    /// Whether `row` is a linear combination (over Q) of the inserted rows.
    pub(crate) fn spans(&self, row: &[(u32, i128)]) -> bool {
        self.reduce(row.to_vec()).is_empty()
    }

    /// Adds `row`; returns whether the rank grew.
    pub(crate) fn insert(&mut self, row: SparseRow) -> bool {
        let residue = self.reduce(row);
        match residue.first() {
            Some(&(lead, _)) => {
                self.rows.insert(lead, residue);
                true
            }
            None => false,
        }
    }
}

/// A 0/1 indicator row from a set of columns.
pub(crate) fn indicator(mut columns: Vec<u32>) -> SparseRow {
    columns.sort_unstable();
    columns.dedup();
    columns.into_iter().map(|c| (c, 1)).collect()
}

#[test]
fn rank_of_small_known_matrices() {
    let mut basis = EchelonBasis::default();
    assert!(basis.insert(indicator(vec![0, 1])));
    assert!(basis.insert(indicator(vec![1, 2])));
    assert!(basis.insert(indicator(vec![0, 2])));
    // Over GF(2) the three rows above are dependent; over Q they are not.
    assert_eq!(basis.rank(), 3);
    assert!(basis.spans(&indicator(vec![0])));

    let mut basis = EchelonBasis::default();
    for row in [vec![0, 1, 2, 3], vec![0, 1], vec![2, 3]] {
        basis.insert(indicator(row));
    }
    assert_eq!(basis.rank(), 2, "total = sum of the parts");
    assert!(basis.spans(&indicator(vec![0, 1, 2, 3])));
    assert!(
        !basis.spans(&indicator(vec![0])),
        "a part of a part is not derivable"
    );
    assert!(basis.spans(&[(0, 3), (1, 3), (2, -2), (3, -2)]));
}
