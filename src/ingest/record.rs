//! One record of counts, checked field by field: the checks and the messages the CSV import
//! (`ingest::csv`, one record per line) and the mutation `upsertCounts` (one record per input)
//! share. Each field is checked on its own, so a record gets every fault at once; the province is
//! checked against its month by the caller's [`RegionCheck`]. What a record becomes is a
//! [`Count`], the one shape a count has down to the store.
use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate};

use crate::count::Count;
pub use crate::dimensions::shown;
use crate::dimensions::{Category, MetricKind, choose};

/// The columns of the file, in the order of the template (any order is accepted).
pub const COLUMNS: [&str; 8] = [
    "metric",
    "region",
    "month",
    "sex",
    "age_group",
    "exploitation_form",
    "destination",
    "count",
];

/// The first year that can be imported.
pub const FIRST_YEAR: i32 = 1990;

// Indices into `COLUMNS`; the four category columns follow `MONTH` in `Category::ALL` order.
pub const METRIC: usize = 0;
pub const REGION: usize = 1;
pub const MONTH: usize = 2;
pub const COUNT: usize = 7;

/// What the caller knows that a pure parser cannot: whether a province code exists and is
/// valid in a month.
pub trait RegionCheck {
    /// The province's id when `code` names a province valid in `month` of `year`; otherwise the
    /// message to show, used as is (e.g. "VN-P63-02 (Hà Giang) ended on 2025-06-30: use
    /// VN-P34-08").
    fn check(&self, code: &str, year: i32, month: u32) -> Result<i32, String>;
}

impl<T: RegionCheck + ?Sized> RegionCheck for &T {
    fn check(&self, code: &str, year: i32, month: u32) -> Result<i32, String> {
        (**self).check(code, year, month)
    }
}

/// The bounds every record is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Months must be strictly before the month of `today` ("a past month"): the current
    /// month is still being counted.
    pub today: NaiveDate,
    /// The largest count one cell may hold: a larger one is refused before any key is computed
    /// for it.
    pub max_count: i64,
}

/// Checks one record. `field(c)` is the text of column `c` of [`COLUMNS`] (trimmed), or why it
/// cannot be read. The error lists every fault as (column, message), in column order.
pub fn check<'a>(
    field: impl Fn(usize) -> Result<&'a str, String>,
    regions: &impl RegionCheck,
    limits: Limits,
) -> Result<Count, Vec<(usize, String)>> {
    let mut errors: Vec<(usize, String)> = Vec::new();
    let metric = keep(&mut errors, METRIC, field(METRIC).and_then(parse_metric));
    let region = keep(&mut errors, REGION, field(REGION).and_then(parse_region));
    let month = field(MONTH).and_then(|s| parse_month(s, limits.today));
    let month = keep(&mut errors, MONTH, month);
    let mut categories = [None; 4];
    for (i, category) in Category::ALL.into_iter().enumerate() {
        let column = MONTH + 1 + i;
        let value = field(column).and_then(|s| parse_category(category, s));
        categories[i] = keep(&mut errors, column, value);
        if let (Some(metric), Some(value)) = (metric, categories[i])
            && !metric.supports(category)
            && value != "UNKNOWN"
        {
            errors.push((column, not_broken_down(metric, category)));
        }
    }
    let count = field(COUNT)
        .and_then(parse_count)
        .and_then(|n| within_ceiling(n, limits.max_count));
    let count = keep(&mut errors, COUNT, count);
    // The region can only be checked against a valid month.
    let region_id = match (region, month) {
        (Some(region), Some((year, month))) => {
            keep(&mut errors, REGION, regions.check(region, year, month))
        }
        _ => None,
    };
    match (metric, region, region_id, month, categories, count) {
        (
            Some(m),
            Some(r),
            Some(id),
            Some((year, month)),
            [Some(s), Some(a), Some(f), Some(d)],
            Some(n),
        ) if errors.is_empty() => Ok(Count {
            metric: m,
            region_id: id,
            region_code: r.to_owned(),
            year,
            month,
            sex: s,
            age_group: a,
            exploitation_form: f,
            destination: d,
            count: n,
        }),
        _ => {
            errors.sort_by_key(|&(column, _)| column);
            Err(errors)
        }
    }
}

/// The value, or `None` with its message noted against `column`.
fn keep<T>(
    errors: &mut Vec<(usize, String)>,
    column: usize,
    value: Result<T, String>,
) -> Option<T> {
    value.map_err(|m| errors.push((column, m))).ok()
}

fn parse_metric(s: &str) -> Result<MetricKind, String> {
    let names = MetricKind::ALL.map(MetricKind::as_str);
    Ok(MetricKind::ALL[choose("metric", s, &names, "")?])
}

fn parse_region(s: &str) -> Result<&str, String> {
    match s {
        "" => Err("region is empty: write a province code, e.g. VN-P63-10".to_owned()),
        _ => Ok(s),
    }
}

/// `YYYY-MM`, from [`FIRST_YEAR`] to the month before `today`'s: the one month parser of the
/// write side (published figures use its syntax check, [`year_month`]).
pub fn parse_month(s: &str, today: NaiveDate) -> Result<(i32, u32), String> {
    let (year, month) = year_month(s)?;
    let v = shown(s);
    if year < FIRST_YEAR {
        let first = format!("{FIRST_YEAR}-01");
        return Err(format!(
            "{v} is before {first}, the first month that can be imported"
        ));
    }
    // The last day of the previous month: today's month is the first one refused.
    let last = today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let until = format!("only months up to {} can be imported", last.format("%Y-%m"));
    match (year, month).cmp(&(today.year(), today.month())) {
        Ordering::Less => Ok((year, month)),
        Ordering::Equal => Err(format!(
            "{v} is the current month, still being counted: {until}"
        )),
        Ordering::Greater => Err(format!("{v} is in the future: {until}")),
    }
}

/// `YYYY-MM`, any month: the syntax alone.
pub fn year_month(s: &str) -> Result<(i32, u32), String> {
    if s.is_empty() {
        return Err("month is empty: write YYYY-MM, e.g. 2024-07".to_owned());
    }
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let parsed = match s.split_once('-') {
        Some((y, m)) if y.len() == 4 && m.len() == 2 && digits(y) && digits(m) => {
            (y.parse::<i32>().ok(), m.parse::<u32>().ok())
        }
        _ => (None, None),
    };
    match parsed {
        (Some(year), Some(month @ 1..=12)) => Ok((year, month)),
        _ => Err(format!(
            "{} is not a month: write YYYY-MM, e.g. 2024-07",
            shown(s)
        )),
    }
}

pub use crate::dimensions::parse_value as parse_category;

/// A whole number of 0 or more, in ASCII digits only.
fn parse_count(s: &str) -> Result<i64, String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let v = shown(s);
    if s.is_empty() {
        Err("count is empty: write the number, or 0 if there were none".to_owned())
    } else if digits(s) {
        let max = i64::MAX;
        s.parse()
            .map_err(|_| format!("{v} is too large for a count (at most {max})"))
    } else if thousands_separated(s) {
        Err(format!(
            "{v} has a thousands separator: write the digits alone, e.g. {} (in the \
             spreadsheet, format the column as a number without the 1000 separator)",
            s.replace(|c: char| !c.is_ascii_digit(), "")
        ))
    } else if s.strip_prefix('-').is_some_and(digits) {
        Err(format!("{v} is negative: a count is 0 or more"))
    } else {
        Err(format!(
            "{v} is not a count: write a whole number of 0 or more in digits only, without \
             sign, decimals, exponent, spaces or thousands separators, e.g. 12"
        ))
    }
}

/// A count no larger than the ceiling a cell may hold.
pub fn within_ceiling(n: i64, max: i64) -> Result<i64, String> {
    if n > max {
        Err(format!(
            "{n} is more than a cell may hold ({max} at most): check the number for a typo \
             (the ceiling is the setting CTIP_MAX_CELL_COUNT)"
        ))
    } else {
        Ok(n)
    }
}

/// `1,200`, `1.200`, `1 200` or `1 200` (a no-break space): groups of three digits after the
/// first, with one separator throughout.
fn thousands_separated(s: &str) -> bool {
    let Some(sep) = s.chars().find(|c| !c.is_ascii_digit()) else {
        return false;
    };
    if !matches!(sep, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}' | '\'') {
        return false;
    }
    let mut groups = s.split(sep);
    let first = groups.next().unwrap_or_default();
    let rest: Vec<&str> = groups.collect();
    (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && !rest.is_empty()
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

fn not_broken_down(metric: MetricKind, category: Category) -> String {
    let phrases: Vec<&str> = metric.categories().iter().map(|c| c.phrase()).collect();
    let supported = match phrases.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => "nothing".to_owned(),
    };
    let (m, c) = (metric.as_str(), category.phrase());
    format!("{m} is not broken down by {c}: write UNKNOWN ({m} is broken down by {supported} only)")
}
