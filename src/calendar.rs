//! Vietnam's calendar. The data counts Vietnamese months, so "a past month", the date in a
//! release code and the date a citation gives are read on the clock in Asia/Ho_Chi_Minh:
//! UTC+7, without daylight saving since 1975, so a fixed offset is that zone exactly (and
//! needs no time-zone database).
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Asia/Ho_Chi_Minh: seven hours east of UTC.
const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("seven hours is a valid offset"),
};

/// The date in Vietnam at that instant.
pub fn date_in_vietnam(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&VIETNAM).date_naive()
}

/// Today's date in Vietnam.
pub fn today() -> NaiveDate {
    date_in_vietnam(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_vietnamese_month_ends_at_midnight_in_hanoi_which_is_17_00_utc() {
        let at = |h, mi| Utc.with_ymd_and_hms(2024, 7, 31, h, mi, 0).unwrap();
        assert_eq!(
            date_in_vietnam(at(16, 59)),
            NaiveDate::from_ymd_opt(2024, 7, 31).unwrap()
        );
        assert_eq!(
            date_in_vietnam(at(17, 0)),
            NaiveDate::from_ymd_opt(2024, 8, 1).unwrap(),
            "00:00 on 1 August in Hanoi is 17:00 on 31 July in UTC"
        );
    }
}
