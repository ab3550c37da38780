//! The serving entry point: perturb a node's count, then apply the display rule (disclosure.md §3).
//!
//! [`protect`] is the only function that turns a true count into something a person may see.
//! The display rule is private to this file on purpose: applying it to an unperturbed count
//! would publish exact small counts, so no caller can do that by mistake.

use std::fmt;

use super::keys::{Secret, cell_key_u, ck_raw};
use super::perturb::perturbation;

/// Whether a served value is shown, hidden, or zero (the `ValueStatus` of the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueStatus {
    /// The adjusted value is at or above the threshold and is shown.
    Published,
    /// The adjusted value is between 1 and the threshold − 1: shown as `"<threshold"`,
    /// value `null`.
    Suppressed,
    /// The adjusted value is 0, of a node that does not use the age group. Zero is never
    /// perturbed away from, but a true 1 or 2 can be adjusted down to 0, so a zero can hide
    /// them. Nodes that use the age group never show it (see [`AgeUse`]).
    Zero,
}

impl ValueStatus {
    /// The API's spelling: `PUBLISHED`, `SUPPRESSED`, `ZERO`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Published => "PUBLISHED",
            Self::Suppressed => "SUPPRESSED",
            Self::Zero => "ZERO",
        }
    }
}

/// The display rule's one parameter: the smallest adjusted value that is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DisplayPolicy {
    /// Adjusted values `1 ..= threshold − 1` are suppressed; `threshold` and above are shown.
    /// Build it with [`DisplayPolicy::new`] (which refuses values below 5) or use
    /// [`DisplayPolicy::DEFAULT`] / [`DisplayPolicy::STRICT`].
    pub threshold: i64,
}

impl DisplayPolicy {
    /// The standard setting: values 1 to 4 are suppressed.
    pub const DEFAULT: Self = Self { threshold: 5 };
    /// The strict setting: values 1 to 9 are suppressed.
    pub const STRICT: Self = Self { threshold: 10 };
    /// The lowest threshold configuration may set. disclosure.md §6 requires that no
    /// response ever contains a value 1 to 4, so a lower threshold is a misconfiguration.
    pub const MIN_THRESHOLD: i64 = 5;

    /// A policy with a configured threshold.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] when `threshold` is below [`DisplayPolicy::MIN_THRESHOLD`].
    pub const fn new(threshold: i64) -> Result<Self, PolicyError> {
        if threshold < Self::MIN_THRESHOLD {
            Err(PolicyError { threshold })
        } else {
            Ok(Self { threshold })
        }
    }

    /// The text shown for a suppressed value, e.g. `"<5"`.
    #[must_use]
    pub fn suppressed_display(&self) -> String {
        format!("<{}", self.threshold)
    }
}

impl Default for DisplayPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A display threshold below [`DisplayPolicy::MIN_THRESHOLD`] was configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyError {
    /// The refused threshold (configuration, not data: safe to show).
    pub threshold: i64,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the display threshold must be at least {}, got {}",
            DisplayPolicy::MIN_THRESHOLD,
            self.threshold
        )
    }
}

impl std::error::Error for PolicyError {}

/// A value ready to serve: the only shape in which a count leaves the disclosure module.
///
/// It holds the adjusted value `y` (or nothing), never the true count `n`, the change `v`,
/// the cell key `u`, `ck_raw` or a `key_sum`, and nothing in it tells whether `y` differs
/// from `n`. Its fields map one to one onto the API's `StatisticValue`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Protected {
    /// `Some(y)` when published, `Some(0)` for zero, `None` when suppressed.
    pub value: Option<i64>,
    /// Which of the three display cases applies.
    pub status: ValueStatus,
    /// What a person reads: `"12"`, `"<5"` (`"<10"` under the strict policy), `"0"`.
    pub display: String,
}

/// Whether a node uses the age group, as a filter or a grouping, whatever the value
/// (disclosure.md §3).
///
/// Zeros are never perturbed, so an exact zero where age is used tells that no child is
/// there, and across the parts of a split the pattern of "0" and "<5" counts the parts that
/// hold a child. Where age is used, every value below the threshold is therefore shown as
/// suppressed, zero included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeUse {
    /// The node sums over every age group: zeros are shown as `"0"`.
    NotUsed,
    /// The node selects one age group (or is a part of a split by age): a zero is `"<5"`.
    Used,
}

impl AgeUse {
    /// `Used` when `used` is true.
    #[must_use]
    pub const fn from_bool(used: bool) -> Self {
        if used { Self::Used } else { Self::NotUsed }
    }
}

/// Protects one node: computes its cell key, perturbs its count and applies the display rule.
///
/// * `k2`: the serving key.
/// * `n`: the node's true count, `SUM(n)` over its finest cells.
/// * `sum_key_sum`: `SUM(key_sum)` over the same cells, from the same `GROUP BY`.
/// * `policy`: the display threshold.
/// * `age`: whether the node uses the age group (then zeros are suppressed too).
///
/// The result depends only on these inputs, so the same contributors give the same output
/// whatever query, alias, order or path reached them. A negative `n` cannot come from the
/// store (ingest refuses it); it is treated as zero so a corrupt row never prints a negative
/// or small exact number.
#[must_use]
pub fn protect(
    k2: &Secret,
    n: i64,
    sum_key_sum: i64,
    policy: &DisplayPolicy,
    age: AgeUse,
) -> Protected {
    let n = n.max(0);
    let u = cell_key_u(k2, ck_raw(sum_key_sum), n);
    let y = n.saturating_add(perturbation(n, u));
    apply_display_rule(y, policy, age)
}

/// The display rule of disclosure.md §3, applied to an adjusted value `y`.
///
/// Private: see the file header. `y = 0` happens (a true 0, or a true 1 or 2 adjusted down);
/// `y < 0` cannot (the table never goes below zero) and is shown as zero rather than as a
/// negative count. Where the age group is used, zero is suppressed like any small value.
fn apply_display_rule(y: i64, policy: &DisplayPolicy, age: AgeUse) -> Protected {
    if y <= 0 && age == AgeUse::NotUsed {
        Protected {
            value: Some(0),
            status: ValueStatus::Zero,
            display: "0".to_owned(),
        }
    } else if y < policy.threshold {
        Protected {
            value: None,
            status: ValueStatus::Suppressed,
            display: policy.suppressed_display(),
        }
    } else {
        Protected {
            value: Some(y),
            status: ValueStatus::Published,
            display: y.to_string(),
        }
    }
}

#[cfg(test)]
pub(super) fn display_rule_for_tests(y: i64, policy: &DisplayPolicy, age: AgeUse) -> Protected {
    apply_display_rule(y, policy, age)
}
