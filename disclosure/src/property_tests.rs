//! Property tests (proptest): invariants of the perturbation, the display rule and key sums
//! that must hold for every input, not just the pinned examples.

use proptest::prelude::*;

use super::*;

/// Cells drawn from a small alphabet of codes, so generated cells sometimes coincide.
fn any_cell_parts() -> impl Strategy<Value = (String, i32, u32, String, String, String, String)> {
    (
        "VN-PR-[0-9]{2}",
        2015i32..=2030,
        1u32..=12,
        prop::sample::select(vec!["FEMALE", "MALE", "UNKNOWN"]),
        prop::sample::select(vec!["UNDER_16", "AGE_16_17", "ADULT", "UNKNOWN"]),
        prop::sample::select(vec!["SEXUAL", "FORCED_LABOUR", "CHILD_SALE", "OTHER"]),
        prop::sample::select(vec!["DOMESTIC", "CN", "KH", "UNKNOWN"]),
    )
        .prop_map(|(p, y, m, s, a, e, d)| {
            (
                p,
                y,
                m,
                s.to_owned(),
                a.to_owned(),
                e.to_owned(),
                d.to_owned(),
            )
        })
}

fn any_unit_type() -> impl Strategy<Value = UnitType> {
    prop::sample::select(vec![
        UnitType::Case,
        UnitType::Suspect,
        UnitType::Victim,
        UnitType::Report,
    ])
}

fn any_policy() -> impl Strategy<Value = DisplayPolicy> {
    (DisplayPolicy::MIN_THRESHOLD..=25).prop_map(|threshold| DisplayPolicy { threshold })
}

proptest! {
    #[test]
    fn change_is_at_most_two(n in any::<i64>(), u in any::<u16>()) {
        prop_assert!(perturbation(n, u).abs() <= 2);
    }

    #[test]
    fn adjusted_count_is_never_negative(n in 0i64..=i64::MAX - 2, u in any::<u16>()) {
        prop_assert!(n + perturbation(n, u) >= 0);
    }

    #[test]
    fn zero_stays_zero(u in any::<u16>(), sum in any::<i64>(), policy in any_policy()) {
        prop_assert_eq!(perturbation(0, u), 0);
        let p = protect(&Keys::test_keys().k2, 0, sum, &policy, AgeUse::NotUsed);
        prop_assert_eq!(p.value, Some(0));
        prop_assert_eq!(p.status, ValueStatus::Zero);
    }

    #[test]
    fn a_single_unit_is_never_perturbed_below_zero(u in any::<u16>()) {
        prop_assert!(perturbation(1, u) >= -1);
    }

    #[test]
    fn protect_never_shows_a_value_below_the_threshold(
        n in 0i64..10_000,
        sum in any::<i64>(),
        policy in any_policy(),
    ) {
        let p = protect(&Keys::test_keys().k2, n, sum, &policy, AgeUse::NotUsed);
        match p.status {
            ValueStatus::Zero => {
                prop_assert_eq!(p.value, Some(0));
                prop_assert_eq!(p.display.as_str(), "0");
            }
            ValueStatus::Suppressed => {
                prop_assert_eq!(p.value, None);
                prop_assert_eq!(p.display, format!("<{}", policy.threshold));
            }
            ValueStatus::Published => {
                let Some(y) = p.value else {
                    return Err(TestCaseError::fail("published without a value"));
                };
                prop_assert!(y >= policy.threshold);
                prop_assert!((y - n).abs() <= 2);
                prop_assert_eq!(p.display, y.to_string());
            }
        }
        if let Some(y) = p.value {
            prop_assert!(y == 0 || y >= policy.threshold, "value {} shown", y);
        }
    }

    #[test]
    fn same_inputs_give_the_same_output(
        n in 0i64..100_000,
        sum in any::<i64>(),
        policy in any_policy(),
    ) {
        let k2 = Keys::test_keys().k2;
        let k2_again = Secret::from_bytes([2u8; SECRET_LEN]);
        prop_assert_eq!(protect(&k2, n, sum, &policy, AgeUse::NotUsed), protect(&k2_again, n, sum, &policy, AgeUse::NotUsed));
    }

    #[test]
    fn key_sums_that_agree_modulo_two_to_the_32_give_the_same_output(
        n in 0i64..100_000,
        sum in -(1i64 << 40)..(1i64 << 40),
        wraps in -1000i64..1000,
    ) {
        // SQL may return the sum of key sums at any 64-bit value congruent modulo 2^32.
        let k2 = Keys::test_keys().k2;
        let policy = DisplayPolicy::DEFAULT;
        prop_assert_eq!(
            protect(&k2, n, sum, &policy, AgeUse::NotUsed),
            protect(&k2, n, sum + wraps * (1i64 << 32), &policy, AgeUse::NotUsed)
        );
    }

    #[test]
    fn key_sum_is_additive(
        parts in any_cell_parts(),
        t in any_unit_type(),
        n in 0u64..40,
        m in 0u64..40,
    ) {
        let (province, year, month, sex, age, expl, dest) = parts;
        let c = Cell {
            province: &province,
            year,
            month,
            sex: &sex,
            age_group: &age,
            exploitation_form: &expl,
            destination: &dest,
        };
        let k1 = Keys::test_keys().k1;
        let extra: i64 = (n + 1..=n + m).map(|i| i64::from(unit_key(&k1, t, &c, i))).sum();
        prop_assert_eq!(key_sum(&k1, t, &c, n + m) - key_sum(&k1, t, &c, n), extra);
    }

    #[test]
    fn unit_keys_are_deterministic(parts in any_cell_parts(), t in any_unit_type(), i in 1u64..1000) {
        let (province, year, month, sex, age, expl, dest) = parts;
        let c = Cell {
            province: &province,
            year,
            month,
            sex: &sex,
            age_group: &age,
            exploitation_form: &expl,
            destination: &dest,
        };
        let first = unit_key(&Keys::test_keys().k1, t, &c, i);
        prop_assert_eq!(unit_key(&Secret::from_bytes([1u8; SECRET_LEN]), t, &c, i), first);
    }

    #[test]
    fn cell_key_is_always_below_4096(ck in any::<u32>(), n in any::<i64>()) {
        prop_assert!(cell_key_u(&Keys::test_keys().k2, ck, n) < U_RANGE);
    }
}
