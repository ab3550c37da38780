//! Unit tests: table boundaries, display rule, `ck_raw` arithmetic, key derivation pinned to
//! known answers, and secret handling.
//!
//! The known answers were computed independently of this code (Python `hmac` and
//! `openssl dgst -sha256 -mac HMAC`) from the message layout in disclosure.md §1–2, so they
//! pin the byte format, the big-endian reading and the modulo, not just "whatever the code does".

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::serving::display_rule_for_tests as display_rule;
use super::*;

fn cell() -> Cell<'static> {
    Cell {
        province: "VN-PR-15",
        year: 2024,
        month: 7,
        sex: "FEMALE",
        age_group: "UNDER_16",
        exploitation_form: "SEXUAL",
        destination: "CN",
    }
}

// ---------------------------------------------------------------- perturbation table

#[test]
fn table_boundaries_for_counts_of_two_or_more() {
    let expected = [
        (0, -2),
        (260, -2),
        (261, -1),
        (1262, -1),
        (1263, 0),
        (2832, 0),
        (2833, 1),
        (3834, 1),
        (3835, 2),
        (4095, 2),
    ];
    for n in [2, 3, 4, 5, 17, 1_000_000, i64::MAX] {
        for (u, v) in expected {
            assert_eq!(perturbation(n, u), v, "n = {n}, u = {u}");
        }
    }
}

#[test]
fn table_boundaries_for_a_count_of_one() {
    let expected = [
        (0, -1),
        (1535, -1),
        (1536, 0),
        (3071, 0),
        (3072, 1),
        (3583, 1),
        (3584, 2),
        (4095, 2),
    ];
    for (u, v) in expected {
        assert_eq!(perturbation(1, u), v, "u = {u}");
    }
}

#[test]
fn zero_and_negative_counts_never_change_for_any_key() {
    for u in 0..=u16::MAX {
        assert_eq!(perturbation(0, u), 0, "u = {u}");
        assert_eq!(perturbation(-3, u), 0, "u = {u}");
    }
}

#[test]
fn keys_above_4095_wrap_into_the_table() {
    for u in 0..U_RANGE {
        assert_eq!(perturbation(7, u + U_RANGE), perturbation(7, u));
        assert_eq!(perturbation(1, u + 3 * U_RANGE), perturbation(1, u));
    }
}

#[test]
fn every_count_class_covers_each_key_exactly_once_in_order() {
    for class in [CountClass::Zero, CountClass::One, CountClass::TwoOrMore] {
        let rows: Vec<&PerturbationRow> = perturbation_table()
            .iter()
            .filter(|r| r.n_class == class)
            .collect();
        let mut next = 0u16;
        for r in &rows {
            assert_eq!(r.u_min, next, "gap or overlap in {class:?}");
            assert!(r.u_max >= r.u_min);
            next = r.u_max + 1;
        }
        assert_eq!(next, U_RANGE, "{class:?} does not end at 4095");
        let weights: u32 = rows.iter().map(|r| u32::from(r.weight())).sum();
        assert_eq!(weights, u32::from(U_RANGE));
    }
}

#[test]
fn table_has_mean_zero_and_the_documented_variance() {
    let moments = |class| {
        perturbation_table()
            .iter()
            .filter(|r| r.n_class == class)
            .fold((0i64, 0i64), |(s1, s2), r| {
                let w = i64::from(r.weight());
                (s1 + w * r.v, s2 + w * r.v * r.v)
            })
    };
    assert_eq!(
        moments(CountClass::One),
        (0, 4096),
        "n = 1: mean 0, variance 1"
    );
    assert_eq!(
        moments(CountClass::TwoOrMore),
        (0, 4092),
        "n >= 2: variance 4092/4096"
    );
    assert_eq!(moments(CountClass::Zero), (0, 0));
}

#[test]
fn perturbation_agrees_with_the_published_rows_for_every_key() {
    for n in [0, 1, 2, 9] {
        for u in 0..U_RANGE {
            let rows: Vec<&PerturbationRow> = perturbation_table()
                .iter()
                .filter(|r| r.n_class == CountClass::of(n) && r.contains(u))
                .collect();
            assert_eq!(rows.len(), 1, "n = {n}, u = {u}");
            assert_eq!(perturbation(n, u), rows[0].v);
        }
    }
}

#[test]
fn published_probabilities_are_the_weights_over_4096() {
    let p: Vec<(i64, f64)> = perturbation_table()
        .iter()
        .filter(|r| r.n_class == CountClass::TwoOrMore)
        .map(|r| (r.v, r.probability()))
        .collect();
    let expected = [
        (-2, 261.0 / 4096.0),
        (-1, 1002.0 / 4096.0),
        (0, 1570.0 / 4096.0),
        (1, 1002.0 / 4096.0),
        (2, 261.0 / 4096.0),
    ];
    assert_eq!(p, expected);
    assert_eq!(CountClass::of(1).label(), "1");
    assert_eq!(CountClass::of(0).label(), "0");
    assert_eq!(CountClass::of(2).label(), ">=2");
}

// ---------------------------------------------------------------- display rule

#[test]
fn display_rule_default_threshold() {
    let p = DisplayPolicy::DEFAULT;
    let zero = display_rule(0, &p, AgeUse::NotUsed);
    assert_eq!(
        (zero.value, zero.status, zero.display.as_str()),
        (Some(0), ValueStatus::Zero, "0")
    );
    for y in 1..=4 {
        let s = display_rule(y, &p, AgeUse::NotUsed);
        assert_eq!(
            (s.value, s.status, s.display.as_str()),
            (None, ValueStatus::Suppressed, "<5")
        );
    }
    for (y, text) in [(5, "5"), (12, "12"), (1234, "1234")] {
        let s = display_rule(y, &p, AgeUse::NotUsed);
        assert_eq!(
            (s.value, s.status, s.display.as_str()),
            (Some(y), ValueStatus::Published, text)
        );
    }
}

#[test]
fn display_rule_strict_threshold() {
    let p = DisplayPolicy::STRICT;
    for y in 1..=9 {
        let s = display_rule(y, &p, AgeUse::NotUsed);
        assert_eq!(
            (s.value, s.status, s.display.as_str()),
            (None, ValueStatus::Suppressed, "<10")
        );
    }
    let s = display_rule(10, &p, AgeUse::NotUsed);
    assert_eq!(
        (s.value, s.status, s.display.as_str()),
        (Some(10), ValueStatus::Published, "10")
    );
    assert_eq!(
        display_rule(0, &p, AgeUse::NotUsed).status,
        ValueStatus::Zero
    );
}

#[test]
fn where_age_is_used_zero_is_suppressed_like_any_small_value() {
    for p in [DisplayPolicy::DEFAULT, DisplayPolicy::STRICT] {
        for y in -1..p.threshold {
            let s = display_rule(y, &p, AgeUse::Used);
            assert_eq!(
                (s.value, s.status, s.display),
                (None, ValueStatus::Suppressed, p.suppressed_display()),
                "y = {y}"
            );
        }
        let s = display_rule(p.threshold, &p, AgeUse::Used);
        assert_eq!(s.status, ValueStatus::Published);
    }
}

#[test]
fn protect_with_age_never_shows_an_exact_zero() {
    let k = Keys::test_keys();
    for n in 0..=4 {
        for sum in 0..200i64 {
            let p = protect(
                &k.k2,
                n,
                sum * 104_729,
                &DisplayPolicy::DEFAULT,
                AgeUse::Used,
            );
            assert_ne!(p.status, ValueStatus::Zero, "n = {n}");
            assert_ne!(p.value, Some(0), "n = {n}");
        }
    }
}

#[test]
fn display_rule_never_prints_a_negative_number() {
    let s = display_rule(-1, &DisplayPolicy::DEFAULT, AgeUse::NotUsed);
    assert_eq!(
        (s.value, s.status, s.display.as_str()),
        (Some(0), ValueStatus::Zero, "0")
    );
}

#[test]
fn thresholds_below_five_are_refused() {
    assert_eq!(DisplayPolicy::new(4), Err(PolicyError { threshold: 4 }));
    assert_eq!(DisplayPolicy::new(5), Ok(DisplayPolicy::DEFAULT));
    assert_eq!(DisplayPolicy::new(10), Ok(DisplayPolicy::STRICT));
    assert_eq!(DisplayPolicy::default(), DisplayPolicy::DEFAULT);
    assert_eq!(
        PolicyError { threshold: 2 }.to_string(),
        "the display threshold must be at least 5, got 2"
    );
    assert_eq!(ValueStatus::Suppressed.as_str(), "SUPPRESSED");
}

// ---------------------------------------------------------------- ck_raw

#[test]
fn ck_raw_reduces_modulo_two_to_the_32() {
    let two32 = 1i64 << 32;
    let cases = [
        (0, 0),
        (5, 5),
        (two32 - 1, u32::MAX),
        (two32, 0),
        (two32 + 5, 5),
        (7 * two32 + 123, 123),
        (i64::MAX, u32::MAX),
    ];
    for (sum, expected) in cases {
        assert_eq!(ck_raw(sum), expected, "sum = {sum}");
    }
}

#[test]
fn ck_raw_of_a_negative_sum_is_the_euclidean_residue() {
    let two32 = 1i64 << 32;
    let cases = [
        (-1, u32::MAX),
        (-5, u32::MAX - 4),
        (-two32, 0),
        (-two32 - 1, u32::MAX),
        (i64::MIN, 0),
        (i64::MIN + 1, 1),
    ];
    for (sum, expected) in cases {
        assert_eq!(ck_raw(sum), expected, "sum = {sum}");
        // Two's complement truncation gives the same residue: a cross-check by another route.
        assert_eq!(ck_raw(sum), sum as u32, "sum = {sum}");
    }
}

// ---------------------------------------------------------------- keys

#[test]
fn unit_key_known_answers_with_test_keys() {
    let k = Keys::test_keys();
    let c = cell();
    let victim = [(1, 3_631_381_426u32), (2, 250_712_918), (3, 1_908_132_196)];
    for (i, expected) in victim {
        assert_eq!(
            unit_key(&k.k1, UnitType::Victim, &c, i),
            expected,
            "victim #{i}"
        );
    }
    let case = [(1, 828_967_615u32), (2, 2_256_355_728), (3, 1_612_181_877)];
    for (i, expected) in case {
        assert_eq!(
            unit_key(&k.k1, UnitType::Case, &c, i),
            expected,
            "case #{i}"
        );
    }
}

#[test]
fn key_sum_and_cell_key_known_answers_with_test_keys() {
    let k = Keys::test_keys();
    let c = cell();
    assert_eq!(key_sum(&k.k1, UnitType::Victim, &c, 0), 0);
    // Pipeline pinned end to end: (n, key_sum, u, displayed value).
    let pinned = [
        (1u64, 3_631_381_426i64, 1896u16, "<5"),
        (3, 5_790_226_540, 238, "<5"),
        (5, 9_443_725_499, 1714, "5"),
        (12, 20_790_723_770, 3838, "14"),
    ];
    for (n, sum, u, display) in pinned {
        let n_i64 = i64::try_from(n).unwrap_or(i64::MAX);
        assert_eq!(key_sum(&k.k1, UnitType::Victim, &c, n), sum, "n = {n}");
        assert_eq!(cell_key_u(&k.k2, ck_raw(sum), n_i64), u, "n = {n}");
        assert_eq!(
            protect(&k.k2, n_i64, sum, &DisplayPolicy::DEFAULT, AgeUse::NotUsed).display,
            display
        );
    }
    assert_eq!(cell_key_u(&k.k2, 123_456_789, 7), 3348);
}

#[test]
fn unit_key_matches_hmac_keyed_with_the_unpadded_secret() {
    // `Secret::mac` pads the key to the SHA-256 block; RFC 2104 says that is the same MAC.
    let k1 = [1u8; 32];
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&k1) else {
        panic!("HMAC accepts any key length");
    };
    mac.update(b"rk1|suspect|VN-PR-01|2023-12|MALE|ADULT|FORCED_LABOUR|KH|42");
    let tag = mac.finalize().into_bytes();
    let expected = u32::from_be_bytes([tag[0], tag[1], tag[2], tag[3]]);
    let c = Cell {
        province: "VN-PR-01",
        year: 2023,
        month: 12,
        sex: "MALE",
        age_group: "ADULT",
        exploitation_form: "FORCED_LABOUR",
        destination: "KH",
    };
    assert_eq!(
        unit_key(&Secret::from_bytes(k1), UnitType::Suspect, &c, 42),
        expected
    );
}

#[test]
fn unit_key_is_deterministic_and_depends_on_every_field() {
    let k = Keys::test_keys();
    let base = cell();
    let key = |t, c: &Cell<'_>, i| unit_key(&k.k1, t, c, i);
    let reference = key(UnitType::Victim, &base, 1);
    assert_eq!(
        key(UnitType::Victim, &base, 1),
        reference,
        "same input, same key"
    );
    let variants = [
        Cell {
            province: "VN-PR-16",
            ..base
        },
        Cell { year: 2025, ..base },
        Cell { month: 8, ..base },
        Cell {
            sex: "MALE",
            ..base
        },
        Cell {
            age_group: "ADULT",
            ..base
        },
        Cell {
            exploitation_form: "FORCED_LABOUR",
            ..base
        },
        Cell {
            destination: "KH",
            ..base
        },
    ];
    for v in &variants {
        assert_ne!(key(UnitType::Victim, v, 1), reference, "{v:?}");
    }
    assert_ne!(key(UnitType::Suspect, &base, 1), reference, "unit type");
    assert_ne!(key(UnitType::Victim, &base, 2), reference, "unit index");
    let other_k1 = Secret::from_bytes([9u8; 32]);
    assert_ne!(
        unit_key(&other_k1, UnitType::Victim, &base, 1),
        reference,
        "key"
    );
}

#[test]
fn cell_key_depends_on_k2_ck_raw_and_n_and_stays_below_4096() {
    let k = Keys::test_keys();
    let u = cell_key_u(&k.k2, 42, 10);
    assert_eq!(cell_key_u(&k.k2, 42, 10), u);
    let mut differ = 0;
    for x in 0..200u32 {
        let a = cell_key_u(&k.k2, x, 10);
        assert!(a < U_RANGE);
        differ += usize::from(a != cell_key_u(&k.k2, x, 11));
        differ += usize::from(a != cell_key_u(&k.k1, x, 10));
    }
    // Each comparison collides with probability 1/4096; 400 comparisons, a few collisions at most.
    assert!(differ >= 395, "only {differ} of 400 differ");
}

#[test]
fn unit_type_names_are_the_key_words() {
    let names: Vec<&str> = [
        UnitType::Case,
        UnitType::Suspect,
        UnitType::Victim,
        UnitType::Report,
    ]
    .iter()
    .map(|t| t.as_str())
    .collect();
    assert_eq!(names, ["case", "suspect", "victim", "report"]);
}

// ---------------------------------------------------------------- secrets

#[test]
fn secret_debug_is_redacted() {
    let s = Secret::from_bytes([0xab; 32]);
    assert_eq!(format!("{s:?}"), "[redacted]");
    assert_eq!(format!("{s:#?}"), "[redacted]");
    let keys = format!("{:?}", Keys::test_keys());
    assert_eq!(keys, "Keys { k1: [redacted], k2: [redacted] }");
    assert!(!keys.contains("0101") && !keys.contains(", 1,"));
}

#[test]
fn secret_hex_round_trip_tolerates_surrounding_whitespace() -> Result<(), KeyError> {
    let s = Secret::from_bytes(core::array::from_fn(|i| u8::try_from(i).unwrap_or(0) * 7));
    let text = s.to_hex();
    assert_eq!(text.len(), 64);
    assert_eq!(Secret::from_hex(&text)?.to_hex(), text);
    assert_eq!(
        Secret::from_hex(&format!("  {}\n", text.to_uppercase()))?.to_hex(),
        text
    );
    Ok(())
}

#[test]
fn malformed_hex_keys_are_refused_without_echoing_them() {
    let short = "abcd";
    assert_eq!(
        Secret::from_hex(short).map(|_| ()),
        Err(KeyError::WrongLength {
            expected: 64,
            found: 4
        })
    );
    let bad = format!("{}zz", "0".repeat(62));
    let err = Secret::from_hex(&bad).map(|_| ());
    assert_eq!(err, Err(KeyError::NotHex));
    let message = KeyError::NotHex.to_string();
    assert!(!message.contains("zz") && !message.contains("000"));
    let message = KeyError::WrongLength {
        expected: 64,
        found: 4,
    }
    .to_string();
    assert!(!message.contains(short));
}

// ---------------------------------------------------------------- protect

#[test]
fn protect_never_changes_zero_whatever_the_key_sum() {
    let k = Keys::test_keys();
    for sum in [0, 1, -1, 987_654_321, i64::MAX, i64::MIN] {
        let p = protect(&k.k2, 0, sum, &DisplayPolicy::DEFAULT, AgeUse::NotUsed);
        assert_eq!(
            (p.value, p.status, p.display.as_str()),
            (Some(0), ValueStatus::Zero, "0")
        );
    }
}

#[test]
fn protect_treats_a_negative_count_as_zero() {
    let k = Keys::test_keys();
    let p = protect(&k.k2, -4, 12_345, &DisplayPolicy::DEFAULT, AgeUse::NotUsed);
    assert_eq!(p.status, ValueStatus::Zero);
}

#[test]
fn protect_of_large_counts_stays_within_two() {
    let k = Keys::test_keys();
    for sum in 0..500i64 {
        let p = protect(
            &k.k2,
            1000,
            sum * 7919,
            &DisplayPolicy::STRICT,
            AgeUse::NotUsed,
        );
        let Some(y) = p.value else {
            panic!("1000 ± 2 is published");
        };
        assert!((998..=1002).contains(&y));
        assert_eq!(p.display, y.to_string());
    }
}
