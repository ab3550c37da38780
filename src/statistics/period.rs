//! Aligned periods: a month `2024-07`, a quarter `2024-Q3` or a year `2024` (disclosure.md §4:
//! no ranges). Months are numbered `year * 12 + month - 1` inside the crate.
use chrono::NaiveDate;

use crate::disclosure::PeriodGrain;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodSpec {
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
}

impl PeriodSpec {
    /// Parses `2024`, `2024-Q3` or `2024-07`; the error says what is accepted.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "\"{s}\" is not a period: write a year (\"2024\"), a quarter (\"2024-Q3\") or a month (\"2024-07\")"
            )
        };
        let (year, rest) = match s.split_once('-') {
            None => (s, None),
            Some((y, r)) => (y, Some(r)),
        };
        if year.len() != 4 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        match rest {
            None => Ok(PeriodSpec::Year(year)),
            Some(q) if q.starts_with(['Q', 'q']) => match q[1..].parse::<u32>() {
                Ok(n @ 1..=4) if q.len() == 2 => Ok(PeriodSpec::Quarter(year, n)),
                _ => Err(bad()),
            },
            Some(m) if m.len() == 2 => match m.parse::<u32>() {
                Ok(n @ 1..=12) => Ok(PeriodSpec::Month(year, n)),
                _ => Err(bad()),
            },
            Some(_) => Err(bad()),
        }
    }

    pub fn grain(self) -> PeriodGrain {
        match self {
            PeriodSpec::Year(_) => PeriodGrain::Year,
            PeriodSpec::Quarter(..) => PeriodGrain::Quarter,
            PeriodSpec::Month(..) => PeriodGrain::Month,
        }
    }

    pub fn year(self) -> i32 {
        match self {
            PeriodSpec::Year(y) | PeriodSpec::Quarter(y, _) | PeriodSpec::Month(y, _) => y,
        }
    }

    /// First and last month, numbered `year * 12 + month - 1`.
    pub fn months(self) -> (i32, i32) {
        match self {
            PeriodSpec::Year(y) => (y * 12, y * 12 + 11),
            PeriodSpec::Quarter(y, q) => {
                (y * 12 + 3 * (q as i32 - 1), y * 12 + 3 * (q as i32 - 1) + 2)
            }
            PeriodSpec::Month(y, m) => (y * 12 + m as i32 - 1, y * 12 + m as i32 - 1),
        }
    }

    pub fn start(self) -> Option<NaiveDate> {
        let (from, _) = self.months();
        NaiveDate::from_ymd_opt(from.div_euclid(12), (from.rem_euclid(12) + 1) as u32, 1)
    }

    pub fn end(self) -> Option<NaiveDate> {
        let (_, to) = self.months();
        let next = to + 1;
        NaiveDate::from_ymd_opt(next.div_euclid(12), (next.rem_euclid(12) + 1) as u32, 1)
            .and_then(|d| d.pred_opt())
    }

    /// `2024`, `2024-Q3`, `2024-07`: the form `parse` reads.
    pub fn label(self) -> String {
        match self {
            PeriodSpec::Year(y) => format!("{y}"),
            PeriodSpec::Quarter(y, q) => format!("{y}-Q{q}"),
            PeriodSpec::Month(y, m) => format!("{y}-{m:02}"),
        }
    }

    /// Every period of `grain` inside the months `(from, to)`, in order.
    pub fn all_within(grain: PeriodGrain, (from, to): (i32, i32)) -> Vec<PeriodSpec> {
        let mut out: Vec<PeriodSpec> = Vec::new();
        for m in from..=to {
            let (y, mo) = (m.div_euclid(12), (m.rem_euclid(12) + 1) as u32);
            let p = match grain {
                PeriodGrain::Year => PeriodSpec::Year(y),
                PeriodGrain::Quarter => PeriodSpec::Quarter(y, mo.div_ceil(3)),
                PeriodGrain::Month => PeriodSpec::Month(y, mo),
            };
            if out.last() != Some(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// `2024-07` for a month numbered `year * 12 + month - 1`.
pub fn month_label(m: i32) -> String {
    format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_only_in_their_aligned_forms() {
        assert_eq!(PeriodSpec::parse("2024"), Ok(PeriodSpec::Year(2024)));
        assert_eq!(
            PeriodSpec::parse("2024-Q3"),
            Ok(PeriodSpec::Quarter(2024, 3))
        );
        assert_eq!(PeriodSpec::parse("2024-07"), Ok(PeriodSpec::Month(2024, 7)));
        for bad in [
            "24",
            "2024-13",
            "2024-Q5",
            "2024-7",
            "2024-07-01",
            "2024..2025",
            "",
            "abcd",
        ] {
            assert!(PeriodSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_know_their_months_dates_and_labels() {
        let q3 = PeriodSpec::Quarter(2024, 3);
        assert_eq!(q3.months(), (2024 * 12 + 6, 2024 * 12 + 8));
        assert_eq!(q3.start(), NaiveDate::from_ymd_opt(2024, 7, 1));
        assert_eq!(q3.end(), NaiveDate::from_ymd_opt(2024, 9, 30));
        assert_eq!(
            PeriodSpec::Month(2024, 2).end(),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(PeriodSpec::parse(&q3.label()), Ok(q3));
        let quarters =
            PeriodSpec::all_within(PeriodGrain::Quarter, PeriodSpec::Year(2025).months());
        assert_eq!(quarters.len(), 4);
    }
}
